"""Screenshots of every screen for docs/user-guide.md, taken against the real app and probe: with the demo
containers in a private dockerd (root, docker.io and busybox-static needed; see tests/docker/dockerd.py), and for
the Pods view with the probe watching the fake Kubernetes API server on fixtures/k8s (tests/k8s/fake_apiserver.py;
needs neither root nor a cluster).

    .venv/bin/python tests/ui/screenshots.py [OUTPUT_DIR] [--only docker|kubernetes]   # default docs/screenshots
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docker"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "k8s"))

from dockerd import PrivateDockerd, why_not
from fake_apiserver import FakeApiServer
from playwright.sync_api import expect, sync_playwright
from world import CHROMIUM, REPO, Scope, build_ui, remove_demo, run_demo, why_no_browser

NETWORK = "scopeshots"
# As tests/k8s/conftest.py finds them.
K8S_FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", REPO.parent / "shared" / "fixtures")) / "k8s"
K8S_NODE = "aks-nodepool1-28869405-vmss000000"


def wait_live(page: Any, scope: Scope, fragment: str) -> None:
    page.goto(f"{scope.url}#!/{fragment}")
    expect(page.locator("[data-test=live]")).to_have_text("live", timeout=30_000)


def settle(page: Any) -> None:
    """Let the map's layout finish and the details load."""
    page.evaluate("scope.map.graph ? scope.map.graph.layoutIdle() : null")
    page.wait_for_timeout(1200)


def shoot(page: Any, out: Path, name: str) -> None:
    page.screenshot(path=str(out / f"{name}.png"))
    print("wrote", out / f"{name}.png")


@contextmanager
def _page() -> Iterator[Any]:
    """A 1440x860 page of a headless Chromium, closed after."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1440, "height": 860})
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            browser.close()


def take(scope: Scope, out: Path) -> None:
    with _page() as page:
        # The map: containers and their connections, sized by CPU.
        wait_live(page, scope, "containers?size=docker_cpu_total_usage")
        page.wait_for_function("scope.visible.nodes.size >= 4")
        settle(page)
        page.evaluate("scope.map.zoomIn(); scope.map.zoomIn()")  # four nodes: closer than the fit
        settle(page)
        shoot(page, out, "map")

        # Details of the API container: metrics, connections, controls.
        api_id = page.evaluate("[...scope.nodes.nodes.values()].find(n => n.label === 'shop-api').id")
        page.evaluate("id => scope.nav.select(id)", api_id)
        expect(page.locator("[data-test=details] [data-section=metrics] polyline").first).to_be_visible()
        settle(page)
        shoot(page, out, "details")

        # Search: the containers whose Docker label says they are the API or the database, highlighted.
        wait_live(page, scope, "containers?q=tier%3A%20api%7Cdb")
        page.wait_for_function("scope.visible.nodes.size >= 4")
        settle(page)
        page.evaluate("scope.map.zoomIn(); scope.map.zoomIn()")
        settle(page)
        shoot(page, out, "search")

        # The table: every process, heaviest memory first.
        wait_live(page, scope, "processes?o.unconnected=show&mode=table&sort=-process_memory_usage_bytes")
        page.wait_for_function("scope.visible.nodes.size > 20")
        page.wait_for_timeout(800)
        shoot(page, out, "table")

        # Filters: pinned label and threshold terms, and a query that does not parse.
        wait_live(page, scope, "containers?pin=label%3Aapp%3Dshop&pin=memory%20%3E%20100k&mode=table")
        page.locator("[data-test=search]").fill("cpu > lots")
        expect(page.locator("[data-test=search-error]")).to_be_visible()
        page.wait_for_timeout(500)
        shoot(page, out, "filters")

        # A shell in a container.
        wait_live(page, scope, "containers?mode=table")
        page.locator("[data-test=table] .trow", has_text="shop-db").click()
        page.locator("button[data-control=docker_exec_container]").click()
        term = page.locator("[data-test=terminal]")
        expect(term.locator(".term-state")).to_have_text("connected")
        term.locator(".xterm-screen").click()
        page.keyboard.type("hostname; ps; ls /\n")
        page.wait_for_timeout(1200)
        shoot(page, out, "terminal")
        page.locator("[data-test=dock-tab] .tab-close").click()

        # Logs of the worker, errors and warnings only.
        page.locator("[data-test=table] .trow", has_text="shop-worker").click()
        page.locator("button[data-control=docker_get_logs]").click()
        logs = page.locator("[data-test=logs]")
        expect(logs.locator(".lline").first).to_be_visible()
        page.wait_for_timeout(1500)
        for level in ("debug", "other"):
            logs.locator(f"input[data-level={level}]").uncheck()
        page.wait_for_timeout(300)
        shoot(page, out, "logs")
        page.locator("[data-test=dock-tab] .tab-close").click()

        # Tablet width: panels are drawers; the details drawer open.
        tablet = page.context.browser.new_page(viewport={"width": 768, "height": 1024})
        wait_live(tablet, scope, "containers")
        tablet.wait_for_function("scope.visible.nodes.size >= 4")
        settle(tablet)
        web_id = tablet.evaluate("[...scope.nodes.nodes.values()].find(n => n.label === 'shop-web').id")
        tablet.evaluate("id => scope.nav.select(id)", web_id)
        expect(tablet.locator("[data-test=details] [data-section=metrics]")).to_be_visible()
        tablet.wait_for_timeout(1000)
        shoot(tablet, out, "tablet")


def take_kubernetes(scope: Scope, out: Path) -> None:
    with _page() as page:
        # The Pods view as a table (state, IP, namespace), a stateful set's pod in the details: its labels and
        # the controller and service it belongs to.
        wait_live(page, scope, "pods?mode=table")
        expect(page.locator("[data-test=table] .trow", has_text="nginx-sts-0")).to_be_visible()
        page.locator("[data-test=table] .trow", has_text="nginx-sts-0").click()
        expect(page.locator("[data-test=details] [data-section=parents]")).to_contain_text("nginx-sts-web")
        settle(page)
        shoot(page, out, "pods")


def docker_shots(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp, PrivateDockerd(Path(tmp) / "docker") as d:
        d.import_busybox()
        made = run_demo(d.api, NETWORK)
        try:
            with Scope(Path(tmp), env=d.env) as scope:
                time.sleep(12)  # a window of samples for the sparklines, and some traffic on the edges
                take(scope, out)
        finally:
            remove_demo(d.api, made, NETWORK)


def kubernetes_shots(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeApiServer(K8S_FIXTURES, token="screenshots") as apiserver:
        kubeconfig = apiserver.write_kubeconfig(Path(tmp) / "kubeconfig")
        args = ["--no-docker", "--no-ebpf", "--no-conntrack", "--kubeconfig", str(kubeconfig),
                "--kubernetes-node-name", K8S_NODE]
        with Scope(Path(tmp), probe_args=args) as scope:
            deadline = time.monotonic() + 60
            while len(scope.get("api/topology/pods")["nodes"]) < 10:  # the fixtures' pods, listed and reported
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no pods in the pods view; see {tmp}")
                time.sleep(0.5)
            take_kubernetes(scope, out)


def main() -> int:
    parser = argparse.ArgumentParser(description="Take the user guide's screenshots.")
    parser.add_argument("out", nargs="?", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--only", choices=("docker", "kubernetes"), help="take only this set")
    args = parser.parse_args()
    sets = [args.only] if args.only else ["docker", "kubernetes"]
    reasons = [why_no_browser()]
    if "docker" in sets:
        reasons.append(why_not())
    if "kubernetes" in sets and not (K8S_FIXTURES / "pods.json").is_file():
        reasons.append(f"Kubernetes fixtures not found at {K8S_FIXTURES} (set SCOPE_FIXTURES)")
    for reason in reasons:
        if reason:
            print(f"cannot take screenshots: {reason}", file=sys.stderr)
            return 1
    build_ui()
    args.out.mkdir(parents=True, exist_ok=True)
    if "docker" in sets:
        docker_shots(args.out)
    if "kubernetes" in sets:
        kubernetes_shots(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

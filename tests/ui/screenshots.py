"""Screenshots of every screen for docs/user-guide.md, taken against the real app and probe with the demo
containers in a private dockerd (root, docker.io and busybox-static needed; see tests/docker/dockerd.py).

    .venv/bin/python tests/ui/screenshots.py [OUTPUT_DIR]      # default docs/screenshots
"""

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docker"))

from dockerd import PrivateDockerd, why_not
from playwright.sync_api import expect, sync_playwright
from world import CHROMIUM, REPO, Scope, build_ui, remove_demo, run_demo, why_no_browser

NETWORK = "scopeshots"


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


def take(scope: Scope, out: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1440, "height": 860})
        page.set_default_timeout(30_000)

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
        tablet = browser.new_page(viewport={"width": 768, "height": 1024})
        wait_live(tablet, scope, "containers")
        tablet.wait_for_function("scope.visible.nodes.size >= 4")
        settle(tablet)
        web_id = tablet.evaluate("[...scope.nodes.nodes.values()].find(n => n.label === 'shop-web').id")
        tablet.evaluate("id => scope.nav.select(id)", web_id)
        expect(tablet.locator("[data-test=details] [data-section=metrics]")).to_be_visible()
        tablet.wait_for_timeout(1000)
        shoot(tablet, out, "tablet")
        browser.close()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    for reason in (why_not(), why_no_browser()):
        if reason:
            print(f"cannot take screenshots: {reason}", file=sys.stderr)
            return 1
    build_ui()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, PrivateDockerd(Path(tmp) / "docker") as d:
        d.import_busybox()
        made = run_demo(d.api, NETWORK)
        try:
            with Scope(Path(tmp), env=d.env) as scope:
                time.sleep(12)  # a window of samples for the sparklines, and some traffic on the edges
                take(scope, out)
        finally:
            remove_demo(d.api, made, NETWORK)
    return 0


if __name__ == "__main__":
    sys.exit(main())

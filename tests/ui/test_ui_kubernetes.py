"""The web UI with Kubernetes: the fake API server (tests/k8s/fake_apiserver.py, serving the real objects of
fixtures/k8s in a thread of this process) -> a real `scope probe --kubeconfig` -> a real `scope app` -> Chromium.

The pods, controllers and services views and the namespace option; a label search; a pod's details (metadata,
labels, parents) and its live logs; watch events reaching the page without a reload; scaling a deployment; the
YAML of `Describe` in the text viewer. The world is shared by the module; each test changes different objects
(nginx-sts-1 and tunnelfront are deleted, coredns is scaled up and back down)."""

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_apiserver import FakeApiServer
from playwright.sync_api import expect
from world import REPO, Scope

pytestmark = pytest.mark.app

# Found as tests/k8s/conftest.py finds them: $SCOPE_FIXTURES/k8s, else shared/fixtures/k8s beside the repo.
K8S_FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", REPO.parent / "shared" / "fixtures")) / "k8s"
NODE = "aks-nodepool1-28869405-vmss000000"  # the fixtures' node: this probe plays its DaemonSet pod
TOKEN = "scope-ui-test-token"
WAIT = 30_000  # ms: a watch event, a probe report and a websocket delta on two busy cores

DEFAULT_PODS = ["nginx-sts-0", "nginx-sts-1"]  # the fixtures' only pods in namespace default
NGINX_0_IP = "10.244.0.70"
COREDNS = ("deployments", "kube-system", "coredns")


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> None:
    """Poll check() (exceptions count as not yet) until it is true."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            if check():
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, ui_bundle: None) -> Iterator[tuple[Scope, FakeApiServer]]:
    """The fake API server, and an app with a probe watching it as the fixtures' node (all roles)."""
    if not (K8S_FIXTURES / "pods.json").is_file():
        pytest.skip(f"Kubernetes fixtures not found at {K8S_FIXTURES} (set SCOPE_FIXTURES)")
    try:
        import kubernetes  # noqa: F401 - the probe's client
    except ImportError:
        pytest.skip("needs the kubernetes Python package (pip install -e .[kubernetes])")
    root = tmp_path_factory.mktemp("scope-k8s")
    apiserver = FakeApiServer(K8S_FIXTURES, token=TOKEN).start()
    try:
        kubeconfig = apiserver.write_kubeconfig(root / "kubeconfig")
        args = ["--no-docker", "--no-ebpf", "--no-conntrack", "--kubeconfig", str(kubeconfig),
                "--kubernetes-node-name", NODE]
        with Scope(root, probe_args=args) as scope:
            wait_until(lambda: {"nginx-sts-0", "coredns-698c77c5d7-7nnxw"} <= labels(scope, "pods"), 60,
                       f"the fixtures' pods in the pods view; see {root}")
            yield scope, apiserver
    finally:
        apiserver.stop()


def labels(scope: Scope, view: str) -> set[str]:
    return {n["label"] for n in scope.get(f"api/topology/{view}")["nodes"].values()}


def open_table(page: Any, scope: Scope, fragment: str, row: str) -> Any:
    """Open a view as a table, wait until it is live and shows `row`; the table."""
    page.goto(f"{scope.url}#!/{fragment}{'&' if '?' in fragment else '?'}mode=table")
    expect(page.locator("[data-test=live]")).to_have_text("live")
    table = page.locator("[data-test=table]")
    expect(row_of(table, row)).to_be_visible(timeout=WAIT)
    return table


def rows(table: Any) -> Any:
    """The rows in use (the pool's spare rows are hidden and keep stale text)."""
    return table.locator(".tviewport .trow:not([hidden])")


def row_of(table: Any, label: str) -> Any:
    return rows(table).filter(has=table.page.locator(".tcell", has_text=re.compile(f"^{re.escape(label)}$")))


def names(table: Any) -> list[str]:
    return sorted(r.locator(".tcell").nth(1).inner_text() for r in rows(table).all())


def run_control(page: Any, control: str) -> None:
    """Click a control of the details panel, and confirm if it asks (the dialog opens within the click)."""
    page.locator(f"[data-test=details] button[data-control={control}]").click()
    asked = page.locator("[data-test=confirm]")
    if asked.count():
        asked.locator("[data-test=confirm-ok]").click()
        expect(asked).to_have_count(0)


def test_pods_controllers_and_services_views(page: Any, cluster: tuple[Scope, FakeApiServer]) -> None:
    scope, _ = cluster
    table = open_table(page, scope, "pods", "nginx-sts-0")
    # The Kubernetes views are offered now that they have nodes.
    views = page.locator("[data-test=views]")
    expect(views.locator("button[data-topology=pods]")).to_have_attribute("aria-pressed", "true")
    shown = names(table)
    assert {"nginx-sts-0", "nginx-sts-1", "coredns-698c77c5d7-7nnxw", "kube-proxy-qxfxq"} <= set(shown), shown
    # A pod's row shows its state, IP and namespace (the pods view has no metrics to fill the columns).
    expect(table.locator(".thead [data-col=kubernetes_state]")).to_have_text(re.compile("State"))
    nginx = row_of(table, "nginx-sts-0")
    expect(nginx).to_contain_text("Running")
    expect(nginx).to_contain_text(NGINX_0_IP)
    expect(nginx).to_contain_text("default")

    # Controllers: deployments, stateful sets and daemon sets, each with its kind.
    subviews = page.locator("[data-test=subviews]")
    subviews.locator("button[data-topology=kube-controllers]").click()
    expect(page).to_have_url(re.compile(r"#!/kube-controllers\?"))
    expect(row_of(table, "coredns")).to_contain_text("Deployment", timeout=WAIT)
    expect(row_of(table, "nginx-sts")).to_contain_text("StatefulSet")
    expect(row_of(table, "kube-proxy")).to_contain_text("DaemonSet")
    expect(row_of(table, "coredns")).to_contain_text("kube-system")

    # Services, with the pods they select.
    subviews.locator("button[data-topology=services]").click()
    expect(page).to_have_url(re.compile(r"#!/services\?"))
    expect(row_of(table, "kube-dns")).to_contain_text("2 pods", timeout=WAIT)
    expect(row_of(table, "nginx-sts-web")).to_contain_text("2 pods")
    expect(row_of(table, "nginx-sts-web")).to_contain_text("10.0.118.203")


def test_namespace_option_filters_the_views(page: Any, cluster: tuple[Scope, FakeApiServer]) -> None:
    scope, _ = cluster
    table = open_table(page, scope, "pods", "coredns-698c77c5d7-7nnxw")
    option = page.locator("[data-test=options] [data-option=namespace]")
    option.get_by_label("default", exact=True).check()
    expect(page).to_have_url(re.compile(r"o\.namespace=default"))
    expect(row_of(table, "coredns-698c77c5d7-7nnxw")).to_have_count(0, timeout=WAIT)
    expect(rows(table)).to_have_count(len(DEFAULT_PODS))
    assert names(table) == DEFAULT_PODS
    # The option holds in the other Kubernetes views: the controllers of default only.
    page.locator("[data-test=subviews] button[data-topology=kube-controllers]").click()
    expect(row_of(table, "nginx-sts")).to_be_visible(timeout=WAIT)
    expect(row_of(table, "coredns")).to_have_count(0)
    page.go_back()
    expect(page).to_have_url(re.compile(r"#!/pods\?"))
    # Several namespaces at once; then none chosen is every namespace again.
    page.locator("[data-test=options] [data-option=namespace]").get_by_label("kube-system", exact=True).check()
    expect(page).to_have_url(re.compile(r"o\.namespace=default%2Ckube-system|o\.namespace=kube-system%2Cdefault"))
    expect(row_of(table, "coredns-698c77c5d7-7nnxw")).to_be_visible(timeout=WAIT)
    option = page.locator("[data-test=options] [data-option=namespace]")
    option.get_by_label("default", exact=True).uncheck()
    option.get_by_label("kube-system", exact=True).uncheck()
    expect(row_of(table, "nginx-sts-0")).to_be_visible(timeout=WAIT)
    expect(row_of(table, "coredns-698c77c5d7-7nnxw")).to_be_visible()


def test_label_search_narrows_the_pods(page: Any, cluster: tuple[Scope, FakeApiServer]) -> None:
    scope, _ = cluster
    table = open_table(page, scope, "pods", "coredns-698c77c5d7-7nnxw")
    search = page.locator("[data-test=search]")
    search.fill("label:app=nginx-sts")
    expect(page.locator("[data-test=search-matches]")).to_have_text("2 match", timeout=WAIT)
    expect(rows(table)).to_have_count(2)
    assert names(table) == DEFAULT_PODS
    search.press("Enter")
    expect(page.locator("[data-test=pinned] .chip")).to_have_text(["label:app=nginx-sts"])
    expect(page).to_have_url(re.compile(r"pin=label%3Aapp%3Dnginx-sts"))
    page.wait_for_function("scope.visible.nodes.size === 2")
    # Another label of the fixtures: CoreDNS's two pods.
    page.locator("[data-test=pinned] .chip-x").click()
    search.fill("label:k8s-app=kube-dns")
    expect(row_of(table, "nginx-sts-0")).to_have_count(0, timeout=WAIT)
    expect(rows(table)).to_have_count(2)
    assert names(table) == ["coredns-698c77c5d7-7nnxw", "coredns-698c77c5d7-j2dq7"]
    expect(page.locator("[data-test=search-matches]")).to_have_text("2 match")


def test_pod_details_labels_parents_and_live_logs(page: Any, cluster: tuple[Scope, FakeApiServer]) -> None:
    scope, apiserver = cluster
    table = open_table(page, scope, "pods", "nginx-sts-0")
    row_of(table, "nginx-sts-0").click()
    details = page.locator("[data-test=details]")
    expect(details.locator("[data-test=details-title]")).to_have_text("nginx-sts-0")
    info = details.locator("[data-section=metadata]")
    for label, value in (("State", "Running"), ("IP", NGINX_0_IP), ("Namespace", "default"), ("Node", NODE)):
        expect(info.locator("tr", has=page.locator("th", has_text=re.compile(f"^{label}$")))).to_contain_text(value)
    pod_labels = details.locator("[data-table=kubernetes_labels_]")
    expect(pod_labels).to_contain_text("Kubernetes labels", ignore_case=True)
    expect(pod_labels.locator("tr", has=page.locator("th", has_text=re.compile("^app$")))).to_contain_text("nginx-sts")
    expect(pod_labels).to_contain_text("statefulset.kubernetes.io/pod-name")
    parents = details.locator("[data-section=parents]")
    expect(parents.locator("a.node-link[data-topology=kube-controllers]")).to_contain_text("nginx-sts")
    expect(parents.locator("a.node-link[data-topology=services]")).to_contain_text("nginx-sts-web")

    # Logs: the container's lines so far, then a line written afterwards arrives by itself.
    details.locator("button[data-control=kubernetes_get_logs]").click()
    logs = page.locator("[data-test=logs]")
    expect(logs.locator(".lline .msg").first).to_have_text("fake log line 1 of nginx in default/nginx-sts-0")
    expect(logs.locator(".lline .ts").first).to_have_text(re.compile(r"^2019-08-09T05:12:20"))
    wait_until(lambda: apiserver.open_log_follows() >= 1, 15, "the probe following the pod's log")
    apiserver.append_log("default", "nginx-sts-0", "nginx", "GET /healthz 200 appended by the test")
    expect(logs.locator(".lline .msg", has_text="appended by the test")).to_be_visible(timeout=WAIT)
    expect(logs.locator(".term-state")).to_have_text("streaming")
    page.locator("[data-test=dock-tab] .tab-close").click()
    expect(page.locator("[data-test=dock]")).to_be_hidden()

    # A parent link leads to the stateful set in the controllers view.
    parents.locator("a.node-link[data-topology=kube-controllers]").click()
    expect(page).to_have_url(re.compile(r"#!/kube-controllers\?.*node="))
    expect(details.locator("[data-test=details-title]")).to_have_text("nginx-sts")
    expect(details.locator("[data-section=metadata]")).to_contain_text("StatefulSet")


def test_watch_events_show_up_live(page: Any, cluster: tuple[Scope, FakeApiServer]) -> None:
    scope, apiserver = cluster
    table = open_table(page, scope, "pods", "nginx-sts-1")
    old = row_of(table, "nginx-sts-1").get_attribute("data-id")
    assert old and old.endswith(";<pod>")
    page.evaluate("window.notReloaded = true")

    # The captured stream: the stateful set's pod deleted and made again (a new UID, so a new node).
    apiserver.replay_watch_fixture("watch-pods.jsonl")
    page.wait_for_function("""old => !scope.nodes.nodes.has(old) &&
        [...scope.nodes.nodes.values()].some(n => n.label === 'nginx-sts-1')""", arg=old, timeout=WAIT)
    expect(row_of(table, "nginx-sts-1")).to_have_count(1)
    assert row_of(table, "nginx-sts-1").get_attribute("data-id") != old

    # A pod deleted in the cluster leaves the view.
    expect(row_of(table, "tunnelfront-6869944cf6-j2zsk")).to_be_visible()
    apiserver.delete("pods", "kube-system", "tunnelfront-6869944cf6-j2zsk")
    expect(row_of(table, "tunnelfront-6869944cf6-j2zsk")).to_have_count(0, timeout=WAIT)
    # A pod created in the cluster appears.
    pod = apiserver.get("pods", "default", "nginx-sts-0")
    assert pod is not None
    pod["metadata"] = {**{k: pod["metadata"][k] for k in ("namespace", "labels", "ownerReferences")},
                       "name": "nginx-sts-2"}
    pod["status"]["podIP"] = "10.244.0.72"
    apiserver.add("pods", pod)
    try:
        expect(row_of(table, "nginx-sts-2")).to_contain_text("10.244.0.72", timeout=WAIT)
    finally:
        apiserver.delete("pods", "default", "nginx-sts-2")
    expect(row_of(table, "nginx-sts-2")).to_have_count(0, timeout=WAIT)
    assert page.evaluate("window.notReloaded") is True


def test_scale_up_and_down_a_deployment(page: Any, cluster: tuple[Scope, FakeApiServer]) -> None:
    scope, apiserver = cluster

    def replicas() -> int:
        dep = apiserver.get(*COREDNS)
        assert dep is not None
        return int(dep["spec"]["replicas"])

    before = replicas()
    table = open_table(page, scope, "kube-controllers", "coredns")
    row_of(table, "coredns").click()
    details = page.locator("[data-test=details]")
    expect(details.locator("[data-test=details-title]")).to_have_text("coredns")
    desired = details.locator("[data-section=metadata] tr", has=page.locator("th", has_text="Desired replicas"))
    expect(desired.locator("td")).to_have_text(str(before))

    run_control(page, "kubernetes_scale_up")
    expect(details.locator("[data-test=control-result]")).to_have_text("Scale up: done")
    wait_until(lambda: replicas() == before + 1, 15, "spec.replicas one more in the API server")
    # The watch event comes back through the probe and the websocket: the details follow, as does the table.
    expect(desired.locator("td")).to_have_text(str(before + 1), timeout=WAIT)
    page.wait_for_function("""n => [...scope.nodes.nodes.values()].some(x => x.label === 'coredns' &&
        (x.metadata || []).some(m => m.id === 'kubernetes_desired_replicas' && m.value === String(n)))""",
                           arg=before + 1, timeout=WAIT)

    # Scaling down loses availability: it asks first, and Cancel changes nothing.
    details.locator("button[data-control=kubernetes_scale_down]").click()
    dialog = page.locator("[data-test=confirm]")
    expect(dialog).to_contain_text("coredns")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert replicas() == before + 1
    run_control(page, "kubernetes_scale_down")
    expect(details.locator("[data-test=control-result]")).to_have_text("Scale down: done")
    wait_until(lambda: replicas() == before, 15, "spec.replicas back in the API server")
    expect(desired.locator("td")).to_have_text(str(before), timeout=WAIT)


def test_describe_shows_the_yaml_in_a_text_viewer(page: Any, cluster: tuple[Scope, FakeApiServer]) -> None:
    scope, _ = cluster
    table = open_table(page, scope, "pods", "nginx-sts-0")
    row_of(table, "nginx-sts-0").click()
    details = page.locator("[data-test=details]")
    expect(details.locator("[data-test=details-title]")).to_have_text("nginx-sts-0")
    details.locator("button[data-control=kubernetes_describe]").click()
    expect(details.locator("[data-test=control-result]")).to_have_text("Describe: opened")
    viewer = page.locator("[data-test=text-viewer]")
    expect(viewer).to_be_visible()
    expect(page.locator("[data-test=terminal]")).to_have_count(0)  # a document, not a shell
    expect(page.locator("[data-test=dock-tab]")).to_have_text("nginx-sts-0 describe")
    # Read from the top: the object's kind (when the probe has it: an object from a watch event has, one from a
    # list has not) and its metadata first.
    lines = viewer.locator(".lline:not([hidden]) .msg")
    expect(lines.first).to_have_text(re.compile(r"^(kind: Pod|apiVersion: v1|metadata:)$"))
    expect(viewer.locator(".lline:not([hidden])", has_text=re.compile(r"^metadata:$"))).to_have_count(1)
    expect(viewer.locator(".lline:not([hidden])", has_text=re.compile(r"^\s*name: nginx-sts-0$"))).to_have_count(1)
    expect(viewer.locator(".term-state")).to_have_text(re.compile(r"^\d{2,} lines$"))
    # Search finds a line far down (the status), which only exists in the DOM once it is in sight.
    viewer.locator("[data-test=logs-search]").fill("podIP:")
    expect(lines).to_have_count(1)
    expect(lines.first).to_have_text(f"  podIP: {NGINX_0_IP}")
    # The whole document downloads as YAML.
    with page.expect_download() as dl:
        viewer.locator("[data-test=logs-download]").click()
    assert dl.value.suggested_filename.endswith(".yaml")
    text = Path(dl.value.path()).read_text()
    assert "  name: nginx-sts-0\n" in text and "  uid: 614908ed-415b-4506-8370-e3e36fa8cc13\n" in text
    assert "\r" not in text
    page.locator("[data-test=dock-tab] .tab-close").click()
    expect(page.locator("[data-test=dock]")).to_be_hidden()

    # A controller's describe works the same.
    page.locator("[data-test=subviews] button[data-topology=kube-controllers]").click()
    expect(row_of(table, "coredns")).to_be_visible(timeout=WAIT)
    row_of(table, "coredns").click()
    expect(details.locator("[data-test=details-title]")).to_have_text("coredns")
    details.locator("button[data-control=kubernetes_describe]").click()
    expect(viewer.locator(".lline:not([hidden])", has_text=re.compile(r"^  name: coredns$"))).to_have_count(1)
    viewer.locator("[data-test=logs-search]").fill("^  replicas:")
    expect(viewer.locator(".lline:not([hidden]) .msg").first).to_have_text("  replicas: 2")  # spec, then status

"""The probe's Kubernetes reporter against the fake API server serving real objects, through the official client:
what it reports, how it relates objects, how it follows watches (relists, bookmarks, roles), and its controls."""

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_apiserver import FakeApiServer

from scopecore import render
from scopecore.report import Report, TopologyKind, ids
from scopeprobe.controls import Controls, Pipes
from scopeprobe.kubernetes import NoApiServer, Role, api_client
from scopeprobe.kubernetes.controls import KubernetesControls
from scopeprobe.kubernetes.reporter import KubernetesReporter

NODE = "aks-nodepool1-28869405-vmss000000"
HOSTNAME = "aks-host"
K = TopologyKind


def _items(fixtures: Path, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((fixtures / f"{name}.json").read_text())["items"]
    return items


@pytest.fixture
def make_reporter(kubeconfig: Path) -> Iterator[Any]:
    reporters: list[KubernetesReporter] = []

    def make(role: Role = Role.ALL, node_name: str = NODE, shortcuts: list[Report] | None = None,
             config: Path = kubeconfig) -> KubernetesReporter:
        api, _ = api_client(str(config))
        r = KubernetesReporter(api, role=role, node_name=node_name, hostname=HOSTNAME, probe_id="probe-k8s",
                               on_shortcut=None if shortcuts is None else shortcuts.append)
        reporters.append(r)
        r.start()
        return r

    yield make
    for r in reporters:
        r.stop()


def _labels(report: Report, view: str) -> dict[str, dict[str, Any]]:
    nodes = render.render(report, view, {}).to_json()["nodes"]
    return {n["label"]: n for n in nodes.values()}


def test_every_object_is_reported_in_scopes_shapes(make_reporter: Any, k8s_fixtures: Path) -> None:
    r = make_reporter()
    assert r.wait_synced(10)
    report = r.report(time.time_ns())
    for kind, name in ((K.POD, "pods"), (K.SERVICE, "services"), (K.DEPLOYMENT, "deployments"),
                       (K.REPLICA_SET, "replicasets"), (K.DAEMON_SET, "daemonsets"), (K.STATEFUL_SET, "statefulsets"),
                       (K.JOB, "jobs"), (K.CRON_JOB, "cronjobs"), (K.NAMESPACE, "namespaces"),
                       (K.PERSISTENT_VOLUME, "persistentvolumes"),
                       (K.PERSISTENT_VOLUME_CLAIM, "persistentvolumeclaims")):
        expected = {i["metadata"]["name"] for i in _items(k8s_fixtures, name)}
        got = {n.latest.get("kubernetes_name") for n in report.nodes(kind).values()}
        assert got == expected, kind
    pod = next(i for i in _items(k8s_fixtures, "pods") if i["metadata"]["name"] == "nginx-sts-0")
    node = report.nodes(K.POD)[f"{pod['metadata']['uid']};<pod>"]
    assert node.latest.get("kubernetes_ip") == pod["status"]["podIP"]
    assert node.latest.get("kubernetes_state") == pod["status"]["phase"]
    assert node.latest.get("kubernetes_namespace") == "default"
    assert node.latest.get("kubernetes_volume_claim") == "www-nginx-sts-0"
    for key, value in pod["metadata"]["labels"].items():
        assert node.latest.get(f"kubernetes_labels_{key}") == value
    assert set(ids.split_list(node.latest.get("active_controls") or "")) == {
        "kubernetes_get_logs", "kubernetes_delete_pod", "kubernetes_describe"}
    kube_proxy = next(n for n in report.nodes(K.POD).values() if n.latest.get("kubernetes_name") == "kube-proxy-qxfxq")
    assert kube_proxy.latest.get("kubernetes_is_in_host_network") == "true"
    host = report.nodes(K.HOST)[ids.host(HOSTNAME)]  # this probe's node is reported as its host
    assert host.latest.get("kubernetes_nodeinfo_capacity cpu") == "2"
    assert host.latest.get("kubernetes_nodeinfo_InternalIP") == "10.240.0.4"
    assert host.latest.get("active_controls") == "kubernetes_cordon_node"
    assert report.topology(K.POD).shape == "heptagon" and report.topology(K.STATEFUL_SET).shape == "octagon"


def test_relationships_come_from_owners_and_selectors(make_reporter: Any, k8s_fixtures: Path) -> None:
    r = make_reporter()
    assert r.wait_synced(10)
    report = r.report(time.time_ns())
    deployments = {i["metadata"]["uid"]: i["metadata"]["name"] for i in _items(k8s_fixtures, "deployments")}
    rs_owner = {i["metadata"]["uid"]: deployments[i["metadata"]["ownerReferences"][0]["uid"]]
                for i in _items(k8s_fixtures, "replicasets") if i["metadata"].get("ownerReferences")}
    for pod in _items(k8s_fixtures, "pods"):
        node = report.nodes(K.POD)[f"{pod['metadata']['uid']};<pod>"]
        owner = (pod["metadata"].get("ownerReferences") or [{}])[0]
        if owner.get("kind") == "ReplicaSet":  # pod -> replica set -> deployment
            (dep,) = node.parents.get("deployment")
            assert report.nodes(K.DEPLOYMENT)[dep].latest.get("kubernetes_name") == rs_owner[owner["uid"]]
        elif owner.get("kind") in ("DaemonSet", "StatefulSet"):
            topology = {"DaemonSet": K.DAEMON_SET, "StatefulSet": K.STATEFUL_SET}[owner["kind"]].value
            assert node.parents.get(topology) == {f"{owner['uid']};<{owner['kind'].lower()}>"}
        assert node.parents.get("host") == {ids.host(HOSTNAME)}
    # kube-dns selects k8s-app=kube-dns: the two coredns pods; nginx-sts-web (NodePort) the two nginx-sts pods.
    svc = {n.latest.get("kubernetes_name"): n for n in report.nodes(K.SERVICE).values()}
    selected = {name: {p.latest.get("kubernetes_name") for p in report.nodes(K.POD).values()
                       if s.id in p.parents.get("service")} for name, s in svc.items()}
    assert selected["kube-dns"] == {"coredns-698c77c5d7-7nnxw", "coredns-698c77c5d7-j2dq7"}
    assert selected["nginx-sts-web"] == {"nginx-sts-0", "nginx-sts-1"}
    assert selected["kubernetes"] == set()  # no selector: no pods
    assert svc["kube-dns"].latest.get("kubernetes_ip") == "10.0.0.10"
    # Each cluster IP's in-cluster name, by which the views attribute connections to it to the service.
    assert report.dns["10.0.0.10"].forward == {"kube-dns.kube-system.svc"}
    assert {ip for ip, rec in report.dns.items()} == {
        i["spec"]["clusterIP"] for i in _items(k8s_fixtures, "services") if i["spec"].get("clusterIP") != "None"}
    assert svc["kube-dns"].sets.get("kubernetes_endpoints") == {"10.244.0.10:53", "10.244.0.7:53"}
    assert svc["nginx-sts-web"].latest.get("kubernetes_type") == "NodePort"
    (cron,) = report.nodes(K.JOB)[_id(r, K.JOB, "hello-world-cron-28206263")].parents.get(K.CRON_JOB.value)
    assert report.nodes(K.CRON_JOB)[cron].latest.get("kubernetes_name") == "hello-world-cron"


def test_the_views_show_them(make_reporter: Any, k8s_fixtures: Path) -> None:
    r = make_reporter()
    assert r.wait_synced(10)
    report = r.report(time.time_ns())
    pods = _labels(report, "pods")
    assert set(pods) == {i["metadata"]["name"] for i in _items(k8s_fixtures, "pods")}
    for item in _items(k8s_fixtures, "pods"):  # no Docker here: the pod's spec says how many containers
        n = len(item["spec"]["containers"])
        assert pods[item["metadata"]["name"]]["labelMinor"] == f"{n} container{'s' * (n != 1)}"
    controllers = _labels(report, "kube-controllers")
    assert {"coredns", "kube-proxy", "nginx-sts", "hello-world-cron", "pi"} <= set(controllers)
    assert set(_labels(report, "namespaces")) == {"default", "kube-system"}
    # Labels are searchable metadata: the search syntax's label: term finds pods by label.
    by_id = render.render(report, "pods", {}).to_json()["nodes"]
    hits = render.filter_summaries(by_id, ["label:k8s-app=kube-dns"])
    assert {by_id[h]["label"] for h in hits} == {"coredns-698c77c5d7-7nnxw", "coredns-698c77c5d7-j2dq7"}
    # Namespace filtering is a topology option of the Kubernetes views.
    only_default = render.render(report, "pods", {"namespace": "default"}).to_json()["nodes"]
    assert {n["label"] for n in only_default.values()} == {"nginx-sts-0", "nginx-sts-1"}


def test_watch_events_change_the_report_and_publish_shortcuts(make_reporter: Any, apiserver: FakeApiServer) -> None:
    shortcuts: list[Report] = []
    r = make_reporter(shortcuts=shortcuts)
    assert r.wait_synced(10)
    old = {n.latest.get("kubernetes_name"): n.id for n in r.report(time.time_ns()).nodes(K.POD).values()}
    shortcuts.clear()
    apiserver.replay_watch_fixture("watch-pods.jsonl")  # nginx-sts-0 modified, nginx-sts-1 deleted and recreated
    apiserver.wait_for(lambda: any(
        n.latest.get("kubernetes_name") == "nginx-sts-1" and n.id != old["nginx-sts-1"]
        for n in r.report(time.time_ns()).nodes(K.POD).values()))
    apiserver.wait_for(lambda: bool(shortcuts))
    assert all(s.shortcut for s in shortcuts)
    pods = _labels(r.report(time.time_ns()), "pods")
    assert pods["nginx-sts-1"]["id"] != old["nginx-sts-1"]
    # A pod deleted from now on is published as Scope does: state "deleted", which the views drop.
    shortcuts.clear()
    apiserver.delete("pods", "default", "nginx-sts-0")
    apiserver.wait_for(lambda: "nginx-sts-0" not in _labels(Report.merge_all([r.report(time.time_ns()), *shortcuts]),
                                                              "pods"))


def test_an_expired_version_relists_and_misses_nothing(make_reporter: Any, make_apiserver: Any,
                                                       tmp_path: Path) -> None:
    server = make_apiserver(bookmark_interval=None)  # no bookmark may refresh the pods watch's version
    r = make_reporter(config=server.write_kubeconfig(tmp_path / "kubeconfig"))
    assert r.wait_synced(10)
    pods = r.informers["pods"]
    assert pods.lists == 1
    server.add("services", {"metadata": {"name": "unrelated", "namespace": "default"}, "spec": {}})
    server.compact()  # the pods watch's version is now older than the server's history
    server.close_watches()
    server.delete("pods", "kube-system", "tunnelfront-6869944cf6-j2zsk")  # while the watch reconnects
    server.wait_for(lambda: pods.lists >= 2)
    server.wait_for(lambda: "tunnelfront-6869944cf6-j2zsk" not in _labels(r.report(time.time_ns()), "pods"))
    assert pods.error == ""


def test_bookmarks_keep_the_resume_version_fresh(make_reporter: Any, apiserver: FakeApiServer) -> None:
    r = make_reporter()
    assert r.wait_synced(10)
    version = apiserver.bookmark(advance=True)
    time.sleep(0.3)
    apiserver.close_watches()
    apiserver.wait_for(lambda: any(q.path == "/api/v1/pods" and q.query.get("watch") == "true"
                                   and q.query.get("resourceVersion") == str(version) for q in apiserver.requests))
    assert r.informers["pods"].lists == 1  # resumed from the bookmark, not listed again


def test_a_host_probe_watches_only_its_node(make_reporter: Any, apiserver: FakeApiServer) -> None:
    other = json.loads(json.dumps(apiserver.get("pods", "default", "nginx-sts-1")))
    other["metadata"].update(name="elsewhere", uid="uid-elsewhere")
    other["spec"]["nodeName"] = "another-node"
    other["status"]["podIP"] = "10.244.1.9"
    apiserver.add("pods", other)
    r = make_reporter(role=Role.HOST)
    assert r.wait_synced(10)
    report = r.report(time.time_ns())
    names = {n.latest.get("kubernetes_name") for n in report.nodes(K.POD).values()}
    assert "elsewhere" not in names and "nginx-sts-0" in names
    assert not report.nodes(K.DEPLOYMENT) and not report.nodes(K.SERVICE)
    paths = {q.path for q in apiserver.requests}
    assert paths == {"/api/v1/pods", "/api/v1/nodes"}, paths
    selectors = {q.query.get("fieldSelector") for q in apiserver.requests}
    assert selectors == {f"spec.nodeName={NODE}", f"metadata.name={NODE}"}
    # The host probe owns its pods' controls; a cluster probe does not claim pods on other nodes.
    assert all(n.latest.get("control_probe_id") == "probe-k8s" for n in report.nodes(K.POD).values())
    cluster = make_reporter(role=Role.CLUSTER, node_name="the-cluster-probe")
    assert cluster.wait_synced(10)
    creport = cluster.report(time.time_ns())
    assert "elsewhere" in {n.latest.get("kubernetes_name") for n in creport.nodes(K.POD).values()}
    assert not any(n.latest.get("control_probe_id") for n in creport.nodes(K.POD).values())
    assert all(n.latest.get("control_probe_id") for n in creport.nodes(K.DEPLOYMENT).values())


def test_no_configuration_or_a_refused_token_are_said(tmp_path: Path, apiserver: FakeApiServer,
                                                      make_reporter: Any) -> None:
    with pytest.raises(NoApiServer, match="no Kubernetes API server configured"):
        api_client(None, env={"HOME": str(tmp_path)})
    bad = apiserver.write_kubeconfig(tmp_path / "bad", token="wrong")
    r = make_reporter(config=bad)
    apiserver.wait_for(lambda: "pods" in r.errors)
    assert "401" in r.errors["pods"] or "Unauthorized" in r.errors["pods"]


# --- controls ---------------------------------------------------------------------------------------------------

class _Pipes(Pipes):
    def __init__(self) -> None:
        self.sent: dict[str, list[bytes | None]] = {}
        super().__init__(lambda pid, data: self.sent.setdefault(pid, []).append(data))


@pytest.fixture
async def controls(make_reporter: Any) -> tuple[KubernetesReporter, Controls, _Pipes]:
    r = make_reporter()
    assert await asyncio.to_thread(r.wait_synced, 10)
    c = Controls()
    KubernetesControls(r).register(c)
    return r, c, _Pipes()


def _id(r: KubernetesReporter, kind: TopologyKind, name: str) -> str:
    return next(n.id for n in r.report(time.time_ns()).nodes(kind).values() if n.latest.get("kubernetes_name") == name)


async def test_delete_pod_and_scale(controls: Any, apiserver: FakeApiServer) -> None:
    r, c, pipes = controls
    pod = _id(r, K.POD, "tunnelfront-6869944cf6-j2zsk")
    assert await c.handle(pod, "kubernetes_delete_pod", {}, pipes) == {"removedNode": pod}
    assert apiserver.get("pods", "kube-system", "tunnelfront-6869944cf6-j2zsk") is None
    dep = _id(r, K.DEPLOYMENT, "coredns")
    before = apiserver.get("deployments", "kube-system", "coredns")["spec"]["replicas"]
    assert await c.handle(dep, "kubernetes_scale_up", {}, pipes) == {}
    assert apiserver.get("deployments", "kube-system", "coredns")["spec"]["replicas"] == before + 1
    sts = _id(r, K.STATEFUL_SET, "nginx-sts")
    before = apiserver.get("statefulsets", "default", "nginx-sts")["spec"]["replicas"]
    assert await c.handle(sts, "kubernetes_scale_down", {}, pipes) == {}
    assert apiserver.get("statefulsets", "default", "nginx-sts")["spec"]["replicas"] == before - 1
    # The watch brings the change back into the report.
    await asyncio.to_thread(apiserver.wait_for, lambda: r.report(time.time_ns()).nodes(K.STATEFUL_SET)[sts].latest.get(
        "kubernetes_desired_replicas") == str(before - 1))
    err = await c.handle("nope;<pod>", "kubernetes_delete_pod", {}, pipes)
    assert "no pod" in err["error"]


async def test_cordon_and_uncordon_this_node(controls: Any, apiserver: FakeApiServer) -> None:
    r, c, pipes = controls
    host = ids.host(HOSTNAME)
    assert await c.handle(host, "kubernetes_cordon_node", {}, pipes) == {}
    assert apiserver.get("nodes", "", NODE)["spec"]["unschedulable"] is True
    await asyncio.to_thread(apiserver.wait_for, lambda: r.report(time.time_ns()).nodes(K.HOST)[host].latest.get(
        "active_controls") == "kubernetes_uncordon_node")
    assert await c.handle(host, "kubernetes_uncordon_node", {}, pipes) == {}
    assert not apiserver.get("nodes", "", NODE)["spec"].get("unschedulable")


async def test_logs_stream_live_and_describe_is_yaml(controls: Any, apiserver: FakeApiServer) -> None:
    r, c, pipes = controls
    pod = _id(r, K.POD, "nginx-sts-0")
    reply = await c.handle(pod, "kubernetes_get_logs", {}, pipes)
    pipe = reply["pipe"]
    await asyncio.to_thread(apiserver.wait_for, lambda: apiserver.open_log_follows() == 1)
    apiserver.append_log("default", "nginx-sts-0", "nginx", "GET /healthz 200")

    async def has_line() -> bool:
        return b"GET /healthz 200" in b"".join(x for x in pipes.sent.get(pipe, []) if x)

    for _ in range(200):
        if await has_line():
            break
        await asyncio.sleep(0.02)
    assert await has_line()
    await pipes.from_app(pipe, None)  # the browser closed it: the stream to the API server ends
    await asyncio.to_thread(apiserver.wait_for, lambda: apiserver.open_log_follows() == 0)
    dep = _id(r, K.DEPLOYMENT, "metrics-server")
    reply = await c.handle(dep, "kubernetes_describe", {}, pipes)
    text = b"".join(x for x in pipes.sent[reply["pipe"]] if x).decode()
    assert "name: metrics-server" in text and "namespace: kube-system" in text
    assert text.startswith("apiVersion: apps/v1\r\nkind: Deployment\r\n")

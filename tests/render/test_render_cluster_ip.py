"""Connections to a Kubernetes ClusterIP: attributed to the service by its in-cluster DNS name (which our probe
records for each cluster IP), in every view, instead of being dropped as "local" (Scope's /32 hack)."""

import pytest
from render_world import CLIENT_CONTAINER, CLIENT_HOST, CLIENT_IP, SERVICE, _report, client_report, node, server_report

from scopecore import render
from scopecore.report import DNSRecord, Report, TopologyKind, ids

pytestmark = pytest.mark.unit
CLUSTER_IP = "10.96.0.10"  # web-svc's, in render_world
SVC_EP = ids.endpoint("", CLUSTER_IP, 80)
PSEUDO = ids.service("web-svc.shop.svc")
CLIENT_POD, CLIENT_SVC = ids.tagged(ids.POD, "client-pod"), ids.tagged(ids.SERVICE, "client-svc")


def parts(with_names: bool = True) -> dict[str, Report]:
    """The client host's probe saw curl connect to the cluster IP; the cluster probe knows the services."""
    eps = _report({TopologyKind.ENDPOINT: [
        node(ids.endpoint("", CLIENT_IP, 41999), "endpoint", {"pid": "10001", "host_node_id": CLIENT_HOST},
             adjacency=(SVC_EP,)),
        node(SVC_EP, "endpoint")]}, {})
    cluster = _report({
        TopologyKind.CONTAINER: [node(CLIENT_CONTAINER, "container", parents={"pod": [CLIENT_POD]})],
        TopologyKind.POD: [node(CLIENT_POD, "pod", {
            "kubernetes_name": "client-1", "kubernetes_namespace": "shop", "kubernetes_state": "Running",
            "kubernetes_ip": "10.32.0.9"}, parents={"service": [CLIENT_SVC]})],
        TopologyKind.SERVICE: [node(CLIENT_SVC, "service", {
            "kubernetes_name": "client-svc", "kubernetes_namespace": "shop", "kubernetes_ip": "10.96.0.11"})],
    }, {})
    if with_names:
        cluster = cluster.merge(Report(dns={CLUSTER_IP: DNSRecord(forward=frozenset({"web-svc.shop.svc"}))}))
    return {"client": client_report().merge(eps), "server": server_report(), "cluster": cluster}


def adjacency(view: str, reports: dict[str, Report]) -> dict[str, set[str]]:
    nodes = render.render(Report.merge_all(reports.values()), view, {}).to_json()["nodes"]
    return {k: set(n.get("adjacency") or ()) for k, n in nodes.items()}


@pytest.mark.parametrize(("view", "source"), [("processes", ids.process("client.example.com", 10001)),
                                              ("containers", CLIENT_CONTAINER), ("pods", CLIENT_POD),
                                              ("hosts", CLIENT_HOST)])
def test_a_cluster_ip_connection_goes_to_its_service(view: str, source: str) -> None:
    edges = adjacency(view, parts())
    assert PSEUDO in edges[source]
    summary = render.render(Report.merge_all(parts().values()), view, {}).summary(PSEUDO)
    assert summary is not None and summary["label"] == "web-svc.shop.svc" and summary["pseudo"] is True
    # Without the names, the edge is dropped as before: the cluster IP is in the local service network.
    assert PSEUDO not in adjacency(view, parts(with_names=False))[source]


def test_in_the_services_view_the_edge_lands_on_the_service_itself() -> None:
    reports = parts()
    edges = adjacency("services", reports)
    assert PSEUDO not in edges
    assert SERVICE in edges[CLIENT_SVC]
    # The incremental renderer the app uses agrees with the full render.
    inc = render.IncrementalRenderer("services").update(reports).to_json()["nodes"]
    assert {k: set(n.get("adjacency") or ()) for k, n in inc.items()} == edges


def test_only_in_cluster_names_count() -> None:
    from scopecore.render.pseudo import is_known_service

    assert is_known_service("kube-dns.kube-system.svc") and is_known_service("web.shop.svc.cluster.local")
    assert not is_known_service("svc") and not is_known_service("example.com") and not is_known_service("a.svc")

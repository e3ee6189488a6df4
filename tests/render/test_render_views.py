"""Every view on the two-host world: nodes, edges, pseudo nodes, labels and options."""

import pytest
from render_world import (
    APACHE,
    BASH,
    CLIENT_CONTAINER,
    CLIENT_HOST,
    CURL,
    DEPLOYMENT,
    POD,
    SERVER_CONTAINER,
    SERVER_HOST,
    SERVICE,
    SLEEP,
    T0,
    world,
)

from scopecore.render import TOPOLOGIES, UnknownTopology, render, topology_list
from scopecore.report import LatestMap, Node, Report, TopologyKind, ids

pytestmark = pytest.mark.unit
IN, OUT = ids.INCOMING_INTERNET, ids.OUTGOING_INTERNET


def edges(view: str, options: dict[str, str] | None = None, report: Report | None = None) -> dict[str, set[str]]:
    r = render(report or world(), view, options or {})
    return {k: set(n.adjacency) for k, n in r.nodes.items()}


def test_processes_join_endpoints_across_hosts_and_to_the_internet() -> None:
    got = edges("processes", {"unconnected": "show"})
    assert got[CURL] == {APACHE}
    assert got[BASH] == {OUT}
    assert got[IN] == {APACHE}
    assert got[SLEEP] == set()
    assert OUT in got


def test_processes_hide_unconnected_by_default() -> None:
    got = edges("processes")
    assert SLEEP not in got
    assert set(got) == {CURL, BASH, APACHE, IN, OUT}


def test_processes_by_name_groups_processes() -> None:
    r = render(world(), "processes-by-name", {"unconnected": "show"})
    assert set(r.nodes["curl"].adjacency) == {"apache"}
    s = r.summary("apache")
    assert s is not None
    assert (s["label"], s["labelMinor"], s["shape"], s["stack"]) == ("apache", "1 process", "square", True)


def test_containers_map_processes_and_hide_uncontained() -> None:
    shown = render(world(), "containers", {"pseudo": "show"})
    uncontained = ids.pseudo(ids.UNCONTAINED, "client.example.com")
    assert set(shown.nodes[uncontained].adjacency) == {OUT}
    assert set(shown.nodes[CLIENT_CONTAINER].adjacency) == {SERVER_CONTAINER}
    hidden = render(world(), "containers")
    assert uncontained not in hidden.nodes
    assert OUT not in hidden.nodes  # its only edge came from the hidden uncontained node


def test_container_summary_takes_its_image_name() -> None:
    s = render(world(), "containers").summary(CLIENT_CONTAINER)
    assert s is not None
    assert (s["label"], s["labelMinor"], s["rank"]) == ("client", "client.example.com", "weaveworks/curl")
    assert list(s["parents"]) == [
        {"id": "weaveworks/curl;<container_image>", "label": "weaveworks/curl", "topologyId": "containers-by-image"},
        {"id": CLIENT_HOST, "label": "client", "topologyId": "hosts"},
    ]
    assert list(s["tables"]) == [{"id": "docker_label_", "label": "Docker labels", "type": "property-list",
                            "columns": None, "rows": [{"id": "label_app",
                                                       "entries": {"label": "app", "value": "client"}}]}]


def test_stopped_and_system_options() -> None:
    exited = Node(CLIENT_CONTAINER, "container", latest=LatestMap.of({"docker_container_state": "exited"}, T0 + 1))
    stopped = world().with_node(TopologyKind.CONTAINER, exited)
    assert CLIENT_CONTAINER not in render(stopped, "containers", {"stopped": "running"}).nodes
    assert set(render(stopped, "containers", {"stopped": "stopped"}).nodes) == {CLIENT_CONTAINER}
    both = render(stopped, "containers", {"stopped": "both"})
    assert {CLIENT_CONTAINER, SERVER_CONTAINER} <= set(both.nodes)
    assert both.filtered == 2  # uncontained (hidden by default), then the Internet node only it pointed at
    assert render(world(), "containers", {"system": "system"}).nodes.keys() <= {IN, OUT}
    assert render(world(), "containers", {"system": "bogus"}).nodes.keys() == render(world(), "containers",
                                                                                    {"system": "all"}).nodes.keys()


def test_images_and_hostnames() -> None:
    images = edges("containers-by-image")
    assert images["weaveworks/curl;<container_image>"] == {"weaveworks/apache;<container_image>"}
    s = render(world(), "containers-by-image").summary("weaveworks/curl;<container_image>")
    assert s is not None and s["labelMinor"] == "1 container"
    assert list(s["metadata"]) == [{"id": "container", "label": "# Containers", "value": "1", "priority": 2.0,
                              "dataType": "number"}]
    assert edges("containers-by-hostname")["client"] == {"server"}


def test_hosts_join_everything_to_hosts() -> None:
    got = edges("hosts")
    assert got[CLIENT_HOST] == {SERVER_HOST, OUT}
    assert got[IN] == {SERVER_HOST}
    s = render(world(), "hosts").summary(CLIENT_HOST)
    assert s is not None and (s["label"], s["labelMinor"], s["rank"]) == ("client", "example.com", "example.com")
    children = render(world(), "hosts").nodes[CLIENT_HOST].children
    assert {CURL, BASH, CLIENT_CONTAINER}.issubset(children)


def test_kubernetes_views() -> None:
    w = world()
    pods = render(w, "pods")
    assert POD in pods.nodes and set(pods.nodes[IN].adjacency) == {POD}
    s = pods.summary(POD)
    assert s is not None and (s["label"], s["labelMinor"], s["rank"]) == ("web-1", "1 container", "shop/web-1")
    controllers = render(w, "kube-controllers")
    s = controllers.summary(DEPLOYMENT)
    assert s is not None and s["labelMinor"] == "Deployment of 1 pod" and s["stack"] is True
    services = render(w, "services")
    s = services.summary(SERVICE)
    assert s is not None and (s["label"], s["labelMinor"]) == ("web-svc", "1 pod")
    unmanaged = ids.pseudo(ids.UNMANAGED, "client.example.com")
    shown = render(w, "pods", {"pseudo": "show"})
    # curl's container has no pod, and bash (uncontained) has none either: both are unmanaged there.
    assert set(shown.nodes[unmanaged].adjacency) == {POD, OUT}
    s = shown.summary(unmanaged)
    assert s is not None and (s["label"], s["labelMinor"], s["shape"]) == ("Unmanaged", "client.example.com", "square")
    assert unmanaged not in pods.nodes
    namespaces = render(w, "namespaces")
    s = namespaces.summary("shop")
    assert s is not None and (s["label"], s["labelMinor"], s["shape"]) == ("shop", "1 pod", "heptagon")


def test_namespace_option_appears_with_kubernetes_namespaces() -> None:
    groups = {t["url"]: [g["id"] for g in t["options"] or []] for t in topology_list(world())}
    assert "namespace" in groups["/api/topology/containers"]
    containers = render(world(), "containers", {"namespace": "shop"})
    assert SERVER_CONTAINER in containers.nodes and CLIENT_CONTAINER not in containers.nodes
    assert CLIENT_CONTAINER in render(world(), "containers", {"namespace": ""}).nodes


def test_unknown_topology() -> None:
    with pytest.raises(UnknownTopology) as e:
        render(world(), "nope")
    assert "nope" in str(e.value)
    assert isinstance(e.value, KeyError)


def test_empty_report_renders_every_view_empty() -> None:
    for t in TOPOLOGIES:
        r = render(Report(), t.id)
        assert r.to_json() == {"nodes": {}}
        assert r.stats() == {"node_count": 0, "nonpseudo_node_count": 0, "edge_count": 0, "filtered_nodes": 0}


def test_scope_quirk_applies_no_option_without_a_query() -> None:
    assert SLEEP in render(world(), "processes", {}, defaults="scope").nodes
    assert SLEEP not in render(world(), "processes", {"t": "1s"}, defaults="scope").nodes
    assert SLEEP not in render(world(), "processes", {}).nodes

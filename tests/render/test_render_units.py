"""Combinators, memoisation, pseudo-node rules, render-time IDs, details and deltas."""

import pytest
from render_world import APACHE, CLIENT_CONTAINER, CLIENT_HOST, CURL, T0, node, world

from scopecore.render import LRUCache, RenderContext, apply, details, diff, render
from scopecore.render.base import make_node, merge_nodes
from scopecore.render.combinators import Conditional, Filter, Map, Memoise, Reduce, Select, apply_filter
from scopecore.render.filters import connected, filter_unconnected_pseudo
from scopecore.render.join import Join
from scopecore.render.pseudo import Networks, containing_network, external_id, is_known_service
from scopecore.render.summary import SummaryContext, summarize
from scopecore.report import DNSRecord, Node, Report, Topology, TopologyKind, ids

pytestmark = pytest.mark.unit


def report_of(*nodes: Node, dns: dict[str, DNSRecord] | None = None) -> Report:
    topologies: dict[TopologyKind, Topology] = {}
    for n in nodes:
        kind = TopologyKind(n.topology)
        topologies[kind] = topologies.get(kind, Topology()).with_node(n)
    return Report(topologies, dns=dns or {})


# --- render-time IDs (report/ids.py) -------------------------------------------------------------------------

def test_render_time_ids() -> None:
    assert ids.pseudo("uncontained", "vm") == "pseudo:uncontained:vm"
    assert ids.parse_pseudo("pseudo:uncontained:vm") == "uncontained:vm"
    assert ids.parse_pseudo("in-theinternet") is None
    assert ids.service("s3.amazonaws.com") == "service-s3.amazonaws.com"
    assert ids.parse_service("service-x") == "x" and ids.parse_service("x") is None
    assert ids.group_topology("process", "name") == "group:process:name"
    assert ids.parse_group_topology("group:process:name") == ("process", "name")
    assert ids.parse_group_topology("process") is None
    assert ids.parse_address("vm;172.18.0.4") == ("vm", "172.18.0.4")
    assert ids.parse_overlay("#docker_peer_vm") == ("docker_peer_", "vm")
    assert ids.parse_overlay("#weave1") == ("", "weave1")
    assert ids.parse_ecs_service("prod;web") == ("prod", "web")
    assert ids.parse_ecs_service("web;<ecs_service>") == ("unknown", "web")
    assert ids.connection("vm;1", "", "", "80") == "vm;1---80"
    assert ids.host_of("vm;<host>") == "vm" and ids.host_of("vm") == ""
    assert ids.first_component("uid;<pod>") == "uid" and ids.first_component("x") == ""


# --- combinators ---------------------------------------------------------------------------------------------

def test_map_rewrites_edges_and_collects_children() -> None:
    a = node("a", "process", {"group": "g1"}, adjacency=("b",))
    b = node("b", "process", {"group": "g2"}, adjacency=("c",))
    c = node("c", "process", {"group": "g2"})
    rpt = report_of(a, b, c)

    def step(n: object, join: Join, ctx: RenderContext) -> None:
        join.add_child_and_children(n, n.latest.get("group"), "group")  # type: ignore[attr-defined]

    out = Map("to groups", step, Select(TopologyKind.PROCESS)).render(RenderContext(rpt)).nodes
    assert set(out) == {"g1", "g2"}
    assert out["g1"].adjacency == {"g2"} and out["g2"].adjacency == {"g2"}
    assert set(out["g2"].children) == {"b", "c"}


def test_reduce_merges_and_sums_filtered() -> None:
    a1 = make_node("a", "x", {"k1": make_node("k1", "y")})
    a2 = make_node("a", "x", {"k2": make_node("k2", "y")})

    class Fixed:
        inputs = ()

        def __init__(self, n: object, filtered: int) -> None:
            self.n, self.f = n, filtered

        def render(self, ctx: RenderContext) -> object:
            from scopecore.render.base import Nodes
            return Nodes({"a": self.n}, self.f)  # type: ignore[dict-item]

    got = Reduce(Fixed(a1, 1), Fixed(a2, 2)).render(RenderContext(Report()))  # type: ignore[arg-type]
    assert set(got.nodes["a"].children) == {"k1", "k2"} and got.filtered == 3


def test_filter_cuts_edges_and_keeps_pseudo_nodes() -> None:
    rpt = report_of(node("a", "process", adjacency=("b",)), node("b", "process"))
    out = Filter("not b", lambda n: n.id != "b", Select(TopologyKind.PROCESS)).render(RenderContext(rpt))
    assert set(out.nodes) == {"a"} and out.nodes["a"].adjacency == frozenset() and out.filtered == 1
    from scopecore.render.base import Nodes
    kept = apply_filter(Nodes({"p": make_node("p", "pseudo")}), lambda n: False)
    assert set(kept.nodes) == set()  # apply_filter itself does not spare pseudo nodes; Filter does
    spared = Filter("none", lambda n: False, Select(TopologyKind.PROCESS))
    assert spared.render(RenderContext(report_of(node("p", "process")))).nodes == {}


def test_conditional() -> None:
    rpt = report_of(node("a", "process"))
    r = Conditional("never", lambda ctx: False, Select(TopologyKind.PROCESS))
    assert r.render(RenderContext(rpt)).nodes == {}


def test_memoise_with_an_injected_cache_is_keyed_by_report_identity() -> None:
    calls = []

    class Counting:
        inputs = ()

        def render(self, ctx: RenderContext) -> object:
            calls.append(ctx.report)
            return Select(TopologyKind.PROCESS).render(ctx)

    m = Memoise(Counting())  # type: ignore[arg-type]
    cache = LRUCache(4)
    r1, r2 = report_of(node("a", "process")), report_of(node("a", "process"))
    first = m.render(RenderContext(r1, cache))
    assert m.render(RenderContext(r1, cache)) is first
    m.render(RenderContext(r2, cache))  # an equal report, but another object
    assert len(calls) == 2
    for i in range(10):
        m.render(RenderContext(report_of(node(str(i), "process")), cache))
    assert len(cache) == 4


def test_render_with_cache_reuses_work() -> None:
    w = world()
    cache = LRUCache()
    a = render(w, "containers", cache=cache)
    b = render(w, "containers", cache=cache)
    assert a.to_json() == b.to_json()
    assert a.nodes[CLIENT_CONTAINER] is b.nodes[CLIENT_CONTAINER]


def test_merge_nodes_unites_children_and_edges() -> None:
    a = make_node("n", "", {"c1": make_node("c1", "x")})
    b = merge_nodes(a, node("n", "process", {"k": "v"}, adjacency=("m",)))
    assert b.topology == "process" and set(b.children) == {"c1"} and b.adjacency == {"m"}
    assert b.latest.get("k") == "v"


# --- connectivity --------------------------------------------------------------------------------------------

def test_connected_ignores_self_edges_and_internet_loop_is_cut() -> None:
    from scopecore.render.base import Nodes
    nodes = {"a": make_node("a", "process"), "b": make_node("b", "process")}
    nodes["a"] = nodes["a"]._replace(adjacency=frozenset({"a"}))
    assert connected(Nodes(nodes)) == frozenset()
    inet = {ids.INCOMING_INTERNET: make_node(ids.INCOMING_INTERNET, "pseudo")._replace(
        adjacency=frozenset({ids.OUTGOING_INTERNET})), ids.OUTGOING_INTERNET: make_node(ids.OUTGOING_INTERNET,
                                                                                        "pseudo")}
    assert filter_unconnected_pseudo(Nodes(inet)).nodes == {}


# --- pseudo nodes --------------------------------------------------------------------------------------------

def test_networks_and_known_services() -> None:
    nets = Networks(["10.0.0.0/8", "192.168.1.7/24", "bogus", "fe80::/10"])
    assert nets.contains("10.2.3.4") and nets.contains("192.168.1.200")
    assert not nets.contains("192.168.2.1") and not nets.contains("fe80::1") and not nets.contains("x")
    assert containing_network([0x0A000001, 0x0A0000FE]) == "10.0.0.0/24"
    assert containing_network([]) is None
    assert is_known_service("s3.eu-west-1.amazonaws.com")
    assert not is_known_service("ec2-1-2-3-4.compute.amazonaws.com")
    assert not is_known_service("example.com")


def test_external_ids() -> None:
    host = node("h;<host>", "host", sets={"local_networks": ["10.0.0.0/8"]})
    inbound = node(";1.2.3.4;5000", "endpoint", adjacency=(";10.0.0.1;80",))
    outbound = node(";8.8.8.8;53", "endpoint")
    local = node(";10.0.0.9;80", "endpoint")
    service = node(";52.1.1.1;443", "endpoint")
    v6 = node(";2001:db8::1;443", "endpoint")
    rpt = report_of(host, inbound, outbound, local, service, v6,
                    dns={"52.1.1.1": DNSRecord(forward=frozenset({"bucket.s3.amazonaws.com"}))})
    ctx = RenderContext(rpt)
    assert external_id(ctx, inbound) == ids.INCOMING_INTERNET
    assert external_id(ctx, outbound) == ids.OUTGOING_INTERNET
    assert external_id(ctx, local) is None
    assert external_id(ctx, service) == "service-bucket.s3.amazonaws.com"
    assert external_id(ctx, v6) is None  # Scope parses IPv4 only here


def test_pseudo_summaries() -> None:
    sc = SummaryContext.of(RenderContext(Report()))
    s = summarize(make_node("service-s3.amazonaws.com", "pseudo"), sc)
    assert s == {"id": "service-s3.amazonaws.com", "label": "s3.amazonaws.com", "labelMinor": "",
                 "rank": "service-s3.amazonaws.com", "shape": "cloud", "pseudo": True}
    s = summarize(make_node("pseudo:unmanaged:vm", "pseudo"), sc)
    assert s is not None and (s["label"], s["labelMinor"], s["stack"]) == ("Unmanaged", "vm", True)
    assert summarize(make_node("e", "endpoint"), sc) is None
    assert summarize(make_node("x", "no-such-topology"), sc) is None


# --- details -------------------------------------------------------------------------------------------------

def test_details_connections_carry_l4_data() -> None:
    got = details(world(), "processes", CURL)
    assert got is not None
    outbound = got["node"]["connections"][1]
    assert [c["id"] for c in outbound["columns"]][-5:] == ["bytes_sent", "bytes_received", "connections_total",
                                                            "failed_connections", "retransmits"]
    row = outbound["connections"][0]
    assert row["nodeId"] == APACHE and row["id"] == f"{APACHE}---80"
    assert {m["id"]: m["value"] for m in row["metadata"]} == {
        "port": "80", "count": "1", "bytes_sent": "1000", "bytes_received": "5000", "connections_total": "1",
        "failed_connections": "0", "retransmits": "2"}


def test_details_of_the_internet_break_out_addresses() -> None:
    got = details(world(), "processes", ids.INCOMING_INTERNET)
    assert got is not None
    out = got["node"]["connections"][1]
    assert [c["id"] for c in out["columns"]] == ["remote", "port", "count"]
    assert out["connections"][0]["metadata"][0] == {"id": "remote", "label": "", "value": "1.2.3.4"}


def test_details_controls_children_and_hidden_nodes() -> None:
    got = details(world(), "hosts", CLIENT_HOST)
    assert got is not None
    assert got["node"]["controls"] == [{"probeId": "probe-client", "nodeId": CLIENT_HOST, "id": "host_exec",
                                        "human": "Exec shell", "icon": "fa fa-terminal", "rank": 0}]
    assert [g["label"] for g in got["node"]["children"]] == ["Containers", "Processes", "Container images"]
    # Hidden by the default options, but details still find it (Scope's handleNode puts it back).
    assert details(world(), "processes", "server.example.com;216") is not None
    assert details(world(), "containers", "nope") is None


# --- deltas --------------------------------------------------------------------------------------------------

def test_diff_and_apply() -> None:
    a = {"x": {"id": "x", "label": "1"}, "y": {"id": "y", "label": "2"}}
    b = {"x": {"id": "x", "label": "1"}, "y": {"id": "y", "label": "3"}, "z": {"id": "z", "label": "4"}}
    d = diff(a, b)
    assert d == {"add": [b["z"]], "update": [b["y"]], "remove": None}
    assert apply(a, d) == b
    assert diff(b, a)["remove"] == ["z"]
    first = diff(None, a)
    assert first["reset"] is True and [s["id"] for s in first["add"]] == ["x", "y"]
    assert apply({"old": {"id": "old"}}, first) == a
    assert diff(a, a) == {"add": None, "update": None, "remove": None}


def test_stamps_are_ns() -> None:
    assert T0 > 10**18


def test_censoring_hides_arguments_and_environment() -> None:
    from scopecore.render.censor import Censor
    s = {"id": "x", "metadata": [{"id": "cmdline", "label": "Command", "value": "curl -H secret http://x/"},
                                 {"id": "pid", "label": "PID", "value": "1"}],
         "tables": [{"id": "docker_env_", "rows": []}, {"id": "docker_label_", "rows": []}]}
    got = Censor(True, True).apply(s)
    assert got["metadata"][0]["value"] == "curl" and got["metadata"][1]["value"] == "1"
    assert [t["id"] for t in got["tables"]] == ["docker_label_"]
    assert s["metadata"][0]["value"] == "curl -H secret http://x/"  # the shared summary is untouched
    r = render(world(), "processes", {"hideCommandLineArguments": "true"})
    summary = r.summary(CURL)
    assert summary is not None
    assert [m["value"] for m in summary["metadata"] if m["id"] == "cmdline"] == ["curl"]
    assert details(world(), "processes", CURL, {"hideCommandLineArguments": "true"})["node"]["metadata"][1][
        "value"] == "curl"  # type: ignore[index]


def test_incremental_redoes_summaries_when_templates_change() -> None:
    from render_world import split

    from scopecore.render import IncrementalRenderer
    from scopecore.report import MetadataTemplate

    parts = split(kubernetes=False)
    inc = IncrementalRenderer("processes")
    inc.update(parts).summaries()
    name_row = Topology(metadata_templates={"name": MetadataTemplate("name", "Name", priority=9.0, from_="latest")})
    parts["client"] = parts["client"].with_topology(TopologyKind.PROCESS, name_row)
    got = inc.update(parts)
    assert inc.rendered_parts == 1
    want = render(Report.merge_all([parts["client"], parts["server"]]), "processes")
    assert got.to_json() == want.to_json()
    apache = got.summary(APACHE)  # from the unchanged part, with the new template
    assert apache is not None and any(m["id"] == "name" for m in apache["metadata"])

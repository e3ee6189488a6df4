"""Generated summarizers (summary.summarizer_source) and summarize_all against _summary, the generic code they
unroll: the same summaries, with keys in the same order, node by node and in passes over a whole view."""

import json
import math
from collections.abc import Sequence

import pytest
from bench import scope_fixtures
from bench.fleet import Fleet, host_report
from render_world import CONTAINER_TOPOLOGY, HOST_TOPOLOGY, IMAGE_TOPOLOGY, PROCESS_TOPOLOGY, T0, metric, node
from render_world import world as render_world

from scopecore.render import TOPOLOGIES, Rendered, render
from scopecore.render.base import AnyNode, Nodes, make_node, rebuild
from scopecore.render.summary import Summary, SummaryContext, _summary, summarize, summarize_all
from scopecore.report import Metric, Metrics, Report, Topology, ids

pytestmark = pytest.mark.unit
OPTIONS = [{}, {"unconnected": "show", "pseudo": "show", "stopped": "both", "system": "all"}]


def generic(n: AnyNode, sc: SummaryContext) -> Summary | None:
    p = sc.prep(n.topology)
    return None if p is None else _summary(n, sc, p, False)


def assert_same(nodes: Sequence[AnyNode], sc: SummaryContext) -> None:
    want = [generic(n, sc) for n in nodes]
    # Compared as JSON text, so the order of keys (in summaries and in rows) counts too.
    assert json.dumps([summarize(n, sc) for n in nodes]) == json.dumps(want)
    assert json.dumps(summarize_all(nodes, sc)) == json.dumps(want)


def assert_views(report: Report) -> None:
    for desc in TOPOLOGIES:
        for options in OPTIONS:
            r = render(report, desc.id, options)
            assert_same(list(r.nodes.values()), r.context)


def fleet(hosts: int, procs: int) -> Report:
    f = Fleet(hosts, procs)
    return Report.merge_all(host_report(f, h, 0) for h in range(hosts))


@pytest.mark.skipif(not scope_fixtures.available(), reason="Scope fixtures not found")
@pytest.mark.parametrize("name", [scope_fixtures.MERGED_REPORT, scope_fixtures.PROBE_REPORT])
def test_scope_fixtures(name: str) -> None:
    assert_views(scope_fixtures.load_report(name))


@pytest.mark.parametrize("kubernetes", [True, False])
def test_render_world(kubernetes: bool) -> None:
    assert_views(render_world(kubernetes))


def test_fleet() -> None:
    report = fleet(4, 25)
    assert_views(report)
    r = render(report, "processes")
    assert len(r.summaries()) == 100
    assert list(r.summaries().values()) == [generic(n, r.context) for n in r.nodes.values()]


def context() -> SummaryContext:
    topologies = {"process": PROCESS_TOPOLOGY, "container": CONTAINER_TOPOLOGY, "container_image": IMAGE_TOPOLOGY,
                  "host": HOST_TOPOLOGY, "pod": Topology(shape="heptagon", tag="k8s")}
    return SummaryContext(topologies, lambda t, node_id: None)


def test_rows_missing_empty_or_odd() -> None:
    sc = context()
    proc = ids.process("vm", 1)
    full = node(proc, "process", {"pid": "1", "cmdline": "init", "name": "init"}, parents={"host": ["vm;<host>"]},
                adjacency=("b", "a"), metrics={"process_cpu_usage_percent": metric(1.239, 2.0),
                                               "process_memory_usage_bytes": metric(5.0)})
    odd = Metrics({"process_cpu_usage_percent": Metric((), (), math.inf, -math.inf),
                   "process_memory_usage_bytes": Metric((T0,), (math.nan,), -math.inf, 1e308)})
    nodes: list[AnyNode] = [
        full,
        node(proc, "process", {"cmdline": "sh"}),  # some rows only
        node(proc, "process", metrics={"process_memory_usage_bytes": metric(3.0)}),
        node(proc, "process"),  # no rows: no metadata, metrics nor parents
        rebuild(full, metrics=odd),  # no samples; infinite and NaN values
        rebuild(full, parents=full.parents.merge(node(proc, "process", parents={"process": [proc, "vm;2"]}).parents)),
        node("c;<container>", "container", {"docker_image_name": "i", "docker_label_a": "x"},
             sets={"docker_container_ips": ["10.0.0.2", "10.0.0.1"]}),  # a value from sets, and a table
        node("c;<container>", "container"),  # the table is there, empty
        make_node("i;<container_image>", "container_image", {"c": node("c;<container>", "container")}),  # counters
        node("p;<pod>", "pod", {"kubernetes_name": "p"}),  # a tag
        node("vm;<host>", "host", {"host_name": "vm"}),
        make_node("pseudo:uncontained:vm", "pseudo"),
        make_node("e", "endpoint"),  # not shown
        make_node("x", "no-such-topology"),  # not shown
    ]
    assert_same(nodes, sc)
    got = summarize_all(nodes, sc)
    assert got[-2:] == [None, None]
    assert "parents" not in got[3] and "metadata" not in got[3] and "metrics" not in got[3]
    assert got[7] is not None and got[7]["tables"][0]["rows"] == []


def test_groups_show_no_rows_of_their_own() -> None:
    sc = context()
    member = node(ids.process("vm", 2), "process", {"pid": "2"})
    other = node(";10.0.0.1;80", "endpoint")
    group = rebuild(node(ids.process("vm", 1), "process", {"pid": "1"}, parents={"host": ["vm;<host>"]},
                         metrics={"process_cpu_usage_percent": metric(1.0)}),
                    children={member.id: member, other.id: other})
    not_group = rebuild(group, children={other.id: other})
    assert_same([group, not_group], sc)
    g, n = summarize_all([group, not_group], sc)
    assert g is not None and "metadata" not in g and "metrics" not in g and g["parents"]
    assert n is not None and n["metadata"] and n["metrics"]


def test_rendered_skips_nodes_not_shown_and_keeps_order() -> None:
    report = fleet(2, 5)
    r = render(report, "processes")
    shown = dict(r.nodes)
    nodes = {"e": make_node("e", "endpoint"), **dict(list(shown.items())[:3]), "x": make_node("x", "nope"),
             **dict(list(shown.items())[3:])}
    got = Rendered("processes", Nodes(nodes), r.context).summaries()
    assert list(got) == list(shown)
    assert got == r.summaries()

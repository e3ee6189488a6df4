"""The merge of every report type is a join: associative, commutative, idempotent, with the empty value as
identity. Scope learnt these from bugs (node_test.go: "merges must be idempotent"); here they are checked.

Each law is checked twice where identity could hide a bug: on the values themselves, which take the `is`
fast paths (`other is self`, a map returned unchanged), and on deep copies, which do not.
"""

import copy
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    FLOATS,
    KEYS,
    KINDS,
    NODE_IDS,
    SOURCES,
    WORDS,
    controls,
    dns_records,
    edge_counts,
    edge_data,
    edges,
    keyed,
    latest_maps,
    metadata_templates,
    metric_samples,
    metric_templates,
    metrics_map,
    metrics_one,
    nodes,
    parents,
    plugin_specs,
    reports,
    sets,
    small_dicts,
    string_sets,
    table_templates,
    topologies,
)

from scopecore.report import (
    DNSRecord,
    EdgeCounts,
    EdgeData,
    Edges,
    LatestMap,
    Metric,
    Metrics,
    Node,
    Report,
    ReportBuilder,
    Sets,
    Topology,
    TopologyKind,
)
from scopecore.report.templates import merge_picked, pick

pytestmark = pytest.mark.laws


@dataclass(frozen=True)
class Case:
    """A type under test: how to draw values, join two, and make the identity for a value."""

    name: str
    values: st.SearchStrategy[Any]
    join: Callable[[Any, Any], Any]
    identity: Callable[[Any], Any] | None  # None: the join has no identity (a single template)


def _merge(a: Any, b: Any) -> Any:
    return a.merge(b)


def _picked(a: Mapping[str, Any], b: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(merge_picked(a, b))


CASES = [
    Case("LatestMap", latest_maps, _merge, lambda _: LatestMap.empty()),
    Case("Sets", sets, _merge, lambda _: Sets.empty()),
    Case("Sets(parents)", parents, _merge, lambda _: Sets()),
    Case("Metric", metrics_one, _merge, lambda _: Metric()),
    Case("Metrics", metrics_map, _merge, lambda _: Metrics.empty()),
    Case("EdgeCounts", edge_counts, EdgeCounts.join, lambda _: EdgeCounts()),  # counters are never negative
    Case("EdgeData", edge_data, _merge, lambda _: EdgeData()),
    Case("Edges", edges, _merge, lambda _: Edges.empty()),
    Case("MetadataTemplate", metadata_templates, pick, None),
    Case("MetricTemplate", metric_templates, pick, None),
    Case("TableTemplate", table_templates, pick, None),
    Case("Control", controls, pick, None),
    Case("PluginSpec", plugin_specs, pick, None),
    Case("MetadataTemplates", keyed(metadata_templates), _picked, lambda _: {}),
    Case("MetricTemplates", keyed(metric_templates), _picked, lambda _: {}),
    Case("TableTemplates", keyed(table_templates), _picked, lambda _: {}),
    Case("Controls", keyed(controls), _picked, lambda _: {}),
    Case("PluginSpecs", keyed(plugin_specs), _picked, lambda _: {}),
    Case("DNSRecord", dns_records, _merge, lambda _: DNSRecord()),
    # A node's identity is the stub with its ID and nothing else (what a delta sends for an unchanged node).
    Case("Node", nodes(depth=2), _merge, lambda n: Node(n.id)),
    Case("Topology", topologies(children=True), _merge, lambda _: Topology.empty()),
    Case("Report", reports(), _merge, lambda _: Report.empty()),
]
by_name = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
# A single template has no identity (its map type has, and is tested with it): the identity law skips it.
WITH_IDENTITY = [c for c in CASES if c.identity is not None]


def _copies(x: Any) -> list[Any]:
    return [x, copy.deepcopy(x)]


@by_name
@given(data=st.data())
def test_associative(case: Case, data: st.DataObject) -> None:
    a, b, c = (data.draw(case.values, label=n) for n in "abc")
    j = case.join
    assert j(j(a, b), c) == j(a, j(b, c))
    assert j(j(a, b), c) == j(j(a, c), b)


@by_name
@given(data=st.data())
def test_commutative(case: Case, data: st.DataObject) -> None:
    a, b = (data.draw(case.values, label=n) for n in "ab")
    assert case.join(a, b) == case.join(b, a)


@by_name
@given(data=st.data())
def test_idempotent(case: Case, data: st.DataObject) -> None:
    a = data.draw(case.values, label="a")
    for a2 in _copies(a):
        assert case.join(a, a2) == a
        assert case.join(a2, a) == a
    b = data.draw(case.values, label="b")
    ab = case.join(a, b)
    assert case.join(ab, b) == ab  # joining what is already in adds nothing
    assert case.join(a, ab) == ab


@pytest.mark.parametrize("case", WITH_IDENTITY, ids=[c.name for c in WITH_IDENTITY])
@given(data=st.data())
def test_identity(case: Case, data: st.DataObject) -> None:
    assert case.identity is not None
    a = data.draw(case.values, label="a")
    for e in _copies(case.identity(a)):
        assert case.join(a, e) == a
        assert case.join(e, a) == a
    e = case.identity(a)
    assert case.join(e, e) == e


# The collisions the strategies are built to hit, spelt out: each is where a "last one wins" merge (Scope's)
# would depend on the order of the arguments.
COLLISIONS = [
    pytest.param(LatestMap({"k": (1, "a")}), LatestMap({"k": (1, "b")}), LatestMap({"k": (1, "b")}), id="latest-tie"),
    pytest.param(Metric.of([(5, 1.0)]), Metric.of([(5, 2.0)]), Metric((5,), (2.0,), 1.0, 2.0), id="metric-same-time"),
    pytest.param(
        EdgeData({("p", 1): EdgeCounts(bytes_sent=3)}),
        EdgeData({("p", 1): EdgeCounts(bytes_received=2)}),
        EdgeData({("p", 1): EdgeCounts(bytes_sent=3, bytes_received=2)}),
        id="edge-sample-seen-twice",
    ),
    pytest.param(Node("n", "host"), Node("n", "process"), Node("n", "process"), id="node-two-topologies"),
    pytest.param(Node("n", ""), Node("n", "host"), Node("n", "host"), id="node-stub-and-named"),
]


@pytest.mark.parametrize(("a", "b", "joined"), COLLISIONS)
def test_collisions_join_the_same_both_ways(a: Any, b: Any, joined: Any) -> None:
    assert a.merge(b) == joined
    assert b.merge(a) == joined


# --- merging many ------------------------------------------------------------------------------------------


def _fold(values: list[Report]) -> Report:
    return reduce(Report.merge, values, Report.empty())


@given(rs=st.lists(reports(), max_size=3), rnd=st.randoms(use_true_random=False))
def test_report_merge_all_is_fold_in_any_order(rs: list[Report], rnd: random.Random) -> None:
    expected = _fold(rs)
    shuffled = rs[:]
    rnd.shuffle(shuffled)
    assert Report.merge_all(shuffled) == expected
    assert _fold(shuffled) == expected
    assert Report.merge_all(iter(rs)) == expected


@given(ts=st.lists(topologies(), max_size=3), rnd=st.randoms(use_true_random=False))
def test_topology_merge_all_is_fold_in_any_order(ts: list[Topology], rnd: random.Random) -> None:
    expected = reduce(Topology.merge, ts, Topology.empty())
    rnd.shuffle(ts)
    assert Topology.merge_all(ts) == expected
    assert Topology.merge_all([Topology.empty(), *ts, Topology()]) == expected


@given(added=st.lists(st.tuples(KINDS, nodes(depth=1, max_children=1)), max_size=5))
def test_builder_equals_merging_single_node_reports(added: list[tuple[TopologyKind, Node]]) -> None:
    b = ReportBuilder()
    for kind, node in added:
        b.add(kind, node)
    expected = _fold([Report({kind: Topology({node.id: node})}) for kind, node in added])
    assert b.freeze() == expected
    assert b.freeze("some-id") == expected  # freezing twice, under another ID, is the same value


@given(rs=st.lists(reports(), max_size=3), extra=st.lists(st.tuples(KINDS, nodes(depth=0)), max_size=2))
def test_builder_merge_equals_merge_all(rs: list[Report], extra: list[tuple[TopologyKind, Node]]) -> None:
    b = ReportBuilder()
    for r in rs:
        b.merge(r)
    frozen = b.freeze()
    assert frozen == Report.merge_all(rs)
    for kind, node in extra:  # a frozen report is not touched by later additions
        b.add(kind, node)
    assert frozen == Report.merge_all(rs)
    assert b.freeze() == Report.merge_all([*rs, *(Report({k: Topology({n.id: n})}) for k, n in extra)])


# --- the copy-on-write helpers are merges (so none can lose data) ---------------------------------------


@given(
    n=nodes(depth=1),
    ts=st.integers(min_value=0, max_value=3),
    values=small_dicts(KEYS, WORDS),
    set_values=small_dicts(KEYS, string_sets),
    parent=st.tuples(st.sampled_from(["host", "container"]), st.lists(NODE_IDS, max_size=2)),
    targets=st.lists(NODE_IDS, max_size=2),
    metric=st.tuples(KEYS, metric_samples, FLOATS),
    sample=st.tuples(NODE_IDS, SOURCES, st.integers(min_value=0, max_value=2), edge_counts),
    child=nodes(depth=0),
)
def test_node_helpers_are_merges(
    n: Node,
    ts: int,
    values: dict[str, str],
    set_values: dict[str, frozenset[str]],
    parent: tuple[str, list[str]],
    targets: list[str],
    metric: tuple[str, list[tuple[int, float]], float],
    sample: tuple[str, str, int, EdgeCounts],
    child: Node,
) -> None:
    def one(**fields: Any) -> Node:
        return n.merge(Node(n.id, **fields))

    assert n.with_latest(ts, values) == one(latest=LatestMap.of(values, ts))
    assert n.with_sets(set_values) == one(sets=Sets.of(set_values))
    topo, ids = parent
    assert n.with_parent(topo, *ids) == one(parents=Sets.of({topo: ids}))
    assert n.with_adjacent(*targets) == one(adjacency=frozenset(targets))
    name, samples, lo = metric
    m = Metric.of(samples, lo)
    assert n.with_metric(name, m) == one(metrics=Metrics({name: m}))
    target, source, t, counts = sample
    assert n.with_edge_sample(target, source, t, counts) == one(
        adjacency=frozenset([target]), edges=Edges({target: EdgeData({(source, t): counts})})
    )
    assert n.with_child(child) == one(children={child.id: child})


@given(r=reports(), kind=KINDS, node=nodes(depth=1))
def test_report_helpers_are_merges(r: Report, kind: TopologyKind, node: Node) -> None:
    assert r.with_node(kind, node) == r.merge(Report({kind: Topology({node.id: node})}))
    t = Topology({node.id: node}, shape="circle")
    assert r.with_topology(kind, t) == r.merge(Report({kind: t}))


@given(samples=metric_samples, lo=st.none() | FLOATS, hi=st.none() | FLOATS)
def test_metric_from_lists_is_of(samples: list[tuple[int, float]], lo: float | None, hi: float | None) -> None:
    times, values = [t for t, _ in samples], [v for _, v in samples]
    assert Metric.from_lists(times, values, lo, hi) == Metric.of(samples, lo, hi)

"""The C twin of node merging (cext/cmerge.c) against the Python reference (`node._merge_py`).

The merge laws (test_laws.py) run on whichever join `Node.merge` uses, the C one when it is built; here the two
are held to equal results on every shape hypothesis draws, plus the shapes the C code hands back to Python
(other types, overlapping samples, NaN bounds, huge timestamps) and its reference counting.
"""

import gc
import math
import sys
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FLOATS, NODE_IDS, nodes, nodes_by_id

from scopecore.report import LatestMap, Metric, Metrics, Node, Report, Sets, Topology, TopologyKind
from scopecore.report import node as node_module

cmerge = node_module._cmerge
pytestmark = pytest.mark.skipif(cmerge is None, reason="scopecore.report._cmerge was not built (no C compiler)")
py_merge = node_module._merge_py

# Same ID and topology on both sides, so that the field joins (not the fallback for differing IDs) run.
same_node = st.builds(lambda n: Node(
    "n1", "process", n.latest, n.sets, n.parents, n.adjacency, n.metrics, n.children, n.edges), nodes(depth=0))


def test_node_merge_is_the_c_join() -> None:
    a, b = Node("n", "process", adjacency=frozenset({"x"})), Node("n", "process", adjacency=frozenset({"y"}))
    assert node_module._join is cmerge.node_merge
    assert a.merge(b).adjacency == {"x", "y"}


@given(nodes(), nodes())
def test_any_two_nodes(a: Node, b: Node) -> None:
    assert cmerge.node_merge(a, b) == py_merge(a, b)


@given(same_node, same_node)
def test_nodes_of_one_id(a: Node, b: Node) -> None:
    got = cmerge.node_merge(a, b)
    assert got == py_merge(a, b)
    # Nothing new from b: a itself comes back, allocation-free, as the Python join returns it.
    again = cmerge.node_merge(got, b)
    assert again is got


@given(nodes_by_id(max_size=3, children=True), nodes_by_id(max_size=3, children=True))
def test_node_maps(a: dict[str, Node], b: dict[str, Node]) -> None:
    assert cmerge.node_maps_merge(a, b) == node_module._maps_merge_py(a, b)
    if not b:
        assert cmerge.node_maps_merge(a, b) is a


@given(st.lists(nodes_by_id(max_size=3), max_size=5))
def test_many_node_maps(maps: list[dict[str, Node]]) -> None:
    got = cmerge.node_maps_merge_all(maps)
    assert got == node_module._maps_merge_all_py(maps)
    assert all(got is not m for m in maps)  # a new dict: the inputs stay as they were


# Times drawn close together so that samples of the two sides interleave, overlap, or one holds the other's.
sample_times = st.lists(st.integers(min_value=0, max_value=4), max_size=4)
# Two values, so that two sides' samples often look alike where their times differ (other floats: nodes()).
sample_values = st.sampled_from([0.0, 1.0])


@st.composite
def metric_pairs(draw: st.DrawFn) -> tuple[Metric, Metric]:
    def metric() -> Metric:
        times = draw(sample_times)
        bound = st.none() | FLOATS | st.just(math.nan) | st.just(math.inf)
        return Metric.of(((t, draw(sample_values)) for t in times), draw(bound), draw(bound))

    a = metric()
    shape = draw(st.sampled_from(["any", "after", "run", "moved"]))
    if shape == "after" and a.times:  # consecutive reports: b's samples all come after a's
        b = Metric.of(((a.times[-1] + 1 + i, v) for i, v in enumerate(a.values)), a.min, a.max)
    elif shape == "run" and a.times:  # b's samples a run of a's (the same report merged again)
        i = draw(st.integers(0, len(a.times) - 1))
        j = draw(st.integers(i + 1, len(a.times)))
        b = Metric(a.times[i:j], tuple(v + 0.0 for v in a.values[i:j]), a.min, a.max)
    elif shape == "moved" and a.times:  # a's values, its last sample a little later: not a run of a's
        b = Metric((*a.times[:-1], a.times[-1] + 1), a.values, a.min, a.max)
    else:
        b = metric()
    return (a, b) if draw(st.booleans()) else (b, a)


def _with_metric(m: Metric) -> Node:
    return Node("n", "process", metrics=Metrics({"cpu": m}))


def _equal_or_both_nan(x: float, y: float) -> bool:
    return x == y or (math.isnan(x) and math.isnan(y))


@settings(max_examples=500)
@given(metric_pairs())
def test_metric_samples(pair: tuple[Metric, Metric]) -> None:
    a, b = (_with_metric(m) for m in pair)
    got, want = cmerge.node_merge(a, b).metrics.entries["cpu"], py_merge(a, b).metrics.entries["cpu"]
    assert (got.times, got.values) == (want.times, want.values)
    assert _equal_or_both_nan(got.min, want.min) and _equal_or_both_nan(got.max, want.max)


# Any int; most often three 30-bit digits (where times in ns are), and the edges of digits and of 64 bits: the C
# code reads small ints inline.
wide_ints = st.one_of(
    st.integers(min_value=2**59, max_value=2**62 + 2**30),
    st.integers(min_value=-(2**66), max_value=2**66),
    st.sampled_from([0, 1, -1, 2**30 - 1, 2**30, 2**60 - 1, 2**60, 2**62 - 1, 2**62, -(2**62), 2**63 - 1, 2**63,
                     -(2**63), 2**64]),
)


@given(wide_ints, wide_ints, NODE_IDS, NODE_IDS)
def test_latest_times_of_any_size(t1: int, t2: int, v1: str, v2: str) -> None:
    a = Node("n", "process", latest=LatestMap({"k": (t1, v1), "j": (1, "x")}))
    b = Node("n", "process", latest=LatestMap({"k": (t2, v2)}))
    assert cmerge.node_merge(a, b) == py_merge(a, b)


@given(st.lists(wide_ints, min_size=1, max_size=4, unique=True), st.lists(wide_ints, min_size=1, max_size=4,
                                                                          unique=True))
def test_sample_times_of_any_size(t1: list[int], t2: list[int]) -> None:
    a, b = (_with_metric(Metric.of((t, 1.0) for t in ts)) for ts in (t1, t2))
    assert cmerge.node_merge(a, b) == py_merge(a, b)
    run = _with_metric(Metric.of((t, 1.0) for t in sorted(t1)[1:])) if len(t1) > 1 else b
    assert cmerge.node_merge(a, run) == py_merge(a, run)


def test_other_mapping_types_go_to_python() -> None:
    a = Node("n", "process", latest=LatestMap(MappingProxyType({"k": (1, "a")})),
             sets=Sets(MappingProxyType({"s": frozenset({"x"})})))
    b = Node("n", "process", latest=LatestMap({"k": (2, "b")}), sets=Sets({"s": frozenset({"y"})}))
    got = cmerge.node_merge(a, b)
    assert got == py_merge(a, b)
    assert got.latest.get("k") == "b" and got.sets.get("s") == {"x", "y"}


def test_errors_propagate_as_python_raises_them() -> None:
    a = Node("n", "process", latest=LatestMap({"k": (1, "a")}))
    b = Node("n", "process", latest=LatestMap({"k": (1, 2)}))  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        py_merge(a, b)
    with pytest.raises(TypeError):
        cmerge.node_merge(a, b)
    with pytest.raises(TypeError, match="dicts expected"):
        cmerge.node_maps_merge_all([{}, 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="2 arguments"):
        cmerge.node_merge(a)  # type: ignore[call-arg]


def test_reference_counts_balance() -> None:
    a = Node("n", "process", latest=LatestMap({"k": (1, "a"), "j": (5, "z")}), parents=Sets({"host": frozenset("h")}),
             adjacency=frozenset({"x"}), metrics=Metrics({"cpu": Metric((1, 2), (1.0, 2.0), 0.0, 9.0)}))
    b = Node("n", "process", latest=LatestMap({"k": (2, "b")}), parents=Sets({"host": frozenset("g")}),
             adjacency=frozenset({"y"}), metrics=Metrics({"cpu": Metric((3,), (3.0,), 0.0, 9.0)}))
    stub = Node("n", "process", adjacency=frozenset({"w"}))
    watched = [a, b, stub, a.latest, b.latest, a.metrics.entries["cpu"], b.adjacency, a.id, b.latest.entries["k"]]
    cmerge.node_merge(a, b), cmerge.node_merge(a, stub)  # warm up
    before = [sys.getrefcount(o) for o in watched]
    for _ in range(1000):
        cmerge.node_merge(a, b)
        cmerge.node_merge(stub, a)
        cmerge.node_maps_merge_all([{"n": a}, {"n": b}, {"n": stub}])
    assert [sys.getrefcount(o) for o in watched] == before


def test_merged_values_are_left_to_reference_counting() -> None:
    a = Node("n", "process", latest=LatestMap({"k": (1, "a")}), metrics=Metrics({"cpu": Metric((1,), (1.0,))}))
    b = Node("n", "process", latest=LatestMap({"j": (2, "b")}), metrics=Metrics({"cpu": Metric((2,), (2.0,))}))
    got = cmerge.node_merge(a, b)
    # Immutable values cannot form cycles: the collector need not walk the million of them a window makes.
    assert not gc.is_tracked(got) and not gc.is_tracked(got.latest) and not gc.is_tracked(got.metrics)
    gc.collect()
    assert got.latest.values() == {"k": "a", "j": "b"} and got.metrics.entries["cpu"].times == (1, 2)


def test_report_merges_use_it() -> None:
    a = Report({TopologyKind.PROCESS: Topology({"n": Node("n", "process", latest=LatestMap({"k": (1, "a")}))})})
    b = Report({TopologyKind.PROCESS: Topology({"n": Node("n", "process", latest=LatestMap({"k": (2, "b")}))})})
    for merged in (a.merge(b), Report.merge_all([a, b, a])):
        assert merged.nodes(TopologyKind.PROCESS)["n"].latest.get("k") == "b"

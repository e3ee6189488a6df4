"""Hypothesis strategies, one per report type.

Alphabets are tiny on purpose: two sides of a merge should often share keys, node IDs, timestamps and sample
keys, so that the interesting cases (equal timestamps with different values, one sample seen with two counts,
one node on both sides) happen in most examples rather than almost never. Sizes are small too: the laws are
about how values combine, not about how many there are.
"""

import functools
from typing import Protocol, TypeVar

from hypothesis import strategies as st

from scopecore.report import (
    Column,
    Control,
    DNSRecord,
    EdgeCounts,
    EdgeData,
    Edges,
    LatestMap,
    MetadataTemplate,
    Metric,
    Metrics,
    MetricTemplate,
    Node,
    PluginSpec,
    Report,
    Sets,
    TableTemplate,
    Topology,
    TopologyKind,
)

# --- alphabets ---------------------------------------------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "c"])
WORDS = st.sampled_from(["", "x", "y", "zz"])
NONEMPTY_WORDS = st.sampled_from(["x", "y", "zz"])
TIMES = st.integers(min_value=0, max_value=3)
NODE_IDS = st.sampled_from(["n1", "n2", "n3"])
# Node.topology: "" is a delta stub's; two names so that Node.merge must choose between them.
NODE_TOPOLOGIES = st.sampled_from(["", "process", "host"])
SOURCES = st.sampled_from(["probe-a", "probe-b"])
KINDS = st.sampled_from([TopologyKind.PROCESS, TopologyKind.HOST, TopologyKind.CONTAINER])
# Mostly a few values that collide; sometimes any finite float. Never NaN or inf in samples.
FLOATS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0]),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
)
SMALL_INTS = st.integers(min_value=0, max_value=3)

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


def small_dicts(
    keys: st.SearchStrategy[K], values: st.SearchStrategy[V], max_size: int = 2
) -> st.SearchStrategy[dict[K, V]]:
    """Dicts of up to max_size entries (a key drawn twice keeps its last value). Cheaper than st.dictionaries,
    whose unique keys from a tiny alphabet spend most of their time rejecting repeats."""
    return st.lists(st.tuples(keys, values), max_size=max_size).map(dict)


def small_sets(elements: st.SearchStrategy[T], min_size: int = 0, max_size: int = 2) -> st.SearchStrategy[frozenset[T]]:
    """Frozensets of up to max_size elements (fewer when a draw repeats), drawn as a list for the same reason."""
    return st.lists(elements, min_size=min_size, max_size=max_size).map(frozenset)


def sometimes(values: st.SearchStrategy[T], empty: T) -> st.SearchStrategy[T]:
    """Half the time the empty value: a node or topology uses only some of its fields, and drawing fewer
    fields keeps the nested strategies fast."""
    return st.just(empty) | values


# --- LatestMap, Sets ---------------------------------------------------------------------------------------

latest_entries = st.tuples(TIMES, WORDS)
latest_maps = small_dicts(KEYS, latest_entries).map(LatestMap)

string_sets = small_sets(NONEMPTY_WORDS, min_size=1)
sets = small_dicts(KEYS, string_sets).map(Sets)
# A node's parents: topology name -> parent node IDs.
parents = small_dicts(st.sampled_from(["host", "container"]), small_sets(NODE_IDS, min_size=1)).map(Sets)

# --- Metric, Metrics ---------------------------------------------------------------------------------------

metric_samples = st.lists(st.tuples(st.integers(min_value=0, max_value=4), FLOATS), max_size=3)


# A Metric as `Metric.of` builds it: bounds from the samples, or reported ones (a capacity).
metrics_one = st.builds(Metric.of, metric_samples, st.none() | FLOATS, st.none() | FLOATS)
metrics_map = small_dicts(KEYS, metrics_one).map(Metrics)

# --- edges -------------------------------------------------------------------------------------------------

edge_counts = st.builds(EdgeCounts, SMALL_INTS, SMALL_INTS, SMALL_INTS, SMALL_INTS, SMALL_INTS)
sample_keys = st.tuples(SOURCES, st.integers(min_value=0, max_value=2))
edge_data = small_dicts(sample_keys, edge_counts).map(EdgeData)
edges = small_dicts(NODE_IDS, edge_data).map(Edges)

# --- templates, controls, plugins --------------------------------------------------------------------------

TEMPLATE_IDS = st.sampled_from(["t1", "t2"])
PRIORITIES = st.sampled_from([0.0, 1.0, 2.5])

metadata_templates = st.builds(
    MetadataTemplate,
    id=TEMPLATE_IDS,
    label=WORDS,
    truncate=st.integers(min_value=0, max_value=1),
    datatype=st.sampled_from(["", "number"]),
    priority=PRIORITIES,
    from_=st.sampled_from(["", "latest", "sets"]),
)
metric_templates = st.builds(
    MetricTemplate,
    id=TEMPLATE_IDS,
    label=WORDS,
    format=st.sampled_from(["", "percent"]),
    group=WORDS,
    priority=PRIORITIES,
)
columns = st.builds(Column, id=KEYS, label=WORDS, datatype=st.sampled_from(["", "number"]))
table_templates = st.builds(
    TableTemplate,
    id=TEMPLATE_IDS,
    label=WORDS,
    prefix=st.sampled_from(["", "docker_label_"]),
    type=st.sampled_from(["", "property-list", "multicolumn-table"]),
    columns=st.lists(columns, max_size=2).map(tuple),
    fixed_rows=st.lists(st.tuples(KEYS, WORDS), max_size=2).map(lambda rows: tuple(sorted(rows))),
)
controls = st.builds(
    Control,
    id=TEMPLATE_IDS,
    human=WORDS,
    icon=WORDS,
    confirmation=WORDS,
    rank=st.integers(min_value=0, max_value=2),
)
plugin_specs = st.builds(
    PluginSpec,
    id=TEMPLATE_IDS,
    label=WORDS,
    description=WORDS,
    interfaces=st.lists(NONEMPTY_WORDS, max_size=2).map(tuple),
    api_version=st.sampled_from(["", "1"]),
    status=WORDS,
)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


H = TypeVar("H", bound=_HasId)


def keyed(values: st.SearchStrategy[H]) -> st.SearchStrategy[dict[str, H]]:
    """A map of values by their own `id`, as topologies and reports hold templates."""
    return st.lists(values, max_size=2).map(lambda vs: {v.id: v for v in vs})


# --- DNS ---------------------------------------------------------------------------------------------------

NAMES = st.sampled_from(["a.example", "b.example", "c.example"])
dns_records = st.builds(DNSRecord, small_sets(NAMES), small_sets(NAMES))
dns_maps = small_dicts(st.sampled_from(["10.0.0.1", "10.0.0.2"]), dns_records)

# --- Node, Topology, Report --------------------------------------------------------------------------------
# Every strategy here is built once (module constants, cached factories): a strategy object made inside a
# draw is validated anew each time, which costs more than drawing from it.

_node_latest = sometimes(latest_maps, LatestMap.empty())
_node_sets = sometimes(sets, Sets.empty())
_node_parents = sometimes(parents, Sets.empty())
_node_adjacency = small_sets(NODE_IDS)
_node_metrics = sometimes(metrics_map, Metrics.empty())
_node_edges = sometimes(edges, Edges.empty())


def _by_id(ns: list[Node]) -> dict[str, Node]:
    return {n.id: n for n in ns}


@functools.cache
def nodes(depth: int = 1, node_id: str | None = None, max_children: int = 2) -> st.SearchStrategy[Node]:
    """Nodes with every field drawn, and children (keyed by their own IDs) down to `depth`."""
    children = (
        st.lists(nodes(depth - 1, None, 1), max_size=max_children).map(_by_id) if depth > 0 else st.just({})
    )
    return st.builds(
        Node,
        id=NODE_IDS if node_id is None else st.just(node_id),
        topology=NODE_TOPOLOGIES,
        latest=_node_latest,
        sets=_node_sets,
        parents=_node_parents,
        adjacency=_node_adjacency,
        metrics=_node_metrics,
        children=children,
        edges=_node_edges,
    )


@functools.cache
def nodes_by_id(max_size: int = 2, children: bool = False) -> st.SearchStrategy[dict[str, Node]]:
    """Nodes keyed by their IDs (so both sides of a merge often hold the same IDs), with at most one child
    each when `children` (the Node laws cover deeper trees; here nodes are many, so they stay flat)."""
    return st.lists(nodes(int(children), None, 1), max_size=max_size).map(_by_id)


@functools.cache
def topologies(children: bool = False) -> st.SearchStrategy[Topology]:
    """Topologies: a few nodes, and some of the shape, labels, templates and controls."""
    return st.builds(
        Topology,
        nodes=nodes_by_id(children=children),
        shape=st.sampled_from(["", "circle", "square"]),
        tag=st.sampled_from(["", "tag"]),
        label=WORDS,
        label_plural=WORDS,
        controls=sometimes(keyed(controls), {}),
        metadata_templates=sometimes(keyed(metadata_templates), {}),
        metric_templates=sometimes(keyed(metric_templates), {}),
        table_templates=sometimes(keyed(table_templates), {}),
    )


# (ts, window): an unknown time has window 0, as Report documents.
report_spans = st.just((None, 0)) | st.tuples(
    st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=5)
)


def _report(
    topologies: dict[TopologyKind, Topology],
    dns: dict[str, DNSRecord],
    plugins: dict[str, PluginSpec],
    span: tuple[int | None, int],
    shortcut: bool,
    sampling: tuple[int, int],
    report_id: str,
) -> Report:
    return Report(topologies, dns, plugins, span[0], span[1], shortcut, sampling, report_id)


@functools.cache
def reports(max_kinds: int = 2, children: bool = False) -> st.SearchStrategy[Report]:
    """Reports of a few topologies; the `id` is random, since `==` must ignore it."""
    return st.builds(
        _report,
        small_dicts(KINDS, topologies(children), max_size=max_kinds),
        dns_maps,
        keyed(plugin_specs),
        report_spans,
        st.booleans(),
        st.tuples(SMALL_INTS, SMALL_INTS),
        st.text(alphabet="0123456789", max_size=4),
    )

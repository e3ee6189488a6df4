"""Hypothesis strategies, one per report type.

Alphabets are tiny on purpose: two sides of a merge should often share keys, node IDs, timestamps and sample
keys, so that the interesting cases (equal timestamps with different values, one sample seen with two counts,
one node on both sides) happen in most examples rather than almost never. Sizes are small too: the laws are
about how values combine, not about how many there are.
"""

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

# --- LatestMap, Sets ---------------------------------------------------------------------------------------

latest_entries = st.tuples(TIMES, WORDS)
latest_maps = st.dictionaries(KEYS, latest_entries, max_size=2).map(LatestMap)

string_sets = st.frozensets(NONEMPTY_WORDS, min_size=1, max_size=2)
sets = st.dictionaries(KEYS, string_sets, max_size=2).map(Sets)
# A node's parents: topology name -> parent node IDs.
parents = st.dictionaries(
    st.sampled_from(["host", "container"]), st.frozensets(NODE_IDS, min_size=1, max_size=2), max_size=2
).map(Sets)

# --- Metric, Metrics ---------------------------------------------------------------------------------------

metric_samples = st.lists(st.tuples(st.integers(min_value=0, max_value=4), FLOATS), max_size=3)


@st.composite
def metrics_one(draw: st.DrawFn) -> Metric:
    """A Metric as `Metric.of` builds it: bounds from the samples, or reported ones (a capacity)."""
    samples = draw(metric_samples)
    lo = draw(st.none() | FLOATS)
    hi = draw(st.none() | FLOATS)
    return Metric.of(samples, lo, hi)


metrics_map = st.dictionaries(KEYS, metrics_one(), max_size=2).map(Metrics)

# --- edges -------------------------------------------------------------------------------------------------

edge_counts = st.builds(EdgeCounts, SMALL_INTS, SMALL_INTS, SMALL_INTS, SMALL_INTS, SMALL_INTS)
sample_keys = st.tuples(SOURCES, st.integers(min_value=0, max_value=2))
edge_data = st.dictionaries(sample_keys, edge_counts, max_size=2).map(EdgeData)
edges = st.dictionaries(NODE_IDS, edge_data, max_size=2).map(Edges)

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
dns_records = st.builds(
    DNSRecord, st.frozensets(NAMES, max_size=2), st.frozensets(NAMES, max_size=2)
)
dns_maps = st.dictionaries(st.sampled_from(["10.0.0.1", "10.0.0.2"]), dns_records, max_size=2)

# --- Node, Topology, Report --------------------------------------------------------------------------------


@st.composite
def nodes(draw: st.DrawFn, depth: int = 1, node_id: str | None = None, max_children: int = 2) -> Node:
    """A node with every field drawn, and children (each with the child's own ID as key) down to `depth`."""
    children: dict[str, Node] = {}
    if depth > 0:
        for child in draw(st.lists(nodes(depth=depth - 1, max_children=1), max_size=max_children)):
            children[child.id] = child
    return Node(
        id=node_id if node_id is not None else draw(NODE_IDS),
        topology=draw(NODE_TOPOLOGIES),
        latest=draw(latest_maps),
        sets=draw(sets),
        parents=draw(parents),
        adjacency=draw(st.frozensets(NODE_IDS, max_size=2)),
        metrics=draw(metrics_map),
        children=children,
        edges=draw(edges),
    )


@st.composite
def nodes_by_id(draw: st.DrawFn, max_size: int = 2) -> dict[str, Node]:
    """Nodes keyed by their IDs (so both sides of a merge often hold the same IDs), with at most one child."""
    ids = draw(st.lists(NODE_IDS, max_size=max_size, unique=True))
    return {i: draw(nodes(depth=1, node_id=i, max_children=1)) for i in ids}


topologies = st.builds(
    Topology,
    nodes=nodes_by_id(),
    shape=st.sampled_from(["", "circle", "square"]),
    tag=st.sampled_from(["", "tag"]),
    label=WORDS,
    label_plural=WORDS,
    controls=keyed(controls),
    metadata_templates=keyed(metadata_templates),
    metric_templates=keyed(metric_templates),
    table_templates=keyed(table_templates),
)


@st.composite
def report_spans(draw: st.DrawFn) -> tuple[int | None, int]:
    """(ts, window): unknown time has window 0, as Report documents."""
    ts = draw(st.none() | st.integers(min_value=0, max_value=10))
    return (None, 0) if ts is None else (ts, draw(st.integers(min_value=0, max_value=5)))


@st.composite
def reports(draw: st.DrawFn, max_kinds: int = 2) -> Report:
    """A report of a few topologies; its `id` is random, since `==` must ignore it."""
    ts, window = draw(report_spans())
    return Report(
        topologies=draw(st.dictionaries(KINDS, topologies, max_size=max_kinds)),
        dns=draw(dns_maps),
        plugins=draw(keyed(plugin_specs)),
        ts=ts,
        window=window,
        shortcut=draw(st.booleans()),
        sampling=draw(st.tuples(SMALL_INTS, SMALL_INTS)),
        id=draw(st.text(alphabet="0123456789", max_size=4)),
    )


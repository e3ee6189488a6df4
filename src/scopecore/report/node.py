"""Node: one thing in a topology (a process, a container, an endpoint...)."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field, replace

from ._maps import merge_maps
from ._value import value
from .edges import EdgeCounts, EdgeData, Edges
from .latest import LatestMap
from .metrics import Metric, Metrics
from .sets import Sets

try:
    from . import _cmerge
except ImportError:  # not built (no compiler at install time): the Python joins below do the work
    _cmerge = None  # type: ignore[assignment]

_NO_IDS: frozenset[str] = frozenset()
_NO_LATEST, _NO_SETS, _NO_METRICS, _NO_EDGES = LatestMap.empty(), Sets.empty(), Metrics.empty(), Edges.empty()


def _bare(n: "Node") -> bool:
    """True if the node holds nothing but its ID, topology and adjacency (as built: the shared empty values)."""
    return (n.latest is _NO_LATEST and n.sets is _NO_SETS and n.parents is _NO_SETS and n.metrics is _NO_METRICS
            and n.edges is _NO_EDGES and not n.children)


def _max_str(a: str, b: str) -> str:
    # Commutative choice for scalar strings: the empty string loses, otherwise the greater wins.
    return a if a >= b else b


@value
class Node:
    """An immutable report node. Every field is a join-semilattice, and so is the node.

    `topology` is empty on delta-only stubs (parts of a node whose full version a probe sent earlier); Scope
    panics when merging nodes of two topologies, here the greater name wins so merge stays total.
    """

    id: str
    topology: str = ""
    latest: LatestMap = field(default_factory=LatestMap.empty)
    sets: Sets = field(default_factory=Sets.empty)
    parents: Sets = field(default_factory=Sets.empty)
    adjacency: frozenset[str] = _NO_IDS
    metrics: Metrics = field(default_factory=Metrics.empty)
    children: Mapping[str, "Node"] = field(default_factory=dict)
    edges: Edges = field(default_factory=Edges.empty)

    def merge(self, other: "Node") -> "Node":
        """Join, field by field. Returns self (or other) unchanged when the other side adds nothing."""
        return _join(self, other)

    def _with_adjacency(self, more: frozenset[str]) -> "Node":
        # Not dataclasses.replace: it re-reads the field list on every call, and this is the hot path.
        return Node(self.id, self.topology, self.latest, self.sets, self.parents, self.adjacency | more,
                    self.metrics, self.children, self.edges)

    # Copy-on-write helpers (Scope's WithLatest, WithParent, ...). Each is a merge with a one-field node, so
    # none of them can lose data.

    def with_latest(self, ts: int, values: Mapping[str, str]) -> "Node":
        """With these latest values stamped at ts."""
        return replace(self, latest=self.latest.merge(LatestMap.of(values, ts)))

    def with_sets(self, values: Mapping[str, Iterable[str]]) -> "Node":
        """With these strings added to sets."""
        return replace(self, sets=self.sets.merge(Sets.of(values)))

    def with_parent(self, topology: str, *parent_ids: str) -> "Node":
        """With these parents in a topology."""
        return replace(self, parents=self.parents.add(topology, *parent_ids))

    def with_adjacent(self, *target_ids: str) -> "Node":
        """With edges to these node IDs."""
        return replace(self, adjacency=self.adjacency | frozenset(target_ids))

    def with_metric(self, name: str, metric: Metric) -> "Node":
        """With a metric joined in."""
        return replace(self, metrics=self.metrics.merge(Metrics({name: metric})))

    def with_edge_sample(self, target: str, source: str, ts: int, counts: EdgeCounts) -> "Node":
        """With an edge to target and one sample of its L4 data."""
        edges = self.edges.merge(Edges({target: EdgeData({(source, ts): counts})}))
        return replace(self, adjacency=self.adjacency | {target}, edges=edges)

    def with_child(self, child: "Node") -> "Node":
        """With a child node (render time)."""
        return replace(self, children=merge_maps(self.children, {child.id: child}, _join))

    def with_topology(self, topology: str) -> "Node":
        """Relabelled to another topology (render time)."""
        return replace(self, topology=topology)


def _merge_py(self: Node, other: Node) -> Node:
    """Node.merge in Python: the reference that cext/cmerge.c mirrors, and what it hands rare shapes to."""
    if other is self:
        return self
    # Most joins in a merged window are of a node with a stub of itself (the far end of a connection, as the
    # other host saw it: an ID and maybe adjacency). Identity checks against the empty values settle them.
    if other.id == self.id and other.topology == self.topology:
        if _bare(other):
            return self if other.adjacency <= self.adjacency else self._with_adjacency(other.adjacency)
        if _bare(self):
            return other if self.adjacency <= other.adjacency else other._with_adjacency(self.adjacency)
    sl, ol = self.latest, other.latest
    latest = sl if not ol.entries or ol is sl else ol if not sl.entries else sl.merge(ol)
    ss, os_ = self.sets, other.sets
    sets = ss if not os_.entries or os_ is ss else os_ if not ss.entries else ss.merge(os_)
    sp, op = self.parents, other.parents
    parents = sp if not op.entries or op is sp else op if not sp.entries else sp.merge(op)
    adj = self.adjacency
    oadj = other.adjacency
    if oadj and oadj is not adj and not oadj <= adj:
        adj = oadj if adj <= oadj else adj | oadj
    sm, om = self.metrics, other.metrics
    metrics = sm if not om.entries or om is sm else om if not sm.entries else sm.merge(om)
    children = self.children
    if other.children:
        children = merge_maps(children, other.children, _join)
    edges = self.edges
    if other.edges.entries:
        edges = edges.merge(other.edges)
    topology = self.topology
    if other.topology != topology:
        topology = _max_str(topology, other.topology)
    node_id = self.id
    if other.id != node_id:
        node_id = _max_str(node_id, other.id)
    if (
        latest is sl and sets is ss and parents is sp and adj is self.adjacency and metrics is sm
        and children is self.children and edges is self.edges and topology == self.topology
        and node_id == self.id
    ):
        return self
    if (
        latest is ol and sets is os_ and parents is op and (adj is other.adjacency or adj == other.adjacency)
        and metrics is om
        and children is other.children and edges is other.edges and topology == other.topology
        and node_id == other.id
    ):
        return other
    return Node(node_id, topology, latest, sets, parents, adj, metrics, children, edges)


def _maps_merge_py(a: Mapping[str, Node], b: Mapping[str, Node]) -> Mapping[str, Node]:
    return merge_maps(a, b, _join)


def _maps_merge_all_py(maps: Sequence[Mapping[str, Node]]) -> dict[str, Node]:
    out = dict(maps[0]) if maps else {}
    for m in maps[1:]:
        get = out.get
        for k, n in m.items():
            cur = get(k)
            out[k] = n if cur is None else _join(cur, n)
    return out


# The C twin (cext/cmerge.c), when it was built: 5-10x faster on the joins of a merged window.
# tests/laws/test_native_merge.py holds it to the Python functions' results.
_join: Callable[[Node, Node], Node] = _merge_py
merge_node_maps: Callable[[Mapping[str, Node], Mapping[str, Node]], Mapping[str, Node]] = _maps_merge_py
"""merge_maps of two {id: Node} maps: a or b itself when the other adds nothing."""
merge_node_maps_all: Callable[[Sequence[Mapping[str, Node]]], dict[str, Node]] = _maps_merge_all_py
"""A new dict, the join of many {id: Node} maps (the first copied, the others folded in)."""
if _cmerge is not None:
    _cmerge.bind(Node, LatestMap, Sets, Metrics, Metric, _NO_LATEST, _NO_SETS, _NO_METRICS, _NO_EDGES, _merge_py)
    _join, merge_node_maps = _cmerge.node_merge, _cmerge.node_maps_merge
    merge_node_maps_all = _cmerge.node_maps_merge_all

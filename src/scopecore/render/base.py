"""The render pipeline's values: rendered nodes, a renderer's result, the Renderer protocol, and the context one
render runs in (the report, an injected memo cache, and what is derived from the report once).

A rendered node is either a report `Node` passed through untouched or an `RNode`: the same fields in a tuple,
which Python builds four times faster than the frozen dataclass. A render builds each output node once, from
dicts it filled (Scope's joinResults), and never copies a Report.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Set
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ..report._maps import merge_maps
from ..report.edges import Edges
from ..report.kinds import TopologyKind
from ..report.latest import LatestMap
from ..report.metrics import Metrics
from ..report.node import Node
from ..report.report import Report
from ..report.sets import Sets
from ..report.topology import Topology

if TYPE_CHECKING:
    from .pseudo import Networks

NO_IDS: frozenset[str] = frozenset()
EMPTY_LATEST = LatestMap.empty()
EMPTY_SETS = Sets.empty()
EMPTY_METRICS = Metrics.empty()
EMPTY_EDGES = Edges.empty()
NO_CHILDREN: Mapping[str, "AnyNode"] = {}


class RNode(NamedTuple):
    """A node made at render time: field for field a report Node, with `children` filled in."""

    id: str
    topology: str
    latest: LatestMap
    sets: Sets
    parents: Sets
    adjacency: frozenset[str]
    metrics: Metrics
    children: "Mapping[str, Node | RNode]"
    edges: Edges


AnyNode = Node | RNode


def make_node(node_id: str, topology: str, children: Mapping[str, AnyNode] = NO_CHILDREN) -> RNode:
    """A node with only an ID, a topology and children (Scope's MakeNode(id).WithTopology(t))."""
    return RNode(node_id, topology, EMPTY_LATEST, EMPTY_SETS, EMPTY_SETS, NO_IDS, EMPTY_METRICS, children,
                 EMPTY_EDGES)


def rebuild(n: AnyNode, adjacency: frozenset[str] | None = None, children: Mapping[str, AnyNode] | None = None,
            latest: LatestMap | None = None, parents: Sets | None = None, metrics: Metrics | None = None,
            node_id: str | None = None, topology: str | None = None) -> RNode:
    """n with some fields replaced."""
    return RNode(
        n.id if node_id is None else node_id,
        n.topology if topology is None else topology,
        n.latest if latest is None else latest,
        n.sets,
        n.parents if parents is None else parents,
        n.adjacency if adjacency is None else adjacency,
        n.metrics if metrics is None else metrics,
        n.children if children is None else children,
        n.edges,
    )


def merge_children(a: Mapping[str, AnyNode], b: Mapping[str, AnyNode]) -> Mapping[str, AnyNode]:
    """Union of two children maps; a child present on both sides is merged (Scope keeps either one)."""
    return merge_maps(a, b, merge_nodes)


def merge_nodes(a: AnyNode, b: AnyNode) -> AnyNode:
    """Join of two rendered nodes with one ID: every field merged, adjacency and children united."""
    if a is b:
        return a
    adjacency = a.adjacency
    if not b.adjacency <= adjacency:
        adjacency = b.adjacency if adjacency <= b.adjacency else adjacency | b.adjacency
    ta, tb = a.topology, b.topology
    return RNode(
        a.id or b.id,
        # Scope panics on two topologies; a non-empty one wins, then the greater, so merge stays commutative.
        ta if ta >= tb else tb,
        a.latest.merge(b.latest),
        a.sets.merge(b.sets),
        a.parents.merge(b.parents),
        adjacency,
        a.metrics.merge(b.metrics),
        merge_children(a.children, b.children),
        a.edges.merge(b.edges),
    )


def count_children(n: AnyNode, topology: str) -> int:
    """How many children of this topology n has (Scope's CountChildrenOfTopology, and its counters)."""
    c = 0
    for child in n.children.values():
        if child.topology == topology:
            c += 1
    return c


class Nodes(NamedTuple):
    """What a renderer returns: nodes by ID, how many were filtered out on the way, and (from ColorConnected)
    the IDs of nodes with an edge to or from another node."""

    nodes: Mapping[str, AnyNode]
    filtered: int = 0
    connected: Set[str] | None = None


EMPTY_NODES = Nodes({})


class Renderer(Protocol):
    """Something that turns the report of a context into nodes (Scope's Renderer)."""

    def render(self, ctx: "RenderContext") -> Nodes:
        """The rendered nodes."""
        ...


class RenderCache(Protocol):
    """Where Memoise keeps results across renders, injected by the caller (Scope's global renderCache)."""

    def get(self, key: Hashable) -> Any:
        """The value stored under key, or None."""
        ...

    def put(self, key: Hashable, value: Any) -> None:
        """Store value under key."""
        ...


class LRUCache:
    """A RenderCache keeping the `maxsize` most recently used entries (Scope keeps 100)."""

    def __init__(self, maxsize: int = 100) -> None:
        self.maxsize = maxsize
        self._d: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        """The value under key (now the most recently used), or None."""
        v = self._d.get(key)
        if v is not None:
            self._d.move_to_end(key)
        return v

    def put(self, key: Hashable, value: Any) -> None:
        """Store value, evicting the least recently used entry when full."""
        self._d[key] = value
        self._d.move_to_end(key)
        while len(self._d) > self.maxsize:
            self._d.popitem(last=False)

    def __len__(self) -> int:
        return len(self._d)


Foreign = Callable[[str], tuple[str, ...]]


class Window(Protocol):
    """What rendering one part of a window of reports needs to know about the other parts (incremental.py)."""

    def networks(self) -> "Networks":
        """Local networks of every host in the window."""
        ...

    def dns(self) -> Mapping[str, Any]:
        """DNS records of the whole window."""
        ...

    def has_nodes(self, kinds: tuple[TopologyKind, ...]) -> bool:
        """True if any report of the window has nodes of these kinds."""
        ...

    def owned_elsewhere(self, endpoint_id: str) -> bool:
        """True if another part reports this endpoint with its host (that part maps it, with its edges)."""
        ...

    def has_adjacency(self, endpoint_id: str) -> bool:
        """True if any part gives this endpoint an edge (Scope tells inbound from outbound Internet by it)."""
        ...

    def endpoint(self, endpoint_id: str, local: "AnyNode") -> "AnyNode":
        """This part's endpoint merged with the copies other parts report (their edges, mostly)."""
        ...

    def ip_nodes(self, kind: TopologyKind) -> Mapping[str, str]:
        """Addresses claimed by nodes of `kind` across the window ("" where two nodes claim one)."""
        ...

    def join(self, stage: Hashable, mapped: Mapping[str, str], multi: Mapping[str, list[str]],
             inputs: Mapping[str, "AnyNode"]) -> Foreign | None:
        """Learn where this part's join `stage` mapped its inputs; return how to map a node of another part."""
        ...

    def alive(self, stage: Hashable, kept: Mapping[str, "AnyNode"]) -> Callable[[str], bool] | None:
        """Learn which nodes this part's filter `stage` kept; return whether another part's node was kept."""
        ...


class RenderContext:
    """One render of one report: memoised renderer results, and report-derived values computed once.

    `cache` (optional) keeps results across renders of the same report object, keyed by renderer and report
    identity; without it, results are shared only within this context. `window` is set when the report is
    one part of a window rendered part by part (incremental.py).
    """

    __slots__ = ("_derived", "_memo", "cache", "report", "window")

    def __init__(self, report: Report, cache: RenderCache | None = None, window: Window | None = None) -> None:
        self.report = report
        self.cache = cache if window is None else None  # a part's results depend on its window too
        self.window = window
        self._memo: dict[Hashable, Any] = {}
        self._derived: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """compute() once per report for this key: in this context, and in the injected cache if any."""
        v = self._memo.get(key)
        if v is not None:
            return v
        cache = self.cache
        if cache is not None:
            # Keyed by identity, and the report kept with the value so that its id cannot be reused.
            ck = (key, id(self.report), self.report.id)
            hit = cache.get(ck)
            if hit is not None and hit[0] is self.report:
                v = hit[1]
                self._memo[key] = v
                return v
        v = compute()
        self._memo[key] = v
        if cache is not None:
            cache.put(ck, (self.report, v))
        return v

    def nodes(self, kind: TopologyKind) -> Mapping[str, Node]:
        """The report's nodes of a kind, without delta-only stubs (nodes with no topology), which Scope drops
        before rendering (UnsafeRemovePartMergedNodes)."""
        got = self._derived.get(kind)
        if got is None:
            nodes = self.report.nodes(kind)
            for n in nodes.values():
                if not n.topology:
                    nodes = {k: v for k, v in nodes.items() if v.topology}
                    break
            self._derived[kind] = got = nodes
        return got

    def topology(self, kind: TopologyKind) -> Topology:
        """The report's topology of a kind (shape, labels, templates)."""
        return self.report.topology(kind)

    def derived(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """A value derived from the report, computed once per context."""
        got = self._derived.get(key)
        if got is None:
            self._derived[key] = got = compute()
        return got

    def has_derived(self, key: Hashable) -> bool:
        """True if a value was derived under this key already."""
        return key in self._derived

    def has_nodes(self, *kinds: TopologyKind) -> bool:
        """True if the report (or its window) has nodes of any of these kinds."""
        if self.window is not None:
            return self.window.has_nodes(kinds)
        return any(self.nodes(k) for k in kinds)


def walk(renderer: Renderer) -> Iterable[Renderer]:
    """Every renderer reachable from this one (itself first), through their `inputs`."""
    seen: set[int] = set()
    stack = [renderer]
    while stack:
        r = stack.pop()
        if id(r) in seen:
            continue
        seen.add(id(r))
        yield r
        stack.extend(getattr(r, "inputs", ()))

"""Renderer combinators (Scope's render/render.go and filters.go): select, map, reduce, filter, conditional,
memoise, and custom passes over a whole rendered node set. Views are declared from these in views.py.

A map step sees one input node and a Join, and says where the node goes (`join.add_child(...)` and friends);
the combinator builds the output nodes and rewrites edges once, at the end.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping

from ..report.kinds import TopologyKind
from .base import EMPTY_NODES, AnyNode, Nodes, RenderContext, Renderer, RNode, merge_nodes
from .join import Join

FilterFunc = Callable[[AnyNode], bool]
MapStep = Callable[[AnyNode, Join, RenderContext], None]
# A map step over all inputs at once (for the big maps, where a call per node costs).
BatchStep = Callable[[Mapping[str, AnyNode], Join, RenderContext], None]
Condition = Callable[[RenderContext], bool]


class Select:
    """The nodes of one report topology, as they are (Scope's TopologySelector)."""

    inputs: tuple[Renderer, ...] = ()

    def __init__(self, kind: TopologyKind) -> None:
        self.kind = kind

    def render(self, ctx: RenderContext) -> Nodes:
        """The report's nodes of this kind."""
        return Nodes(ctx.nodes(self.kind))

    def __repr__(self) -> str:
        return f"Select({self.kind.value})"


class Map:
    """Each node of `inner` mapped by `step` into a Join; edges follow their nodes (Scope's Map and the custom
    joins built on joinResults). `initial` seeds the output with another renderer's nodes."""

    def __init__(self, name: str, step: MapStep, inner: Renderer, initial: Renderer | None = None,
                 ordered: bool = False, batch: BatchStep | None = None) -> None:
        self.name = name
        self.step = step
        self.batch = batch  # does what `step` does, for all inputs in one call
        self.inner = inner
        self.initial = initial
        self.ordered = ordered  # visit inputs in ID order, for steps where the first one wins
        self.inputs: tuple[Renderer, ...] = (inner,) if initial is None else (inner, initial)

    def render(self, ctx: RenderContext) -> Nodes:
        """Map every input node, then rewrite edges."""
        inputs = self.inner.render(ctx).nodes
        join = Join(self.initial.render(ctx).nodes if self.initial is not None else None)
        if self.batch is not None:
            self.batch(inputs, join, ctx)
        else:
            step = self.step
            for n in (inputs.values() if not self.ordered else [inputs[k] for k in sorted(inputs)]):
                step(n, join, ctx)
        return join.result(inputs, ctx, self)

    def __repr__(self) -> str:
        return f"Map({self.name})"


class Reduce:
    """The join of several renderers' outputs (nodes with one ID merged; filtered counts summed)."""

    def __init__(self, *renderers: Renderer) -> None:
        self.inputs: tuple[Renderer, ...] = renderers

    def render(self, ctx: RenderContext) -> Nodes:
        """Render each input and merge."""
        return merge_all([r.render(ctx) for r in self.inputs])

    def __repr__(self) -> str:
        return f"Reduce{self.inputs!r}"


def merge_all(results: Iterable[Nodes]) -> Nodes:
    """Join of several render results: nodes with one ID merged, filtered counts summed."""
    parts: list[Mapping[str, AnyNode]] = []
    filtered = 0
    for r in results:
        filtered += r.filtered
        if r.nodes:
            parts.append(r.nodes)
    if not parts:
        return Nodes({}, filtered)
    if len(parts) == 1:
        return Nodes(parts[0], filtered)
    parts.sort(key=len, reverse=True)
    out = dict(parts[0])
    for nodes in parts[1:]:
        if out.keys().isdisjoint(nodes.keys()):
            out.update(nodes)
            continue
        for k, v in nodes.items():
            cur = out.get(k)
            out[k] = v if cur is None else merge_nodes(cur, v)
    return Nodes(out, filtered)


class Filter:
    """The nodes of `inner` for which `keep` holds, with edges to removed nodes cut. Pseudo nodes are kept
    unless `pseudo` is set (Scope's MakeFilter and MakeFilterPseudo)."""

    def __init__(self, name: str, keep: FilterFunc, inner: Renderer, pseudo: bool = False) -> None:
        self.name = name
        self.keep = keep
        self.inner = inner
        self.pseudo = pseudo
        self.inputs: tuple[Renderer, ...] = (inner,)

    def render(self, ctx: RenderContext) -> Nodes:
        """Filter the inner nodes."""
        keep = self.keep
        if not self.pseudo:
            inner_keep = keep

            def keep(n: AnyNode) -> bool:
                return n.topology == "pseudo" or inner_keep(n)

        return apply_filter(self.inner.render(ctx), keep, ctx, self)

    def __repr__(self) -> str:
        return f"Filter({self.name})"


def apply_filter(nodes: Nodes, keep: FilterFunc, ctx: RenderContext | None = None,
                 stage: Hashable = None) -> Nodes:
    """Scope's FilterFunc.Transform: drop nodes, count them, and cut every edge to a node not in the output.

    Renderers here never make an edge to a node missing from their output (joins map edges to nodes they
    made), so outside a window only edges to dropped nodes need cutting. In a window an edge may point at
    another part's node: it stays if that part kept it.
    The connected set a ColorConnected noted stays valid when only nodes without edges were dropped and no
    edge was cut; otherwise it is dropped, to be worked out again by whoever needs it."""
    src = nodes.nodes
    out = {k: n for k, n in src.items() if keep(n)}
    window = ctx.window if ctx is not None else None
    conn = nodes.connected
    if len(out) == len(src) and window is None:
        return Nodes(out, nodes.filtered, conn)
    removed = src.keys() - out.keys()
    if conn is not None:
        for k in removed:
            adj = src[k].adjacency
            if adj and not (len(adj) == 1 and k in adj):
                conn = None
                break
    if window is None:
        for k, n in out.items():
            adj = n.adjacency
            if adj and not adj.isdisjoint(removed):
                conn = None
                out[k] = RNode(n.id, n.topology, n.latest, n.sets, n.parents, adj - removed, n.metrics,
                               n.children, n.edges)
        return Nodes(out, nodes.filtered + len(removed), conn)
    alive = window.alive(stage, out)
    keys = out.keys()
    for k, n in out.items():
        adj = n.adjacency
        if adj and not adj <= keys:
            kept = frozenset(a for a in adj if a in keys or (alive is not None and alive(a)))
            if kept != adj:
                conn = None
                out[k] = RNode(n.id, n.topology, n.latest, n.sets, n.parents, kept, n.metrics, n.children,
                               n.edges)
    return Nodes(out, nodes.filtered + len(removed), conn)


class Conditional:
    """`inner` if `condition` holds for the report, else nothing (Scope's ConditionalRenderer)."""

    def __init__(self, name: str, condition: Condition, inner: Renderer) -> None:
        self.name = name
        self.condition = condition
        self.inner = inner
        self.inputs: tuple[Renderer, ...] = (inner,)

    def render(self, ctx: RenderContext) -> Nodes:
        """Render inner when the condition holds."""
        return self.inner.render(ctx) if self.condition(ctx) else EMPTY_NODES

    def __repr__(self) -> str:
        return f"Conditional({self.name})"


class Memoise:
    """`inner`, rendered once per report (per context, and across renders through an injected cache)."""

    def __init__(self, inner: Renderer) -> None:
        self.inner = inner
        self.inputs: tuple[Renderer, ...] = (inner,)

    def render(self, ctx: RenderContext) -> Nodes:
        """The memoised result."""
        got: Nodes = ctx.memo(self, lambda: self.inner.render(ctx))
        return got

    def __repr__(self) -> str:
        return f"Memoise({self.inner!r})"


class Custom:
    """A pass over all of `inner`'s nodes at once (Scope's CustomRenderer)."""

    def __init__(self, name: str, fn: Callable[[Nodes, RenderContext], Nodes], inner: Renderer) -> None:
        self.name = name
        self.fn = fn
        self.inner = inner
        self.inputs: tuple[Renderer, ...] = (inner,)

    def render(self, ctx: RenderContext) -> Nodes:
        """fn over the inner nodes."""
        return self.fn(self.inner.render(ctx), ctx)

    def __repr__(self) -> str:
        return f"Custom({self.name})"


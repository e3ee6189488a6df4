"""Join: the one place rendered nodes are built (Scope's joinResults, render/render.go).

A join maps input nodes (endpoints, processes, containers...) to output nodes, collecting each input as a child
of its output, then rewrites every input edge a -> b into mapped(a) -> mapped(b). Output nodes are built once
at the end from the dicts filled on the way; an output node that gained nothing is the input object itself.

When the report is one part of a window (incremental.py), an edge may point at a node of another part: the
window says where that node was mapped (`foreign`), and learns this part's mapping in return.
"""

from collections.abc import Hashable, Iterable, Mapping

from .base import NO_IDS, AnyNode, Foreign, Nodes, RenderContext, RNode, make_node, merge_children, merge_nodes


class Join:
    """Output nodes being built from input nodes, and which input went to which output."""

    __slots__ = ("adds", "children", "edge_sources", "edges", "mapped", "multi", "nodes")

    def __init__(self, initial: Mapping[str, AnyNode] | None = None) -> None:
        # Base of each output node; its own adjacency is dropped: edges come only from the rewrite.
        self.nodes: dict[str, AnyNode] = dict(initial) if initial else {}
        self.adds: dict[str, list[AnyNode]] = {}  # output ID -> nodes a map function returned, to merge
        self.children: dict[str, dict[str, AnyNode]] = {}  # output ID -> children added
        self.mapped: dict[str, str] = {}  # input ID -> output ID
        self.multi: dict[str, list[str]] = {}  # input ID -> further output IDs (rare: Map2Parent)
        # Output ID and input edges of every mapped input with edges, collected as inputs are mapped. Two
        # lists, not a list of pairs: a pair per endpoint would be a tracked object for the cycle collector.
        self.edge_sources: list[str] = []
        self.edges: list[frozenset[str]] = []

    def _map(self, m: AnyNode, dst: str) -> None:
        src = m.id
        cur = self.mapped.get(src)
        if cur is None:
            self.mapped[src] = dst
            if m.adjacency:
                self.edge_sources.append(dst)
                self.edges.append(m.adjacency)
        elif cur != dst:
            self.multi.setdefault(src, []).append(dst)

    def _child_slot(self, out_id: str, topology: str) -> dict[str, AnyNode]:
        slot = self.children.get(out_id)
        if slot is None:
            if out_id not in self.nodes and out_id not in self.adds:
                self.nodes[out_id] = make_node(out_id, topology)
            self.children[out_id] = slot = {}
        return slot

    def add(self, src: str, node: AnyNode) -> None:
        """A map function's output for input `src` (merged with any other output of the same ID)."""
        lst = self.adds.get(node.id)
        if lst is None:
            self.adds[node.id] = [node]
        else:
            lst.append(node)
        cur = self.mapped.get(src)
        if cur is None:
            self.mapped[src] = node.id
            if node.adjacency:
                self.edge_sources.append(node.id)
                self.edges.append(node.adjacency)
        elif cur != node.id:
            self.multi.setdefault(src, []).append(node.id)

    def add_unmapped_child(self, m: AnyNode, out_id: str, topology: str) -> None:
        """m as a child of out_id (created in `topology` if new), without mapping m's edges."""
        self._child_slot(out_id, topology)[m.id] = m

    def add_child(self, m: AnyNode, out_id: str, topology: str) -> None:
        """m as a child of out_id, its edges following it there."""
        self._child_slot(out_id, topology)[m.id] = m
        self._map(m, out_id)

    def add_child_and_children(self, m: AnyNode, out_id: str, topology: str) -> None:
        """m and m's children as children of out_id, m's edges following it there."""
        slot = self._child_slot(out_id, topology)
        slot[m.id] = m
        if m.children:
            slot.update(m.children)
        self._map(m, out_id)

    def add_with(self, m: AnyNode, out_id: str, base: AnyNode) -> None:
        """Like add_child_and_children, but a new output node starts as `base` (Scope's addWithCreate)."""
        if out_id not in self.nodes:
            self.nodes[out_id] = base
        self.add_child_and_children(m, out_id, base.topology)

    def pass_through(self, n: AnyNode) -> None:
        """n as its own output (pseudo nodes mostly)."""
        self.nodes[n.id] = n
        self._map(n, n.id)

    def group(self, pairs: Iterable[tuple[AnyNode, str]], topology: str, with_children: bool) -> None:
        """Many add_child (or add_child_and_children) at once, for inputs seen for the first time: the hot
        loop of the big maps (processes to containers, names, hosts)."""
        children, nodes, adds, mapped = self.children, self.nodes, self.adds, self.mapped
        sources, edges = self.edge_sources, self.edges
        for m, out in pairs:
            slot = children.get(out)
            if slot is None:
                if out not in nodes and out not in adds:
                    nodes[out] = make_node(out, topology)
                children[out] = slot = {}
            slot[m.id] = m
            if with_children and m.children:
                slot.update(m.children)
            mapped[m.id] = out
            if m.adjacency:
                sources.append(out)
                edges.append(m.adjacency)

    def result(self, inputs: Mapping[str, AnyNode], ctx: RenderContext, stage: Hashable,
               filtered: int = 0, resolve_all: bool = False) -> Nodes:
        """The output nodes, with the inputs' edges rewritten to output IDs.

        In a window, an edge to a node this part does not have (or, with `resolve_all`, did not map) goes
        where the part that has it mapped it."""
        mapped, multi = self.mapped, self.multi
        window = ctx.window
        foreign = None if window is None else window.join(stage, mapped, multi, inputs)
        adj: dict[str, set[str]] = {}
        adj_get, mapped_get, inputs_get = adj.get, mapped.get, inputs.get
        for out, nadj in zip(self.edge_sources, self.edges, strict=True):
            s = adj_get(out)
            for a in nadj:
                d = mapped_get(a)
                if d is not None:
                    if s is None:
                        adj[out] = s = {d}
                    else:
                        s.add(d)
                    if multi and a in multi:
                        s.update(multi[a])
                elif foreign is not None and (resolve_all or a not in inputs):
                    more = foreign(a)
                    if more:
                        if s is None:
                            adj[out] = s = set(more)
                        else:
                            s.update(more)
        if multi:
            # Inputs mapped to several outputs give their edges to each.
            for src, outs in multi.items():
                n = inputs_get(src)
                if n is None or not n.adjacency:
                    continue
                targets = self._targets(n.adjacency, foreign, inputs, resolve_all)
                for other in outs:
                    adj.setdefault(other, set()).update(targets)
        return Nodes(self.build(adj), filtered)

    def _targets(self, adjacency: frozenset[str], foreign: "Foreign | None", inputs: Mapping[str, AnyNode],
                 resolve_all: bool) -> set[str]:
        out: set[str] = set()
        for a in adjacency:
            d = self.mapped.get(a)
            if d is not None:
                out.add(d)
                out.update(self.multi.get(a, ()))
            elif foreign is not None and (resolve_all or a not in inputs):
                out.update(foreign(a))
        return out

    def build(self, adj: Mapping[str, set[str]]) -> dict[str, AnyNode]:
        """Output nodes from bases, added nodes, children and edges."""
        out: dict[str, AnyNode] = {}
        children = self.children
        nodes = self.nodes
        for oid, added in self.adds.items():
            base = nodes.get(oid)
            merged = added[0] if base is None else base
            for extra in (added if base is not None else added[1:]):
                merged = merge_nodes(merged, extra)
            nodes[oid] = merged
        for oid, base in nodes.items():
            ch = children.get(oid)
            a = adj.get(oid)
            if ch is None and a is None and not base.adjacency:
                out[oid] = base
                continue
            kids = base.children if ch is None else (merge_children(base.children, ch) if base.children else ch)
            out[oid] = RNode(base.id, base.topology, base.latest, base.sets, base.parents,
                             frozenset(a) if a else NO_IDS, base.metrics, kids, base.edges)
        return out

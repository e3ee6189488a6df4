"""Rendered: one view of one report, as the API serves it (GET /api/topology/<id>)."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import compress
from operator import is_not
from typing import Any, cast

from ..report import ids
from .base import AnyNode, Nodes
from .censor import NO_CENSOR, Censor
from .summary import Summary, SummaryContext, summarize, summarize_all


class SummaryMemo:
    """Summaries kept by node identity, so that a node object rendered again is not summarised again
    (incremental rendering reuses the node objects of parts that did not change)."""

    __slots__ = ("_d", "context")

    def __init__(self, context: SummaryContext) -> None:
        self.context = context
        self._d: dict[str, tuple[AnyNode, Summary | None]] = {}

    def get(self, n: AnyNode) -> Summary | None:
        """The summary of n, reused if this very node object was summarised before."""
        hit = self._d.get(n.id)
        if hit is not None and hit[0] is n:
            return hit[1]
        s = summarize(n, self.context)
        self._d[n.id] = (n, s)
        return s

    def get_all(self, nodes: Sequence[AnyNode]) -> list[Summary | None]:
        """get() of each node; those not summarised before are summarised together (summarize_all's passes)."""
        d = self._d
        out: list[Summary | None] = []
        missed: list[int] = []
        for i, n in enumerate(nodes):
            hit = d.get(n.id)
            if hit is not None and hit[0] is n:
                out.append(hit[1])
            else:
                out.append(None)
                missed.append(i)
        if missed:
            todo = [nodes[i] for i in missed]
            for i, n, s in zip(missed, todo, summarize_all(todo, self.context), strict=True):
                out[i] = s
                d[n.id] = (n, s)
        return out

    def retain(self, keep: Mapping[str, AnyNode]) -> None:
        """Forget summaries of nodes no longer rendered."""
        if len(self._d) > len(keep):
            self._d = {k: v for k, v in self._d.items() if k in keep}


class Rendered:
    """The nodes of a view after its options, and their NodeSummaries (made on first use)."""

    def __init__(self, topology_id: str, nodes: Nodes, context: SummaryContext,
                 memo: SummaryMemo | None = None, censor: Censor = NO_CENSOR,
                 previous: "Rendered | None" = None) -> None:
        self.topology_id = topology_id
        self.censor = censor
        # The render this one follows: summaries of the very same node objects are taken from it. Only one
        # whose summaries were made is kept, so renders never chain up in memory.
        ok = previous is not None and previous._summaries is not None and previous.censor == censor
        self._previous = previous if ok else None
        self.nodes: Mapping[str, AnyNode] = nodes.nodes
        self.filtered = nodes.filtered
        self.context = context
        self._memo = memo
        self._summaries: dict[str, Summary] | None = None

    def summaries(self) -> Mapping[str, Summary]:
        """NodeSummary of every node Scope shows, by ID. Treat as read-only: they may be shared."""
        if self._summaries is None:
            out: dict[str, Summary] = {}
            todo: Iterable[str] = self.nodes
            prev = self._previous
            if prev is not None and prev._summaries is not None:
                # Keep the summaries of nodes that are the same objects as last time; find the others with
                # C-speed passes (this runs on every incremental update, over every node).
                keys = list(self.nodes)
                prev_nodes, prev_summaries = prev.nodes, prev._summaries
                changed = map(is_not, map(self.nodes.__getitem__, keys), map(prev_nodes.get, keys))
                todo = list(compress(keys, changed))
                out = dict(prev_summaries)
                for k in prev_summaries.keys() - self.nodes.keys():
                    del out[k]
                for k in todo:
                    out.pop(k, None)
            self._previous = None  # do not keep a chain of renders alive
            censor = self.censor if self.censor else None
            made = self._summarize(todo)
            out.update(made if censor is None else ((k, censor.apply(s)) for k, s in made))
            if self._memo is not None:
                self._memo.retain(self.nodes)
            self._summaries = out
        return self._summaries

    def _summarize(self, todo: Iterable[str]) -> Iterator[tuple[str, Summary]]:
        """(ID, summary) of these nodes that Scope shows, in order (from the memo where there is one)."""
        nodes = self.nodes
        keys = list(todo)
        values = list(nodes.values()) if todo is nodes else list(map(nodes.__getitem__, keys))
        made = self._memo.get_all(values) if self._memo is not None else summarize_all(values, self.context)
        shown = compress(zip(keys, made, strict=True), made)  # summaries are never empty: None is a node not shown
        return cast(Iterator[tuple[str, Summary]], shown)

    def summary(self, node_id: str) -> Summary | None:
        """The NodeSummary of one node, or None."""
        if self._summaries is not None:
            return self._summaries.get(node_id)
        n = self.nodes.get(node_id)
        if n is None:
            return None
        s = self._memo.get(n) if self._memo is not None else summarize(n, self.context)
        return self.censor.apply(s) if s is not None and self.censor else s

    def to_json(self) -> dict[str, Any]:
        """The body of GET /api/topology/<id>: {"nodes": {id: NodeSummary}}."""
        return {"nodes": dict(self.summaries())}

    def stats(self) -> dict[str, int]:
        """node_count, nonpseudo_node_count, edge_count, filtered_nodes (as in GET /api/topology)."""
        nodes = self.nodes.values()
        return {
            "node_count": len(self.nodes),
            "nonpseudo_node_count": sum(1 for n in nodes if n.topology != ids.PSEUDO),
            "edge_count": sum(len(n.adjacency) for n in nodes),
            "filtered_nodes": self.filtered,
        }

    def __len__(self) -> int:
        return len(self.nodes)

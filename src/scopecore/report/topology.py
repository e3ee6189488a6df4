"""Topology: the nodes of one kind, and how to show them."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field, replace

from ._maps import merge_maps
from ._value import value
from .node import Node, _max_str
from .templates import Control, MetadataTemplate, MetricTemplate, TableTemplate, merge_picked


def _merge_node(a: Node, b: Node) -> Node:
    return a.merge(b)


@value
class Topology:
    """Nodes by ID, plus the shape, labels, templates and controls of this kind of node."""

    nodes: Mapping[str, Node] = field(default_factory=dict)
    shape: str = ""
    tag: str = ""
    label: str = ""
    label_plural: str = ""
    controls: Mapping[str, Control] = field(default_factory=dict)
    metadata_templates: Mapping[str, MetadataTemplate] = field(default_factory=dict)
    metric_templates: Mapping[str, MetricTemplate] = field(default_factory=dict)
    table_templates: Mapping[str, TableTemplate] = field(default_factory=dict)

    @staticmethod
    def empty() -> "Topology":
        """The identity of merge."""
        return EMPTY

    def merge(self, other: "Topology") -> "Topology":
        """Join: nodes per ID, templates and controls per ID (by priority, then a total order); for shape and
        labels a non-empty value beats an empty one (Scope: first non-empty), and the greater of two wins."""
        if other is self:
            return self
        for a, b in ((self, other), (other, self)):
            if not b.nodes and b.is_metadata_of(a):
                return a
        return Topology(
            nodes=merge_maps(self.nodes, other.nodes, _merge_node),
            shape=_max_str(self.shape, other.shape),
            tag=_max_str(self.tag, other.tag),
            label=_max_str(self.label, other.label),
            label_plural=_max_str(self.label_plural, other.label_plural),
            controls=merge_picked(self.controls, other.controls),
            metadata_templates=merge_picked(self.metadata_templates, other.metadata_templates),
            metric_templates=merge_picked(self.metric_templates, other.metric_templates),
            table_templates=merge_picked(self.table_templates, other.table_templates),
        )

    def is_metadata_of(self, other: "Topology") -> bool:
        """True if merging self's shape, labels, templates and controls into other changes nothing."""
        return (
            (not self.shape or self.shape == other.shape)
            and (not self.tag or self.tag == other.tag)
            and (not self.label or self.label == other.label)
            and (not self.label_plural or self.label_plural == other.label_plural)
            and all(other.controls.get(k) == v for k, v in self.controls.items())
            and all(other.metadata_templates.get(k) == v for k, v in self.metadata_templates.items())
            and all(other.metric_templates.get(k) == v for k, v in self.metric_templates.items())
            and all(other.table_templates.get(k) == v for k, v in self.table_templates.items())
        )

    @staticmethod
    def merge_all(topologies: Iterable["Topology"]) -> "Topology":
        """Join of many in one pass over their nodes (Scope's fastMerger): no intermediate copies."""
        topos = [t for t in topologies if t is not EMPTY]
        if not topos:
            return EMPTY
        if len(topos) == 1:
            return topos[0]
        topos.sort(key=lambda t: len(t.nodes), reverse=True)
        nodes = dict(topos[0].nodes)
        head = replace(topos[0], nodes={})
        for t in topos[1:]:
            get = nodes.get
            for k, n in t.nodes.items():
                cur = get(k)
                nodes[k] = n if cur is None else cur.merge(n)
            head = head.merge(replace(t, nodes={}))
        return replace(head, nodes=nodes)

    def with_node(self, node: Node) -> "Topology":
        """With node joined in under its ID."""
        return replace(self, nodes=merge_maps(self.nodes, {node.id: node}, _merge_node))

    def with_nodes(self, nodes: Mapping[str, Node]) -> "Topology":
        """With the nodes replaced (render time)."""
        return replace(self, nodes=nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)


EMPTY = Topology()

"""Topology: the nodes of one kind, and how to show them."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field, replace

from ._value import value
from .node import Node, _max_str, merge_node_maps, merge_node_maps_all
from .templates import Control, MetadataTemplate, MetricTemplate, T, TableTemplate, merge_picked, pick


def _covered(mine: Mapping[str, T], theirs: Mapping[str, T]) -> bool:
    # Every template of mine loses to (or equals) theirs under `pick`.
    for k, v in mine.items():
        o = theirs.get(k)
        if o is None or pick(o, v) is not o:
            return False
    return True


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
        nodes = merge_node_maps(self.nodes, other.nodes)
        # Usually both sides show their nodes alike (reports of one probe, or of one version of it): one side's
        # templates then stand for both, and that side is kept if the other brings no node news either.
        for a, b in ((self, other), (other, self)):
            if b.is_metadata_of(a):
                if nodes is a.nodes:
                    return a
                return Topology(nodes, a.shape, a.tag, a.label, a.label_plural, a.controls, a.metadata_templates,
                                a.metric_templates, a.table_templates)
        return Topology(
            nodes=nodes,
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
            self.shape <= other.shape  # the empty string loses to anything; otherwise the greater wins
            and self.tag <= other.tag
            and self.label <= other.label
            and self.label_plural <= other.label_plural
            and (not self.controls or _covered(self.controls, other.controls))
            and (not self.metadata_templates or _covered(self.metadata_templates, other.metadata_templates))
            and (not self.metric_templates or _covered(self.metric_templates, other.metric_templates))
            and (not self.table_templates or _covered(self.table_templates, other.table_templates))
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
        nodes = merge_node_maps_all([t.nodes for t in topos])
        head = replace(topos[0], nodes={})
        for t in topos[1:]:
            head = head.merge(replace(t, nodes={}))
        return replace(head, nodes=nodes)

    def with_node(self, node: Node) -> "Topology":
        """With node joined in under its ID."""
        return replace(self, nodes=merge_node_maps(self.nodes, {node.id: node}))

    def with_nodes(self, nodes: Mapping[str, Node]) -> "Topology":
        """With the nodes replaced (render time)."""
        return replace(self, nodes=nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)


EMPTY = Topology()

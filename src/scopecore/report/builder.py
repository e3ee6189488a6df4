"""ReportBuilder: the mutable twin of Report for hot paths (a probe's tick), frozen into a Report at the end."""

from .kinds import TopologyKind
from .node import Node
from .report import Report
from .topology import Topology


class ReportBuilder:
    """Collects nodes into per-kind dicts, joining on ID collisions, without copying a Report per node."""

    def __init__(self, ts: int | None = None, window: int = 0, shortcut: bool = False) -> None:
        self._nodes: dict[TopologyKind, dict[str, Node]] = {}
        self._meta: dict[TopologyKind, Topology] = {}
        self._extra = Report(ts=ts, window=window, shortcut=shortcut)

    def add(self, kind: TopologyKind, node: Node) -> None:
        """Join node into its kind's topology."""
        nodes = self._nodes.setdefault(kind, {})
        cur = nodes.get(node.id)
        nodes[node.id] = node if cur is None else cur.merge(node)

    def describe(self, kind: TopologyKind, topology: Topology) -> None:
        """Join shape, labels, templates and controls (and any nodes) of a topology."""
        self._meta[kind] = self._meta.get(kind, Topology.empty()).merge(topology)

    def merge(self, report: Report) -> None:
        """Join a whole report (DNS, plugins, topologies) into what is being built."""
        for kind, topo in report.items():
            for node in topo.nodes.values():
                self.add(kind, node)
            self.describe(kind, topo.with_nodes({}))
        self._extra = self._extra.merge(Report(dns=report.dns, plugins=report.plugins, ts=report.ts,
                                                window=report.window, shortcut=report.shortcut,
                                                sampling=report.sampling))

    def has_nodes(self) -> bool:
        """True once any node was added."""
        return any(self._nodes.values())

    def freeze(self, report_id: str = "") -> Report:
        """The Report built so far. The builder may be reused; later additions do not touch this Report."""
        topologies: dict[TopologyKind, Topology] = {}
        for kind in self._nodes.keys() | self._meta.keys():
            meta = self._meta.get(kind, Topology.empty())
            topologies[kind] = meta.merge(Topology(dict(self._nodes.get(kind, {}))))
        e = self._extra
        return Report(topologies, e.dns, e.plugins, e.ts, e.window, e.shortcut, e.sampling, report_id)

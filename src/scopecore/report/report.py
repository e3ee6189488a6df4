"""Report: everything one probe saw in one interval, or the join of many such reports."""

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field, replace

from ._maps import merge_maps
from ._value import value
from .dns import DNSRecord, merge_dns
from .kinds import TopologyKind
from .node import Node
from .templates import PluginSpec, merge_picked
from .topology import EMPTY as EMPTY_TOPOLOGY
from .topology import Topology


def _merge_topology(a: Topology, b: Topology) -> Topology:
    return a.merge(b)


def combine_ids(a: str, b: str) -> str:
    """A merged report's ID from its inputs' (Scope hashes the input IDs too). Order-free, so merge commutes."""
    lo, hi = sorted((a, b))
    digest = hashlib.blake2b(f"{lo}|{hi}".encode(), digest_size=8).digest()
    return str(int.from_bytes(digest, "big") >> 1)


@value
class Report:
    """Topologies by kind, plus DNS, plugins and the time span the report covers.

    `ts` and `window` describe the interval [ts, ts + window] in ns since the Unix epoch; merge takes the hull
    of the intervals (Scope sums windows, which breaks idempotence). `ts` is None when unknown (Go's zero time,
    as shortcut reports send), and then `window` is 0. `sampling` is Scope's vestigial (count, total), joined
    by max. `id` identifies the value for caches and is left out of `==`.
    """

    topologies: Mapping[TopologyKind, Topology] = field(default_factory=dict)
    dns: Mapping[str, DNSRecord] = field(default_factory=dict)
    plugins: Mapping[str, PluginSpec] = field(default_factory=dict)
    ts: int | None = None
    window: int = 0
    shortcut: bool = False
    sampling: tuple[int, int] = (0, 0)
    id: str = field(default="", compare=False)

    @staticmethod
    def empty() -> "Report":
        """The identity of merge."""
        return EMPTY

    def topology(self, kind: TopologyKind) -> Topology:
        """The topology of this kind (empty if the report has none)."""
        return self.topologies.get(kind, EMPTY_TOPOLOGY)

    def nodes(self, kind: TopologyKind) -> Mapping[str, Node]:
        """The nodes of this kind, by ID."""
        return self.topology(kind).nodes

    def with_topology(self, kind: TopologyKind, topology: Topology) -> "Report":
        """With a topology joined in."""
        return self.merge(Report({kind: topology}))

    def with_node(self, kind: TopologyKind, node: Node) -> "Report":
        """With a node joined into the topology of its kind."""
        return self.with_topology(kind, Topology({node.id: node}))

    def items(self) -> Iterator[tuple[TopologyKind, Topology]]:
        """(kind, topology) pairs of the topologies present."""
        return iter(self.topologies.items())

    def merge(self, other: "Report") -> "Report":
        """Join of two reports. Associative, commutative, idempotent, with `empty()` as identity."""
        if other is self:
            return self
        topologies = merge_maps(self.topologies, other.topologies, _merge_topology)
        dns = merge_maps(self.dns, other.dns, merge_dns)
        plugins = merge_picked(self.plugins, other.plugins)
        ts, window = _hull(self.ts, self.window, other.ts, other.window)
        shortcut = self.shortcut or other.shortcut
        sampling = (max(self.sampling[0], other.sampling[0]), max(self.sampling[1], other.sampling[1]))
        for side in (self, other):
            if (
                topologies is side.topologies
                and dns is side.dns
                and plugins is side.plugins
                and (ts, window, shortcut, sampling) == (side.ts, side.window, side.shortcut, side.sampling)
            ):
                return side
        return Report(topologies, dns, plugins, ts, window, shortcut, sampling, combine_ids(self.id, other.id))

    @staticmethod
    def merge_all(reports: Iterable["Report"]) -> "Report":
        """Join of many reports in one pass per topology (Scope's fastMerger), equal to folding `merge`."""
        rs = list(reports)
        if not rs:
            return EMPTY
        if len(rs) == 1:
            return rs[0]
        kinds: dict[TopologyKind, list[Topology]] = {}
        dns: Mapping[str, DNSRecord] = {}
        plugins: Mapping[str, PluginSpec] = {}
        ts: int | None = None
        window = 0
        shortcut = False
        sampling = (0, 0)
        ids = []
        for r in rs:
            for kind, topo in r.topologies.items():
                kinds.setdefault(kind, []).append(topo)
            dns = merge_maps(dns, r.dns, merge_dns)
            plugins = merge_picked(plugins, r.plugins)
            ts, window = _hull(ts, window, r.ts, r.window)
            shortcut = shortcut or r.shortcut
            sampling = (max(sampling[0], r.sampling[0]), max(sampling[1], r.sampling[1]))
            ids.append(r.id)
        topologies = {k: Topology.merge_all(ts_) for k, ts_ in kinds.items()}
        digest = hashlib.blake2b("|".join(sorted(ids)).encode(), digest_size=8).digest()
        rid = str(int.from_bytes(digest, "big") >> 1)
        return Report(topologies, dns, plugins, ts, window, shortcut, sampling, rid)

    def with_id(self, report_id: str) -> "Report":
        """The same value under another ID."""
        return replace(self, id=report_id)


def _hull(ts_a: int | None, win_a: int, ts_b: int | None, win_b: int) -> tuple[int | None, int]:
    if ts_a is None:
        return ts_b, win_b
    if ts_b is None:
        return ts_a, win_a
    start = min(ts_a, ts_b)
    return start, max(ts_a + win_a, ts_b + win_b) - start


EMPTY = Report()

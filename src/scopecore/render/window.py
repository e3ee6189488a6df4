"""The window of an incremental render: what one part (a probe's report) needs to know about the others.

Each part is rendered on its own. Its joins and filters record here where they mapped their inputs and which
nodes they kept, and ask here about nodes of other parts: where another part mapped a node an edge points at
(`foreign`), whether another part kept it (`alive`), who owns an endpoint (the part that reports its process)
and what the other parts say about it. Window-wide facts (local networks, DNS, address claims, which kinds of
node exist) are gathered here from all parts. See incremental.py.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from ..report.dns import DNSRecord
from ..report.kinds import TopologyKind
from ..report.report import Report
from .base import AnyNode, Foreign, RenderContext, merge_nodes
from .endpoints import container_ips, pod_ips
from .pseudo import Networks, network_cidrs
from .summary import PARENT_TOPOLOGIES

KINDS = {k.value: k for k in TopologyKind}
PARENT_KINDS = tuple(KINDS[t] for t in PARENT_TOPOLOGIES)
# The address joins a window resolves across parts (endpoints.connection_join).
IP_JOINS = {TopologyKind.CONTAINER: container_ips, TopologyKind.POD: pod_ips}


class Owners:
    """Key -> the parts that have it, remembering one as the one to ask."""

    __slots__ = ("extra", "first")

    def __init__(self) -> None:
        self.first: dict[str, str] = {}
        self.extra: dict[str, set[str]] = {}

    def add(self, key: str, part: str) -> None:
        """Note that `part` has `key`."""
        cur = self.first.get(key)
        if cur is None:
            self.first[key] = part
        elif cur != part:
            self.extra.setdefault(key, {cur}).add(part)

    def discard(self, key: str, part: str) -> None:
        """Note that `part` no longer has `key`."""
        more = self.extra.get(key)
        if more is not None:
            more.discard(part)
            if len(more) <= 1:
                del self.extra[key]
            if self.first.get(key) == part:
                self.first[key] = min(more)
            return
        if self.first.get(key) == part:
            del self.first[key]

    def get(self, key: str) -> str | None:
        """One part that has `key`, or None."""
        return self.first.get(key)

    def all(self, key: str) -> set[str] | None:
        """Every part that has `key`, or None."""
        more = self.extra.get(key)
        if more is not None:
            return more
        cur = self.first.get(key)
        return None if cur is None else {cur}


class Part:
    """One report of the window, what was learnt from it, and its render."""

    def __init__(self, key: str, report: Report) -> None:
        self.key = key
        self.report = report
        ctx = RenderContext(report)
        eps = ctx.nodes(TopologyKind.ENDPOINT)
        self.owned = frozenset(k for k, n in eps.items() if "host_node_id" in n.latest.entries)
        self.with_edges = frozenset(k for k, n in eps.items() if n.adjacency and k not in self.owned)
        # Endpoints this part reports without their host: another part may own them.
        self.copies = {k: n for k, n in eps.items() if k not in self.owned}
        self.claims = {kind: [(ip, n.id) for n in ctx.nodes(kind).values() for ip in to_ips(n)]
                       for kind, to_ips in IP_JOINS.items()}
        self.cidrs = frozenset(network_cidrs(ctx))
        self.kinds = frozenset(k for k in TopologyKind if ctx.nodes(k))
        self.meta = {k: t.with_nodes({}) for k, t in report.items()}
        self.parents = {k: ctx.nodes(k) for k in PARENT_KINDS}
        self.joins: dict[Hashable, tuple[Mapping[str, str], Mapping[str, list[str]]]] = {}
        self.filters: dict[Hashable, frozenset[str]] = {}
        self.refs: dict[Hashable, set[str]] = {}
        self.output: Mapping[str, AnyNode] = {}
        self.filtered = 0
        self.connected: AbstractSet[str] = frozenset()

    def same_facts(self, old: "Part") -> bool:
        """True if this new report of a part changes none of the window-wide facts the old one gave."""
        return (self.cidrs == old.cidrs and self.kinds == old.kinds and self.claims == old.claims
                and (self.report.dns is old.report.dns or self.report.dns == old.report.dns))


class PartWindow:
    """The Window one part renders in (see base.Window)."""

    def __init__(self, win: "WindowState", part: Part, resolve: bool) -> None:
        self.win = win
        self.part = part
        self.resolve = resolve

    def networks(self) -> Networks:
        """See base.Window."""
        return self.win.nets

    def dns(self) -> Mapping[str, DNSRecord]:
        """See base.Window."""
        return self.win.dns_records

    def has_nodes(self, kinds: tuple[TopologyKind, ...]) -> bool:
        """See base.Window."""
        return any(k in self.win.kinds for k in kinds)

    def owned_elsewhere(self, endpoint_id: str) -> bool:
        """See base.Window."""
        owner = self.win.owners.get(endpoint_id)
        return owner is not None and owner != self.part.key

    def has_adjacency(self, endpoint_id: str) -> bool:
        """See base.Window."""
        return self.win.with_edges.get(endpoint_id) is not None

    def endpoint(self, endpoint_id: str, local: AnyNode) -> AnyNode:
        """See base.Window."""
        holders = self.win.holders.all(endpoint_id)
        if not holders:
            return local
        merged = local
        for key in sorted(holders):
            if key != self.part.key:
                merged = merge_nodes(merged, self.win.parts[key].copies[endpoint_id])
        return merged

    def ip_nodes(self, kind: TopologyKind) -> Mapping[str, str]:
        """See base.Window."""
        return self.win.ips.get(kind, {})

    def join(self, stage: Hashable, mapped: Mapping[str, str], multi: Mapping[str, list[str]],
             inputs: Mapping[str, AnyNode]) -> Foreign | None:
        """See base.Window."""
        self.part.joins[stage] = (mapped, multi)
        if not self.resolve:
            return None
        refs = self.part.refs.setdefault(stage, set())
        win = self.win

        def foreign(target: str) -> tuple[str, ...]:
            refs.add(target)
            return win.resolve(stage, target)

        return foreign

    def alive(self, stage: Hashable, kept: Mapping[str, AnyNode]) -> Callable[[str], bool] | None:
        """See base.Window."""
        self.part.filters[stage] = frozenset(kept)
        if not self.resolve:
            return None
        refs = self.part.refs.setdefault(stage, set())
        win = self.win

        def alive(target: str) -> bool:
            refs.add(target)
            return win.kept.get(stage, {}).get(target, 0) > 0

        return alive


class WindowState:
    """What is known across the parts: indexes of their joins and filters, and window-wide facts."""

    def __init__(self) -> None:
        self.parts: dict[str, Part] = {}
        self.owners = Owners()  # endpoint -> part that has its host
        self.with_edges = Owners()  # endpoint without a host -> parts giving it edges
        self.holders = Owners()  # endpoint -> parts reporting it without its host
        self.ips: dict[TopologyKind, Mapping[str, str]] = {}  # address claims of the connection joins
        self.mapped: dict[Hashable, Owners] = {}  # join -> input ID -> parts that mapped it
        self.kept: dict[Hashable, dict[str, int]] = {}  # filter -> node ID -> parts that kept it
        self.nets = Networks()
        self.dns_records: Mapping[str, DNSRecord] = {}
        self.kinds: frozenset[TopologyKind] = frozenset()

    def resolve(self, stage: Hashable, target: str) -> tuple[str, ...]:
        """Where the part that mapped `target` at `stage` mapped it (() if none did)."""
        owners = self.mapped.get(stage)
        key = owners.get(target) if owners is not None else None
        if key is None:
            return ()
        mapped, multi = self.parts[key].joins[stage]
        out = mapped.get(target)
        if out is None:
            return ()
        more = multi.get(target)
        return (out, *more) if more else (out,)

    def add_facts(self, p: Part) -> None:
        """Index the endpoints a part owns, gives edges to, and reports without their host."""
        for e in p.owned:
            self.owners.add(e, p.key)
        for e in p.with_edges:
            self.with_edges.add(e, p.key)
        for e in p.copies:
            self.holders.add(e, p.key)

    def drop_facts(self, p: Part) -> None:
        """Undo add_facts."""
        for e in p.owned:
            self.owners.discard(e, p.key)
        for e in p.with_edges:
            self.with_edges.discard(e, p.key)
        for e in p.copies:
            self.holders.discard(e, p.key)

    def index(self, p: Part, joins: Mapping[Hashable, tuple[Mapping[str, str], Mapping[str, list[str]]]],
              filters: Mapping[Hashable, frozenset[str]], add: bool) -> None:
        """Add (or remove) a part's join mappings and filter results to the indexes."""
        for stage, (mapped, _multi) in joins.items():
            owners = self.mapped.setdefault(stage, Owners())
            for k in mapped:
                if add:
                    owners.add(k, p.key)
                else:
                    owners.discard(k, p.key)
        for stage, kept in filters.items():
            counts = self.kept.setdefault(stage, {})
            for k in kept:
                c = counts.get(k, 0) + (1 if add else -1)
                if c > 0:
                    counts[k] = c
                else:
                    counts.pop(k, None)


def claims_of(parts: Iterable[list[tuple[str, str]]]) -> dict[str, str]:
    """Address -> the one node of the window claiming it, or "" (see endpoints.claims)."""
    out: dict[str, str] = {}
    for pairs in parts:
        for ip, node_id in pairs:
            cur = out.get(ip)
            out[ip] = node_id if cur is None or cur == node_id else ""
    return out


def changed_keys(old: Mapping[Hashable, Any], new: Mapping[Hashable, Any]) -> dict[Hashable, set[str]]:
    """Per stage, the keys whose mapping (or survival) differs between two renders of a part."""
    out: dict[Hashable, set[str]] = {}
    for stage in old.keys() | new.keys():
        a, b = old.get(stage), new.get(stage)
        if a == b:
            continue
        if isinstance(a, frozenset) or isinstance(b, frozenset):
            out[stage] = set((a or frozenset()) ^ (b or frozenset()))
            continue
        am, amulti = a if a is not None else ({}, {})
        bm, bmulti = b if b is not None else ({}, {})
        keys = {k for k in am.keys() | bm.keys() if am.get(k) != bm.get(k)}
        keys |= {k for k in amulti.keys() | bmulti.keys() if amulti.get(k) != bmulti.get(k)}
        if keys:
            out[stage] = keys
    return out

"""Incremental rendering: one view of a window of reports (one per probe), kept up to date part by part.

Scope merges every report of the window and renders the result again on each request. Here each part (a
probe's report) is rendered on its own, the results are merged node by node, and when one part changes only
that part is rendered again. What makes this equal to rendering the merge is the Window: an edge from one part
to a node reported by another goes where that other part's render mapped the node (each join records its
mapping; `foreign` looks it up), and facts that are global to the window (local networks, DNS, which kinds of
node exist, who owns each endpoint) come from all parts. Part results are kept with the joins' mappings, and a
part is rendered again when the mapping of a node it pointed at changed.

This holds for views built from joins, filters and per-node passes over one host's data: processes, process
names, containers (all three views), hosts and weave. Views that join across hosts (Kubernetes, ECS, swarm,
and hosts once a window has Kubernetes nodes) are rendered from the merge of the window instead. The equality
is a law the tests check on random multi-host windows (tests/render/test_render_laws.py).
"""

from collections.abc import Hashable, Mapping
from collections.abc import Set as AbstractSet

from ..report.dns import DNSRecord, merge_dns
from ..report.kinds import TopologyKind
from ..report.report import Report
from ..report.topology import Topology
from .base import AnyNode, Nodes, RenderContext, Renderer, merge_nodes
from .censor import Censor
from .combinators import Memoise
from .filters import ColorConnected, connected
from .kube import KUBERNETES_KINDS
from .options import Defaults, OptionGroup, dynamic_groups, transform
from .pseudo import Networks
from .rendered import Rendered, SummaryMemo
from .summary import SummaryContext
from .topologies import TopologyDesc, topology
from .window import IP_JOINS, KINDS, PARENT_KINDS, Part, PartWindow, WindowState, changed_keys, claims_of

# Views that stay per-part only while the window has no nodes of these kinds.
_BREAKS: dict[str, tuple[TopologyKind, ...]] = {"hosts": KUBERNETES_KINDS}
_DECOMPOSABLE = frozenset(("processes", "processes-by-name", "containers", "containers-by-image",
                           "containers-by-hostname", "hosts", "weave"))
_MAX_ROUNDS = 4


class IncrementalRenderer:
    """One view (with fixed options) of a window of reports, re-rendering only what a change touches.

    `update(parts)` takes the window as reports by key (a probe ID, say), compares them by identity with the
    previous call, and returns the Rendered view of their merge. Summaries of nodes that did not change are
    reused, so the app's diff of two updates is cheap too."""

    def __init__(self, topology_id: str, options: Mapping[str, str] | None = None, *,
                 defaults: Defaults = "always") -> None:
        self.desc: TopologyDesc = topology(topology_id)
        self.options = dict(options or {})
        self.defaults = defaults
        core: Renderer = self.desc.renderer
        if isinstance(core, Memoise):
            core = core.inner
        self.color = isinstance(core, ColorConnected)
        self.core: Renderer = core.inner if isinstance(core, ColorConnected) else core
        self._win = WindowState()
        self._final: dict[str, AnyNode] = {}
        self._contributors: dict[str, set[str]] = {}
        self._meta: dict[TopologyKind, Topology] = {}
        self._memo: SummaryMemo | None = None
        self._connected: dict[str, int] = {}  # node ID -> parts in which it is connected
        self._meta_changed = True
        self._last: Rendered | None = None
        self._fallback: tuple[tuple[int, ...], Rendered] | None = None
        self.rendered_parts = 0  # parts rendered by the last update (for tests and benchmarks)

    # window-wide facts

    def _refresh_facts(self, changed: list[Part], removed: list[Part], replaced: Mapping[str, Part]) -> bool:
        """Update window-wide facts; True if one that every part depends on changed."""
        win = self._win
        for p in removed:
            win.drop_facts(p)
        for p in changed:
            win.add_facts(p)
        if not removed and all(p.key in replaced and p.same_facts(replaced[p.key]) for p in changed):
            return False  # the usual case: a probe's new report, with the same networks, DNS and addresses
        parts = win.parts.values()
        nets = Networks(c for p in parts for c in p.cidrs)
        kinds = frozenset(k for p in parts for k in p.kinds)
        dns: dict[str, DNSRecord] = {}
        for p in parts:
            for addr, rec in p.report.dns.items():
                cur = dns.get(addr)
                dns[addr] = rec if cur is None else merge_dns(cur, rec)
        ips: dict[TopologyKind, Mapping[str, str]] = {
            kind: claims_of(p.claims[kind] for p in parts) for kind in IP_JOINS}
        changed_global = nets != win.nets or kinds != win.kinds or dns != win.dns_records or ips != win.ips
        win.nets, win.kinds, win.dns_records, win.ips = nets, kinds, dns, ips
        return changed_global

    def _summary_context(self) -> SummaryContext:
        parts = self._win.parts
        if self._meta_changed or self._memo is None:
            meta: dict[TopologyKind, Topology] = {}
            for key in sorted(parts):
                for k, t in parts[key].meta.items():
                    cur = meta.get(k)
                    meta[k] = t if cur is None else cur.merge(t)
            if meta != self._meta:
                self._memo = None  # templates changed: every summary must be made again
            self._meta = meta
            self._meta_changed = False
        index: dict[TopologyKind, dict[str, AnyNode]] = {k: {} for k in PARENT_KINDS}
        for key in sorted(parts):
            for k, nodes in parts[key].parents.items():
                if nodes:
                    index[k].update(nodes)
        topologies = {k.value: self._meta.get(k, Topology.empty()) for k in TopologyKind}

        def lookup(t: str, node_id: str) -> AnyNode | None:
            got = index.get(KINDS[t])
            return got.get(node_id) if got is not None else None

        return SummaryContext(topologies, lookup)

    # parts

    def _render_part(self, p: Part, resolve: bool) -> dict[Hashable, set[str]]:
        """Render one part; returns the keys whose mapping changed for other parts."""
        win = self._win
        old_joins, old_filters = p.joins, p.filters
        win.index(p, old_joins, old_filters, add=False)
        p.joins, p.filters, p.refs = {}, {}, {}
        ctx = RenderContext(p.report, window=PartWindow(win, p, resolve))
        got = self.core.render(ctx)
        win.index(p, p.joins, p.filters, add=True)
        self._set_output(p, got)
        changed = changed_keys(old_joins, p.joins)
        changed.update(changed_keys(old_filters, p.filters))
        self.rendered_parts += 1
        return changed

    def _set_output(self, p: Part, got: Nodes) -> None:
        old = p.output
        new = got.nodes
        p.output = new
        p.filtered = got.filtered
        if self.color:
            # Connected nodes are those with an edge to or from another: the union of every part's.
            old_conn, p.connected = p.connected, connected(Nodes(new))
            self._count_connected(old_conn, p.connected)
        for k in old.keys() | new.keys():
            self._refresh_node(k, p.key, k in new)

    def _count_connected(self, old: AbstractSet[str], new: AbstractSet[str]) -> None:
        counts = self._connected
        for k in old - new:
            c = counts[k] - 1
            if c:
                counts[k] = c
            else:
                del counts[k]
        for k in new - old:
            counts[k] = counts.get(k, 0) + 1

    def _drop_output(self, p: Part) -> None:
        if self.color:
            self._count_connected(p.connected, frozenset())
            p.connected = frozenset()
        old = p.output
        p.output = {}
        for k in old:
            self._refresh_node(k, p.key, False)

    def _refresh_node(self, node_id: str, part: str, present: bool) -> None:
        contributors = self._contributors.get(node_id)
        if present:
            if contributors is None:
                self._contributors[node_id] = contributors = set()
            contributors.add(part)
        elif contributors is not None:
            contributors.discard(part)
        if not contributors:
            self._contributors.pop(node_id, None)
            self._final.pop(node_id, None)
            return
        parts = self._win.parts
        if len(contributors) == 1:
            self._final[node_id] = parts[next(iter(contributors))].output[node_id]
            return
        merged: AnyNode | None = None
        for key in sorted(contributors):
            n = parts[key].output[node_id]
            merged = n if merged is None else merge_nodes(merged, n)
        assert merged is not None
        self._final[node_id] = merged

    # the update

    def update(self, reports: Mapping[str, Report]) -> Rendered:
        """The view of the merge of `reports`, re-rendering only parts whose report object changed (and parts
        whose edges point at nodes whose mapping changed).

        One report per probe (its window merged): a probe's nodes must come from one part."""
        self.rendered_parts = 0
        win = self._win
        breaks = _BREAKS.get(self.desc.id, ())
        if self.desc.id not in _DECOMPOSABLE or any(
                r.topology(k).nodes for r in reports.values() for k in breaks):
            return self._render_merged(reports)
        removed = [win.parts[k] for k in win.parts if k not in reports]
        changed = [Part(k, r) for k, r in reports.items() if k not in win.parts or win.parts[k].report is not r]
        if not removed and not changed and self._last is not None:
            return self._last
        for p in removed:
            del win.parts[p.key]
            win.index(p, p.joins, p.filters, add=False)
            self._drop_output(p)
        touched: set[str] = set()  # endpoints whose copies or owner changed
        replaced: dict[str, Part] = {}
        for p in removed:
            touched.update(p.copies)
            touched.update(p.owned)
        for p in changed:
            old = win.parts.get(p.key)
            if old is not None:
                replaced[p.key] = old
                win.drop_facts(old)
                # The new part takes over what the old one recorded, so that its render replaces it.
                p.joins, p.filters, p.refs, p.output = old.joins, old.filters, old.refs, old.output
                p.connected = old.connected
                touched.update(k for k in old.copies.keys() | p.copies.keys()
                               if old.copies.get(k) != p.copies.get(k))
                touched.update(old.owned ^ p.owned)
            else:
                touched.update(p.copies)
                touched.update(p.owned)
            win.parts[p.key] = p
        everything = self._refresh_facts(changed, removed, replaced)
        self._meta_changed = self._meta_changed or bool(removed) or any(
            p.key not in replaced or p.meta != replaced[p.key].meta for p in changed)
        if everything:
            todo = list(win.parts.values())
        else:
            # Owners of endpoints whose copies changed map them again; so do holders of endpoints that changed
            # owner (they map an endpoint nobody owns themselves).
            keys = {p.key for p in changed}
            for e in touched:
                owner = win.owners.get(e)
                if owner is not None:
                    keys.add(owner)
                keys.update(win.holders.all(e) or ())
            todo = [win.parts[k] for k in sorted(keys) if k in win.parts]
        if any(not p.joins for p in todo) and len(todo) > 1:
            for p in todo:  # first sight of these parts: learn every mapping before resolving edges
                self._render_part(p, resolve=False)
        dirty: dict[Hashable, set[str]] = {}
        for p in todo:
            _merge_into(dirty, self._render_part(p, resolve=True))
        _merge_into(dirty, self._removed_keys(removed))
        for _ in range(_MAX_ROUNDS):
            again = [p for p in win.parts.values()
                     if any(not refs.isdisjoint(dirty.get(stage, ())) for stage, refs in p.refs.items())]
            if not again:
                break
            dirty = {}
            for p in again:
                _merge_into(dirty, self._render_part(p, resolve=True))
        return self._rendered()

    def _removed_keys(self, removed: list[Part]) -> dict[Hashable, set[str]]:
        out: dict[Hashable, set[str]] = {}
        for p in removed:
            for stage, (mapped, _multi) in p.joins.items():
                out.setdefault(stage, set()).update(mapped)
            for stage, kept in p.filters.items():
                out.setdefault(stage, set()).update(kept)
        return out

    def _rendered(self) -> Rendered:
        parts = self._win.parts.values()
        conn = self._connected.keys() if self.color else None
        nodes = Nodes(self._final, sum(p.filtered for p in parts), conn)
        shown = transform(self._groups(), self.options, self.defaults, nodes)
        sc = self._summary_context()
        previous = self._last
        if self._memo is None:  # first render, or the templates changed: no summary can be reused
            self._memo = SummaryMemo(sc)
            previous = None
        else:
            self._memo.context = sc
        # transform always returns a new dict, so the Rendered does not see later updates.
        self._last = Rendered(self.desc.id, shown, sc, self._memo, Censor.of(self.options), previous=previous)
        return self._last

    def _groups(self) -> tuple[OptionGroup, ...]:
        if not self.desc.namespaces:
            return self.desc.options
        merged = Report.merge_all(Report({k: t for k, t in p.report.items()
                                          if k in (TopologyKind.NAMESPACE, TopologyKind.SWARM_SERVICE)})
                                  for p in self._win.parts.values())
        dynamic = dynamic_groups(RenderContext(merged))
        return self.desc.options + tuple(dynamic[k] for k in self.desc.namespaces if k in dynamic)

    def _render_merged(self, reports: Mapping[str, Report]) -> Rendered:
        """The view of the merged window (for views that do not decompose), memoised on the parts."""
        key = tuple(id(reports[k]) for k in sorted(reports))
        if self._fallback is not None and self._fallback[0] == key:
            return self._fallback[1]
        from .topologies import render
        merged = Report.merge_all(reports[k] for k in sorted(reports))
        out = render(merged, self.desc.id, self.options, defaults=self.defaults)
        self._fallback = (key, out)
        self.rendered_parts = len(reports)
        return out


def _merge_into(acc: dict[Hashable, set[str]], more: Mapping[Hashable, set[str]]) -> None:
    for stage, keys in more.items():
        acc.setdefault(stage, set()).update(keys)

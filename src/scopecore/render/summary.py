"""NodeSummary: what Scope's API sends for each rendered node (render/detailed/summary.go, parents.go).

Arrays are tuples: a summary is made once and shared (incremental renders, deltas), and tuples of strings and
flat dicts are left alone by Python's cycle collector, which a view of 20,000 nodes otherwise keeps busy.

    {"id", "label", "labelMinor", "rank", "shape"?, "tag"?, "stack"?, "pseudo"?,
     "metadata"?, "parents"?, "metrics"?, "tables"?, "adjacency"?}

Keys marked ? are left out when empty, as Go's `omitempty` does. Labels follow Scope per topology: a process
is its name with "host (pid)" below, a container its name with its host, a group its key with a count...
"""

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ..report import ids
from ..report.kinds import TopologyKind
from ..report.topology import Topology
from .base import AnyNode, RenderContext, make_node
from .labels import LABELLERS, pluralize
from .rows import Row, Templates

Summary = dict[str, Any]

TRIANGLE, CIRCLE = "triangle", "circle"
# The API topology each report topology's nodes link to (Scope's primaryAPITopology).
PRIMARY_API_TOPOLOGY = {
    "process": "processes", "container": "containers", "container_image": "containers-by-image",
    "pod": "pods", "deployment": "kube-controllers", "daemon_set": "kube-controllers",
    "stateful_set": "kube-controllers", "cron_job": "kube-controllers", "job": "kube-controllers",
    "service": "services", "ecs_task": "ecs-tasks", "ecs_service": "ecs-services",
    "swarm_service": "swarm-services", "host": "hosts", "persistent_volume": "pods",
    "persistent_volume_claim": "pods", "storage_class": "pods", "volume_snapshot": "pods",
    "volume_snapshot_data": "pods",
}
# Parent topologies in the order summaries list them.
PARENT_TOPOLOGIES = ("container", "container_image", "pod", "deployment", "daemon_set", "stateful_set",
                     "cron_job", "service", "ecs_task", "ecs_service", "swarm_service", "host")
_KNOWN = frozenset(k.value for k in TopologyKind)
_BY_NAME = {k.value: k for k in TopologyKind}
_MISSING = object()


class SummaryContext:
    """What summaries need besides the node: each topology's shape, labels and templates, and parent nodes.

    Parent links and prepared templates are memoised here; one context serves many summaries."""

    def __init__(self, topologies: Mapping[str, Topology], lookup: Callable[[str, str], AnyNode | None]) -> None:
        self._topologies = topologies
        self._lookup = lookup
        self._templates: dict[str, Templates | None] = {}
        self._parents: dict[tuple[str, str], Row | None] = {}
        self._preps: dict[str, _Prep | None] = {}
        self._summarizers: dict[str, Callable[[AnyNode], Summary] | None] = {}

    @staticmethod
    def of(ctx: RenderContext) -> "SummaryContext":
        """Summaries against a report (without its delta-only stubs)."""
        return SummaryContext({k.value: ctx.topology(k) for k in TopologyKind},
                              lambda t, node_id: ctx.nodes(_BY_NAME[t]).get(node_id))

    def topology(self, name: str) -> Topology | None:
        """The report topology of this name; None for pseudo and group topologies."""
        return self._topologies.get(name) if name in _KNOWN else None

    def templates(self, name: str) -> Templates | None:
        """Prepared templates of a report topology."""
        got = self._templates.get(name, _MISSING)
        if got is not _MISSING:
            return got  # type: ignore[return-value]
        t = self.topology(name)
        got = Templates(t) if t is not None else None
        self._templates[name] = got
        return got

    def prep(self, topology: str) -> "_Prep | None":
        """How nodes of a topology are summarised; None if Scope does not show them."""
        got = self._preps.get(topology, _MISSING)
        if got is not _MISSING:
            return got  # type: ignore[return-value]
        got = _prepare(self, topology)
        self._preps[topology] = got
        return got

    def summarizer(self, topology: str) -> Callable[[AnyNode], Summary] | None:
        """The summary function of a topology's nodes (None if Scope does not show them)."""
        got = self._summarizers.get(topology, _MISSING)
        if got is not _MISSING:
            return got  # type: ignore[return-value]
        f = _summarizer(self, topology)
        self._summarizers[topology] = f
        return f

    def parent(self, topology: str, node_id: str) -> Row | None:
        """{"id", "label", "topologyId"} of a parent (a bare node when the report lacks it, as Scope does)."""
        key = (topology, node_id)
        got = self._parents.get(key, _MISSING)
        if got is not _MISSING:
            return got  # type: ignore[return-value]
        api = PRIMARY_API_TOPOLOGY.get(topology)
        row = None
        if api is not None:
            node = self._lookup(topology, node_id) or make_node(node_id, topology)
            base = basic(node, self)
            if base is not None:
                row = {"id": base["id"], "label": base["label"], "topologyId": api}
        self._parents[key] = row
        return row


class _Prep(NamedTuple):
    shape: str
    tag: str
    labeller: Callable[[Summary, AnyNode, SummaryContext], None] | None
    templates: Templates | None


def _prepare(sc: SummaryContext, topology: str) -> _Prep | None:
    t = sc.topology(topology)
    shape, tag = (t.shape or CIRCLE, t.tag) if t is not None else (TRIANGLE, "")
    if topology in LABELLERS:
        labeller = LABELLERS[topology]
        return None if labeller is None else _Prep(shape, tag, labeller, sc.templates(topology))
    group = ids.parse_group_topology(topology)
    if group is not None:
        gt = sc.topology(group[0])
        if gt is not None:
            shape, tag = gt.shape or CIRCLE, gt.tag
        return _Prep(shape, tag, _group_labeller(group[0], gt), None)
    # Any other report topology is shown with its ID as label; unknown topologies are not shown.
    return _Prep(shape, tag, None, sc.templates(topology)) if t is not None else None


def _group_labeller(topology: str, t: Topology | None) -> Callable[[Summary, AnyNode, SummaryContext], None]:
    def labeller(s: Summary, n: AnyNode, sc: SummaryContext) -> None:
        s["label"] = s["rank"] = n.id
        if t is not None and t.label:
            s["labelMinor"] = pluralize(n, topology, t.label, t.label_plural)
        s["stack"] = True

    return labeller


def basic(n: AnyNode, sc: SummaryContext) -> Summary | None:
    """id, label, labelMinor, rank, shape, tag, stack, pseudo; None for nodes Scope does not show."""
    p = sc.prep(n.topology)
    if p is None:
        return None
    s: Summary = {"id": n.id, "label": n.id, "labelMinor": "", "rank": "", "shape": p.shape}
    if p.tag:
        s["tag"] = p.tag
    if p.labeller is not None:
        p.labeller(s, n, sc)
    return s


_PARENT_ORDER = {t: i for i, t in enumerate(PARENT_TOPOLOGIES)}


def parents(n: AnyNode, sc: SummaryContext) -> list[Row]:
    """Links to the node's parents, by topology in Scope's order, then by ID."""
    out: list[Row] = []
    entries = n.parents.entries
    if not entries:
        return out
    order = _PARENT_ORDER
    topologies = [t for t in entries if t in order]
    if len(topologies) > 1:
        topologies.sort(key=order.__getitem__)
    for topology in topologies:
        pids = entries[topology]
        for pid in sorted(pids) if len(pids) > 1 else pids:
            if topology == n.topology and pid == n.id:
                continue
            row = sc.parent(topology, pid)
            if row is not None:
                out.append(row)
    return out


def summarize(n: AnyNode, sc: SummaryContext, samples: bool = False) -> Summary | None:
    """The NodeSummary of a rendered node, or None if Scope does not show it. Metric samples are included
    only when asked (details); summaries carry `samples: null`."""
    if not samples:
        f = sc.summarizer(n.topology)
        return f(n) if f is not None else None
    p = sc.prep(n.topology)
    return None if p is None else _summary(n, sc, p, samples)


def _summary(n: AnyNode, sc: SummaryContext, p: _Prep, samples: bool) -> Summary:
    topology = n.topology
    s: Summary = {"id": n.id, "label": n.id, "labelMinor": "", "rank": "", "shape": p.shape}
    if p.tag:
        s["tag"] = p.tag
    if p.labeller is not None:
        p.labeller(s, n, sc)
    templates = p.templates
    if templates is not None and not _is_group(n, topology):
        if templates.metadata:
            rows = templates.metadata_rows(n)
            if rows:
                s["metadata"] = tuple(rows)
        if n.parents.entries:
            ps = parents(n, sc)
            if ps:
                s["parents"] = tuple(ps)
        if templates.metrics:
            ms = templates.metric_rows(n, samples)
            if ms:
                s["metrics"] = tuple(ms)
        if templates.tables:
            s["tables"] = tuple(templates.table_rows(n))
    elif n.parents.entries:
        ps = parents(n, sc)
        if ps:
            s["parents"] = tuple(ps)
    if n.adjacency:
        s["adjacency"] = tuple(sorted(n.adjacency))
    return s


def _is_group(n: AnyNode, topology: str) -> bool:
    # A node grouping nodes of its own kind is a group: its own metadata would be some member's.
    if n.children:
        for c in n.children.values():
            if c.topology == topology:
                return True
    return False


def _summarizer(sc: SummaryContext, topology: str) -> Callable[[AnyNode], Summary] | None:
    """_summary for one topology with everything that does not depend on the node looked up once: the
    per-node work of summaries is the largest part of serving a big view."""
    p = sc.prep(topology)
    if p is None:
        return None
    shape, tag, labeller, templates = p
    if templates is None:
        return lambda n: _summary(n, sc, p, False)
    metadata = templates.metadata
    metrics = templates.metric_rows if templates.metrics else None
    tables = templates.table_rows if templates.tables else None
    simple_metadata = all(from_latest for _t, _tid, _proto, from_latest in metadata)
    md = tuple((tid, proto) for _t, tid, proto, _from in metadata)

    def one(n: AnyNode) -> Summary:
        s: Summary = {"id": n.id, "label": n.id, "labelMinor": "", "rank": "", "shape": shape}
        if tag:
            s["tag"] = tag
        if labeller is not None:
            labeller(s, n, sc)
        if _is_group(n, topology):
            if n.parents.entries:
                ps = parents(n, sc)
                if ps:
                    s["parents"] = tuple(ps)
        else:
            if md:
                if simple_metadata:
                    latest = n.latest.entries
                    rows = []
                    for tid, proto in md:
                        e = latest.get(tid)
                        if e is not None:
                            row = proto.copy()
                            row["value"] = e[1]
                            rows.append(row)
                else:
                    rows = templates.metadata_rows(n)
                if rows:
                    s["metadata"] = tuple(rows)
            if n.parents.entries:
                ps = parents(n, sc)
                if ps:
                    s["parents"] = tuple(ps)
            if metrics is not None:
                ms = metrics(n, False)
                if ms:
                    s["metrics"] = tuple(ms)
            if tables is not None:
                s["tables"] = tuple(tables(n))
        if n.adjacency:
            s["adjacency"] = tuple(sorted(n.adjacency))
        return s

    return one

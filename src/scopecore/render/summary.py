"""NodeSummary: what Scope's API sends for each rendered node (render/detailed/summary.go, parents.go).

Arrays are tuples: a summary is made once and shared (incremental renders, deltas), and tuples of strings and
flat dicts are left alone by Python's cycle collector, which a view of 20,000 nodes otherwise keeps busy.

    {"id", "label", "labelMinor", "rank", "shape"?, "tag"?, "stack"?, "pseudo"?,
     "metadata"?, "parents"?, "metrics"?, "tables"?, "adjacency"?}

Keys marked ? are left out when empty, as Go's `omitempty` does. Labels follow Scope per topology: a process
is its name with "host (pid)" below, a container its name with its host, a group its key with a count...

_summary is the plain statement of a summary; views are summarised by functions generated from it per topology
(summarizer_source) and by summarize_all, which tests compare with it.
"""

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat
from operator import attrgetter, call
from types import CodeType
from typing import Any, NamedTuple, Protocol

from ..report import ids
from ..report.edges import Edges
from ..report.kinds import TopologyKind
from ..report.latest import LatestMap
from ..report.metrics import Metric, Metrics
from ..report.node import Node
from ..report.sets import Sets
from ..report.topology import Topology
from .base import AnyNode, RenderContext, make_node
from .labels import LABELLERS, PLAIN_LABELS, pluralize
from .rows import Row, Templates, metadata_value

try:
    from . import _csummary
except ImportError:  # not built (no compiler at install time): the generated code makes every row
    _csummary = None  # type: ignore[assignment]
else:
    _csummary.bind(Node, LatestMap, Sets, Metrics, Metric, LatestMap.empty(), Sets.empty(), Metrics.empty(),
                   Edges.empty())

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
_TOPOLOGY, _ADJACENCY = attrgetter("topology"), attrgetter("adjacency")


class SummaryContext:
    """What summaries need besides the node: each topology's shape, labels and templates, and parent nodes.

    Parent links and prepared templates are memoised here; one context serves many summaries."""

    def __init__(self, topologies: Mapping[str, Topology], lookup: Callable[[str, str], AnyNode | None]) -> None:
        self._topologies = topologies
        self._lookup = lookup
        self._templates: dict[str, Templates | None] = {}
        self._parents: dict[tuple[str, str], Row | None] = {}
        self._preps: dict[str, _Prep | None] = {}
        self._summarizers: dict[str, _Summarizer | None] = {}

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
        got = self._summarizer(topology)
        return got.summarize if got is not None else None

    def _summarizer(self, topology: str) -> "_Summarizer | None":
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


class _Summarize(Protocol):
    def __call__(self, n: AnyNode, grouped: bool | None = None,
                 adjacency: tuple[str, ...] | None = None) -> Summary: ...


class _Summarizer(NamedTuple):
    summarize: _Summarize
    groups: bool  # True if it tells groups from other nodes (then passing `grouped` saves it a look)


def _summarizer(sc: SummaryContext, topology: str) -> _Summarizer | None:
    p = sc.prep(topology)
    if p is None:
        return None
    source, env = summarizer_source(sc, topology, p)
    exec(_compiled(source, topology), env)
    return _Summarizer(env["summarize"], _has_rows(p.templates))


@functools.lru_cache(maxsize=128)
def _compiled(source: str, topology: str) -> CodeType:
    # Each render has its own context, but mostly the same templates: compiling takes longer than rendering
    # a small view.
    return compile(source, f"<summarizer of {topology}>", "exec")


def _has_rows(templates: Templates | None) -> bool:
    # Only nodes with rows of their own are told from groups.
    return templates is not None and bool(templates.metadata or templates.metrics or templates.tables)


def _hidden(n: AnyNode, grouped: bool | None = None, adjacency: tuple[str, ...] | None = None) -> None:
    return None


def summarize_all(nodes: Sequence[AnyNode], sc: SummaryContext) -> list[Summary | None]:
    """summarize(n, sc) of each node, in order.

    Made in passes over all the nodes: which are groups (their children), their sorted adjacency, then one call
    per node for the rest. A node's children and adjacency lie far from its other values in memory, and a big
    view is read faster kind by kind than node by node (a fifth faster on 20,000 processes)."""
    topologies = list(map(_TOPOLOGY, nodes))
    summarizers = {t: sc._summarizer(t) for t in set(topologies)}
    grouping = {t for t, f in summarizers.items() if f is not None and f.groups}
    grouped: Iterable[bool | None] = repeat(None)
    if grouping:
        flags = []
        for n, t in zip(nodes, topologies, strict=True):
            g = False
            if t in grouping:
                for c in n.children.values():
                    if c.topology == t:  # a group: see _is_group
                        g = True
                        break
            flags.append(g)
        grouped = flags
    adjacency = map(tuple, map(sorted, map(_ADJACENCY, nodes)))
    fs = {t: _hidden if f is None else f.summarize for t, f in summarizers.items()}
    return list(map(call, map(fs.__getitem__, topologies), nodes, grouped, list(adjacency)))


class _Source:
    """Lines of Python source, and the values its global names stand for."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.env: dict[str, Any] = {}

    def add(self, depth: int, *lines: str) -> None:
        self.lines.extend("    " * depth + line for line in lines)

    def bind(self, name: str, value: Any) -> str:
        assert self.env.get(name, value) is value, name
        self.env[name] = value
        return name


def summarizer_source(sc: SummaryContext, topology: str, p: _Prep) -> tuple[str, dict[str, Any]]:
    """The source of `summarize(n, grouped=None, adjacency=None)` for the nodes of one topology, and the globals
    it needs. `grouped` (whether n is a group, see _is_group) and `adjacency` (sorted) are computed if not given.

    Most of a summary is fixed per topology: its shape and tag, which templates it has and their row
    prototypes. As dataclasses writes an __init__ per class, a function is written per topology with all that
    unrolled: a row per template, each a copy of its prototype with the node's value set (metadata and metric
    rows by cext/csummary.c where built); one dict display for the summary when every optional key is there.
    _summary is the reference it must equal (tests compare).
    """
    shape, tag, labeller, templates = p
    src = _Source()
    sc_name = src.bind("sc", sc)
    plain = PLAIN_LABELS.get(topology) if labeller is LABELLERS.get(topology) else None
    head = {"id": "node_id", "label": "node_id", "labelMinor": "''", "rank": "''", "shape": repr(shape)}
    if tag:
        head["tag"] = repr(tag)
    src.add(0, "def summarize(n, grouped=None, adjacency=None):", "    node_id = n.id")
    if plain is not None:
        src.add(1, f"label, minor, rank = {src.bind('labels', plain)}(n)")
        head.update(label="label", labelMinor="minor", rank="rank")
    # (summary key, local variable, shown if empty), in the order of the summary's keys
    parts: list[tuple[str, str, bool]] = []
    if templates is not None and templates.metadata:
        parts.append(("metadata", "md", False))
    parts.append(("parents", "ps", False))
    if templates is not None and templates.metrics:
        parts.append(("metrics", "ms", False))
    if templates is not None and templates.tables:
        parts.append(("tables", "tb", True))
    parts.append(("adjacency", "adjacency", False))
    if templates is not None and _has_rows(templates):
        rows = [v for k, v, _ in parts if k not in ("parents", "adjacency")]
        src.add(1, "if grouped is None:",
                "    grouped = False",
                "    for child in n.children.values():",
                f"        if child.topology == {topology!r}:  # see _is_group",
                "            grouped = True",
                "            break",
                "if grouped:",
                "    " + " = ".join([*rows, "None"]),
                "else:")
        _add_rows(src, 2, templates)
    src.add(1, "pe = n.parents.entries",
            "if pe:",
            f"    hit = {src.bind('parents_memo', {})}.get(id(pe))",
            "    ps = hit[1] if hit is not None and hit[0] is pe else "
            f"{src.bind('parents_of', _parents_memoised)}(n, pe, parents_memo, {sc_name})",
            "else:",
            "    ps = None",
            "if adjacency is None:",
            "    adjacency = tuple(sorted(n.adjacency))")

    def display(items: Mapping[str, str]) -> str:
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in items.items()) + "}"

    def present(var: str, shown_if_empty: bool) -> str:
        return f"{var} is not None" if shown_if_empty else var

    if labeller is None or plain is not None:
        # The usual summary has every part: one dict display.
        src.add(1, "if " + " and ".join(present(v, shown) for _k, v, shown in parts) + ":",
                "    return " + display({**head, **{k: v for k, v, _ in parts}}))
    src.add(1, f"s = {display(head)}")
    if labeller is not None and plain is None:
        src.add(1, f"{src.bind('labeller', labeller)}(s, n, {sc_name})")
    for key, var, shown in parts:
        src.add(1, f"if {present(var, shown)}:", f"    s[{key!r}] = {var}")
    src.add(1, "return s")
    return "\n".join(src.lines) + "\n", src.env


def _add_rows(src: _Source, d: int, templates: Templates) -> None:
    """Metadata, metric and table rows of a node that is not a group, into md, ms and tb (Templates' rows,
    unrolled). When every row is there, the tuple is a display of them; else they are appended to a list."""

    def rows(var: str, tests: list[str], row: Callable[[int, str], list[str]], d: int = d) -> None:
        src.add(d, "if " + " and ".join(f"{t} is not None" for t in tests) + ":")
        for i in range(len(tests)):
            src.add(d + 1, *row(i, f"r{i}"))
        src.add(d + 1, f"{var} = ({', '.join(f'r{i}' for i in range(len(tests)))},)")
        src.add(d, "else:", f"    {var} = []")
        for i, t in enumerate(tests):
            src.add(d + 1, f"if {t} is not None:")
            src.add(d + 2, *row(i, "r"), f"{var}.append(r)")
        src.add(d + 1, f"{var} = tuple({var})")

    native = _csummary is not None
    if templates.metadata and native and all(from_latest for *_, from_latest in templates.metadata):
        spec = tuple((tid, proto) for _t, tid, proto, _from in templates.metadata)
        src.add(d, f"md = {src.bind('md_rows', _csummary.md_rows)}(n.latest.entries, {src.bind('md_spec', spec)})")
    elif templates.metadata:
        src.add(d, "latest = n.latest.entries")
        for i, (t, tid, _proto, from_latest) in enumerate(templates.metadata):
            if from_latest:
                src.add(d, f"e{i} = latest.get({tid!r})")
            else:
                src.add(d, f"e{i} = {src.bind('metadata_value', metadata_value)}(n, {src.bind(f'template{i}', t)})")

        def metadata_row(i: int, r: str) -> list[str]:
            _t, _tid, proto, from_latest = templates.metadata[i]
            return [f"{r} = {src.bind(f'md{i}', proto)}.copy()", f"{r}['value'] = e{i}{'[1]' if from_latest else ''}"]

        rows("md", [f"e{i}" for i in range(len(templates.metadata))], metadata_row)
    if templates.metrics:
        inf = src.bind("INF", math.inf)
        src.add(d, "metrics = n.metrics.entries")
        depth = d
        if native:  # in C, unless a metric holds other numbers than floats
            mt_spec = src.bind("mt_spec", templates.metrics)
            src.add(d, f"ms = {src.bind('metric_rows', _csummary.metric_rows)}(metrics, {mt_spec})", "if ms is None:")
            depth = d + 1
        for i, (tid, _proto) in enumerate(templates.metrics):
            src.add(depth, f"m{i} = metrics.get({tid!r})")

        def metric_row(i: int, r: str) -> list[str]:
            # As Templates.metric_rows: the last value truncated to 2 decimals; bounds kept if finite.
            return [f"{r} = {src.bind(f'mt{i}', templates.metrics[i][1])}.copy()",
                    f"values = m{i}.values",
                    "if values:",
                    "    v = values[-1]",
                    f"    {r}['value'] = int(v * 100) / 100 if -1e300 < v < 1e300 else 0.0",
                    f"v = m{i}.min",
                    f"{r}['min'] = v if -{inf} < v < {inf} else 0.0",
                    f"v = m{i}.max",
                    f"{r}['max'] = v if -{inf} < v < {inf} else 0.0"]

        rows("ms", [f"m{i}" for i in range(len(templates.metrics))], metric_row, depth)
    if templates.tables:
        src.add(d, f"tb = tuple({src.bind('table_rows', templates.table_rows)}(n))")


_ParentsMemo = dict[int, tuple[Mapping[str, frozenset[str]], tuple[Row, ...]]]


def _parents_memoised(n: AnyNode, entries: Mapping[str, frozenset[str]], memo: _ParentsMemo,
                      sc: SummaryContext) -> tuple[Row, ...]:
    """parents(n, sc) as a tuple; kept by the identity of the node's parent sets, which the nodes of a host
    mostly share, unless they could name the node itself."""
    ps = tuple(parents(n, sc))
    if n.topology not in entries:
        memo[id(entries)] = (entries, ps)  # holding entries keeps its id from being reused
    return ps

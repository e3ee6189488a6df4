"""Document (what json.loads or msgpack.unpackb return) -> Report, checking every shape on the way.

Reads what Scope 1.13 probes send and its app returns, including the legacy node fields `counters` and
`latestControls`, and our additive extension `edges`. Any problem raises DecodeError naming the path, e.g.
`Process.nodes["vm;42"].latest.pid.timestamp: not an RFC 3339 time: 'x'`.
"""

import math
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

from ..errors import DecodeError
from ..report.dns import DNSRecord
from ..report.edges import EdgeCounts, EdgeData, Edges
from ..report.kinds import TopologyKind
from ..report.latest import LatestMap
from ..report.metrics import Metric, Metrics
from ..report.node import Node
from ..report.report import Report
from ..report.sets import Sets
from ..report.templates import Column, Control, MetadataTemplate, MetricTemplate, PluginSpec, TableTemplate
from ..report.topology import Topology
from .times import GO_ZERO, TimeFormatError, parse_go_binary, parse_rfc3339

_NO_SETS = Sets.empty()
_REPORT_SCALARS = {"TS", "DNS", "Sampling", "Window", "Shortcut", "Plugins", "ID"}


try:
    from . import _cdecode
except ImportError:  # not built (no compiler at install time): every node is decoded in Python
    _cdecode = None  # type: ignore[assignment]

# The C twin of _Decoder.node for the usual node (cext/cdecode.c): None when Python must decode it.
_fast_node: Callable[[str, object, dict[str | bytes, int], Callable[[str], int]], Node | None] | None = None
if _cdecode is not None:
    _cdecode.bind(Node, LatestMap, Sets, Metrics, Metric, LatestMap.empty(), Sets.empty(), Metrics.empty(),
                  Edges.empty())
    _fast_node = _cdecode.decode_node

# Templates and controls are the same in every report of a probe (of one version): decoded once here, reports
# share them, and merges compare them by identity instead of field by field. Bounded, since any peer can send
# templates: when full it starts over.
_SHARED: dict[Any, Any] = {}
_SHARED_MAX = 4096
H = TypeVar("H", Control, MetadataTemplate, MetricTemplate, TableTemplate)


def _shared(value: H) -> H:
    got: H | None = _SHARED.get(value)
    if got is None:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        _SHARED[value] = got = value
    return got


def _kind(v: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", type(None): "null", bool: "a boolean",
            int: "a number", float: "a number", bytes: "bytes"}.get(type(v), type(v).__name__)


def _fail(expected: str, got: object, path: str = "") -> NoReturn:
    raise DecodeError(f"expected {expected}, got {_kind(got)}", path)


def _check_keys(d: dict[Any, Any], path: str) -> None:
    # msgpack maps may have non-string keys; Scope's never do.
    for k in d:
        if type(k) is not str:
            raise DecodeError(f"expected string keys, got {_kind(k)} {k!r}", path)


def _in(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _at(path: str, key: str) -> str:
    return f'{path}["{key}"]'


class _Decoder:
    """One decode call: holds the caches that make repeated timestamps and names cheap."""

    def __init__(self) -> None:
        self._times: dict[str | bytes, int] = {}

    # scalars

    def time(self, v: object) -> int:
        if type(v) is not str and type(v) is not bytes:
            _fail("a time", v)
        t = self._times.get(v)
        if t is not None:
            return t
        try:
            if isinstance(v, bytes):
                t = parse_go_binary(v)
            elif v[:1] in ("\x01", "\x02"):
                # msgpack raw strings arrive as str with surrogates; Go's binary times start with version 1/2.
                t = parse_go_binary(v.encode("utf-8", "surrogateescape"))
            else:
                t = parse_rfc3339(v)
        except TimeFormatError as e:
            raise DecodeError(str(e)) from None
        self._times[v] = t
        return t

    @staticmethod
    def string(v: object, path: str) -> str:
        if type(v) is not str:
            _fail("a string", v, path)
        return v

    @staticmethod
    def opt_string(d: Mapping[str, Any], key: str, path: str) -> str:
        v = d.get(key)
        if v is None:
            return ""
        if type(v) is not str:
            _fail("a string", v, _in(path, key))
        return v

    @staticmethod
    def number(v: object, path: str) -> float:
        if type(v) is float:
            if math.isnan(v):
                raise DecodeError("NaN is not a value", path)
            return v
        if type(v) is int:
            try:
                return float(v)
            except OverflowError:
                raise DecodeError(f"a {v.bit_length()}-bit integer is out of a number's range", path) from None
        _fail("a number", v, path)

    @staticmethod
    def integer(v: object, path: str) -> int:
        if type(v) is float and v.is_integer():
            v = int(v)
        if type(v) is not int:
            _fail("an integer", v, path)
        if not -(2**63) <= v < 2**63:  # Scope's are Go int64s; anything larger cannot be written back
            raise DecodeError(f"integer {v} out of the 64-bit range", path)
        return v

    @staticmethod
    def obj(v: object, path: str) -> dict[str, Any]:
        if v is None:
            return {}
        if type(v) is not dict:
            _fail("an object", v, path)
        _check_keys(v, path)
        return v

    @staticmethod
    def array(v: object, path: str) -> list[Any]:
        if v is None:
            return []
        if type(v) is not list:
            _fail("an array", v, path)
        return v

    def strings(self, v: object, path: str) -> frozenset[str]:
        items = self.array(v, path)
        for i, s in enumerate(items):
            if type(s) is not str:
                _fail("a string", s, f"{path}[{i}]")
        return frozenset(items)

    # report parts

    def report(self, doc: object) -> Report:
        d = self.obj(doc, "")
        if doc is None or (not any(k in d for k in _REPORT_SCALARS) and not any(
            TopologyKind.from_field(k) for k in d
        )):
            raise DecodeError("not a report: no TS, ID or topology fields")
        topologies: dict[TopologyKind, Topology] = {}
        for key, value in d.items():
            kind = TopologyKind.from_field(key) if type(key) is str else None
            if kind is None:
                continue
            topo = self.topology(value, key)
            if topo != Topology.empty():
                topologies[kind] = topo
        ts: int | None = None
        if d.get("TS") is not None:
            try:
                ts = self.time(d["TS"])
            except DecodeError as e:
                raise e.within("TS") from None
            if ts == GO_ZERO:
                ts = None
        window = self.integer(d.get("Window") or 0, "Window") if ts is not None else 0
        shortcut = d.get("Shortcut", False)
        if shortcut is None:
            shortcut = False
        if type(shortcut) is not bool:
            _fail("a boolean", shortcut, "Shortcut")
        sampling_d = self.obj(d.get("Sampling"), "Sampling")
        sampling = (
            self.integer(sampling_d.get("Count") or 0, "Sampling.Count"),
            self.integer(sampling_d.get("Total") or 0, "Sampling.Total"),
        )
        rid = d.get("ID") or ""
        if type(rid) is int:
            rid = str(rid)
        rid = self.string(rid, "ID")
        return Report(
            topologies=topologies,
            dns=self.dns(d.get("DNS"), "DNS"),
            plugins={p.id: p for p in (self.plugin(p, f"Plugins[{i}]")
                                       for i, p in enumerate(self.array(d.get("Plugins"), "Plugins")))},
            ts=ts,
            window=window,
            shortcut=shortcut,
            sampling=sampling,
            id=rid,
        )

    def dns(self, v: object, path: str) -> dict[str, DNSRecord]:
        out = {}
        for addr, rec in self.obj(v, path).items():
            p = _at(path, addr)
            r = self.obj(rec, p)
            record = DNSRecord(self.strings(r.get("forward"), _in(p, "forward")),
                               self.strings(r.get("reverse"), _in(p, "reverse")))
            out[self.string(addr, path)] = record
        return out

    def plugin(self, v: object, path: str) -> PluginSpec:
        d = self.obj(v, path)
        s = self.opt_string
        interfaces = self.array(d.get("interfaces"), _in(path, "interfaces"))
        return PluginSpec(
            id=self.string(d.get("id"), _in(path, "id")),
            label=s(d, "label", path),
            description=s(d, "description", path),
            interfaces=tuple(self.string(x, _in(path, "interfaces")) for x in interfaces),
            api_version=s(d, "api_version", path),
            status=s(d, "status", path),
        )

    def topology(self, v: object, path: str) -> Topology:
        d = self.obj(v, path)
        nodes: dict[str, Node] = {}
        npath = _in(path, "nodes")
        fast, times, parse = _fast_node, self._times, self.time
        for nid, n in self.obj(d.get("nodes"), npath).items():
            node = fast(nid, n, times, parse) if fast is not None else None
            if node is None:
                try:
                    node = self.node(nid, n)
                except DecodeError as e:
                    raise e.within(_at(npath, nid)) from None
            nodes[nid] = node
        return Topology(
            nodes=nodes,
            shape=self.opt_string(d, "shape", path),
            tag=self.opt_string(d, "tag", path),
            label=self.opt_string(d, "label", path),
            label_plural=self.opt_string(d, "label_plural", path),
            controls=self.table(d.get("controls"), _in(path, "controls"), self.control),
            metadata_templates=self.table(d.get("metadata_templates"), _in(path, "metadata_templates"),
                                          self.metadata_template),
            metric_templates=self.table(d.get("metric_templates"), _in(path, "metric_templates"),
                                        self.metric_template),
            table_templates=self.table(d.get("table_templates"), _in(path, "table_templates"),
                                       self.table_template),
        )

    def table(self, v: object, path: str, item: Callable[[str, object, str], Any]) -> dict[str, Any]:
        return {k: item(k, x, _at(path, k)) for k, x in self.obj(v, path).items()}

    def control(self, key: str, v: object, path: str) -> Control:
        d = self.obj(v, path)
        return _shared(Control(
            id=self.opt_string(d, "id", path) or key,
            human=self.opt_string(d, "human", path),
            icon=self.opt_string(d, "icon", path),
            confirmation=self.opt_string(d, "confirmation", path),
            rank=self.integer(d.get("rank") or 0, _in(path, "rank")),
        ))

    def metadata_template(self, key: str, v: object, path: str) -> MetadataTemplate:
        d = self.obj(v, path)
        return _shared(MetadataTemplate(
            id=self.opt_string(d, "id", path) or key,
            label=self.opt_string(d, "label", path),
            truncate=self.integer(d.get("truncate") or 0, _in(path, "truncate")),
            datatype=self.opt_string(d, "dataType", path),
            priority=self.number(d.get("priority") or 0, _in(path, "priority")),
            from_=self.opt_string(d, "from", path),
        ))

    def metric_template(self, key: str, v: object, path: str) -> MetricTemplate:
        d = self.obj(v, path)
        return _shared(MetricTemplate(
            id=self.opt_string(d, "id", path) or key,
            label=self.opt_string(d, "label", path),
            format=self.opt_string(d, "format", path),
            group=self.opt_string(d, "group", path),
            priority=self.number(d.get("priority") or 0, _in(path, "priority")),
        ))

    def table_template(self, key: str, v: object, path: str) -> TableTemplate:
        d = self.obj(v, path)
        columns = []
        for i, c in enumerate(self.array(d.get("columns"), _in(path, "columns"))):
            cp = f"{_in(path, 'columns')}[{i}]"
            cd = self.obj(c, cp)
            columns.append(Column(self.string(cd.get("id"), _in(cp, "id")), self.opt_string(cd, "label", cp),
                                  self.opt_string(cd, "dataType", cp)))
        rows_path = _in(path, "fixedRows")
        rows = tuple(sorted((k, self.string(x, _at(rows_path, k)))
                            for k, x in self.obj(d.get("fixedRows"), rows_path).items()))
        return _shared(TableTemplate(
            id=self.opt_string(d, "id", path) or key,
            label=self.opt_string(d, "label", path),
            prefix=self.opt_string(d, "prefix", path),
            type=self.opt_string(d, "type", path),
            columns=tuple(columns),
            fixed_rows=rows,
        ))

    def node(self, nid: str, v: object) -> Node:
        """A node; errors carry paths relative to the node."""
        if type(v) is not dict:
            _fail("an object", v)
        if type(nid) is not str:
            raise DecodeError(f"expected a string node ID, got {_kind(nid)}")
        d: dict[str, Any] = v
        topology = d.get("topology") or ""
        if type(topology) is not str:
            _fail("a string", topology, "topology")
        latest = self.latest(d.get("latest"))
        if d.get("counters") or d.get("latestControls"):
            latest = latest.merge(self.legacy(d))
        sv, pv = d.get("sets"), d.get("parents")
        sets = self.sets(sv, "sets") if sv is not None else _NO_SETS
        parents = self.sets(pv, "parents") if pv is not None else _NO_SETS
        adj = d.get("adjacency")
        adjacency = self.strings(adj, "adjacency") if adj else frozenset()
        m = d.get("metrics")
        metrics = self.metrics(m) if m else Metrics.empty()
        c = d.get("children")
        children = self.children(c) if c else {}
        e = d.get("edges")
        edges = self.edges(e) if e else Edges.empty()
        return Node(nid, topology, latest, sets, parents, adjacency, metrics, children, edges)

    def latest(self, v: object) -> LatestMap:
        if not v:
            if v is None or v == {}:
                return LatestMap.empty()
            _fail("an object", v, "latest")
        if type(v) is not dict:
            _fail("an object", v, "latest")
        _check_keys(v, "latest")
        out: dict[str, tuple[int, str]] = {}
        time, cache = self.time, self._times
        for k, e in v.items():
            if type(e) is not dict:
                _fail("an object", e, f"latest.{k}")
            value = e.get("value")
            if type(value) is not str:
                _fail("a string", value, f"latest.{k}.value")
            ts = e.get("timestamp")
            t = cache.get(ts) if type(ts) is str else None  # most timestamps repeat within a report
            if t is None:
                try:
                    t = time(ts)
                except DecodeError as err:
                    raise err.within(f"latest.{k}.timestamp") from None
            out[k] = (t, value)
        return LatestMap(out)

    def legacy(self, d: Mapping[str, Any]) -> LatestMap:
        """Scope's older node fields: `counters` became latest entries, `latestControls` active_controls."""
        out: dict[str, tuple[int, str]] = {}
        for k, n in self.obj(d.get("counters"), "counters").items():
            out[k] = (GO_ZERO, str(self.integer(n, f"counters.{k}")))
        controls = self.obj(d.get("latestControls"), "latestControls")
        if controls:
            live, newest = [], GO_ZERO
            for name, e in controls.items():
                p = f"latestControls.{name}"
                ed = self.obj(e, p)
                try:
                    newest = max(newest, self.time(ed.get("timestamp")))
                except DecodeError as err:
                    raise err.within(f"{p}.timestamp") from None
                if not self.obj(ed.get("value"), f"{p}.value").get("dead"):
                    live.append(name)
            out["active_controls"] = (newest, ";".join(sorted(live)))
        return LatestMap(out)

    def sets(self, v: object, path: str) -> Sets:
        if not v:
            if v is None or v == {}:
                return Sets.empty()
            _fail("an object", v, path)
        if type(v) is not dict:
            _fail("an object", v, path)
        _check_keys(v, path)
        out = {}
        for k, items in v.items():
            if type(items) is list and all(type(x) is str for x in items):  # the usual case, without a path string
                s = frozenset(items)
            else:
                s = self.strings(items, f"{path}.{k}")
            if s:
                out[k] = s
        return Sets(out) if out else Sets.empty()

    def metrics(self, v: object) -> Metrics:
        if type(v) is not dict:
            _fail("an object", v, "metrics")
        _check_keys(v, "metrics")
        out = {}
        cache, time, number = self._times, self.time, self.number
        for name, m in v.items():
            p = f"metrics.{name}"
            if type(m) is not dict:
                _fail("an object", m, p)
            times: list[int] = []
            values: list[float] = []
            for i, s in enumerate(self.array(m.get("samples"), f"{p}.samples")):
                if type(s) is not dict:
                    _fail("an object", s, f"{p}.samples[{i}]")
                date, value = s.get("date"), s.get("value")
                t = cache.get(date) if type(date) is str else None
                if t is None:
                    try:
                        t = time(date)
                    except DecodeError as err:
                        raise err.within(f"{p}.samples[{i}].date") from None
                times.append(t)
                values.append(value if type(value) is float and value == value  # not NaN
                              else number(value, f"{p}.samples[{i}].value"))
            lo, hi = m.get("min"), m.get("max")
            out[name] = Metric.from_lists(
                times,
                values,
                None if lo is None else number(lo, f"{p}.min"),
                None if hi is None else number(hi, f"{p}.max"),
            )
        return Metrics(out)

    def children(self, v: object) -> dict[str, Node]:
        # Scope writes a NodeSet as an array of nodes; accept an object keyed by ID as well.
        items = v.items() if type(v) is dict else enumerate(self.array(v, "children"))
        out: dict[str, Node] = {}
        for key, c in items:
            p = f"children[{key}]"
            cid = c.get("id") if type(c) is dict else None
            if not isinstance(cid, str):
                cid = key if isinstance(key, str) else None
            if cid is None:
                raise DecodeError("child node without an id", p)
            try:
                child = self.node(cid, c)
            except DecodeError as e:
                raise e.within(p) from None
            out[cid] = out[cid].merge(child) if cid in out else child
        return out

    def edges(self, v: object) -> Edges:
        out = {}
        for target, samples in self.obj(v, "edges").items():
            p = f"edges.{target}"
            data: dict[tuple[str, int], EdgeCounts] = {}
            for i, s in enumerate(self.array(samples, p)):
                sp = f"{p}[{i}]"
                sd = self.obj(s, sp)
                try:
                    t = self.time(sd.get("date"))
                except DecodeError as err:
                    raise err.within(f"{sp}.date") from None
                counts = EdgeCounts(*(self.integer(sd.get(f) or 0, f"{sp}.{f}") for f in EdgeCounts._fields))
                key = (self.string(sd.get("source", ""), f"{sp}.source"), t)
                data[key] = data[key].join(counts) if key in data else counts
            out[target] = EdgeData(data)
        return Edges(out)


def decode_document(doc: object) -> Report:
    """A Report from a parsed JSON or msgpack document; DecodeError if it is not a well-formed report."""
    return _Decoder().report(doc)

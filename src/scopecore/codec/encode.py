"""Report -> document in Scope's shapes (JSON with RFC 3339 times, msgpack with Go binary times).

Field names, nulls and omissions follow what Scope 1.13 writes (see fixtures/scope-1.13/report.json), so a Scope
app or client reads what we write. Our additions (`edges` on nodes) are extra keys, which Scope's decoder skips.
"""

import math
from collections.abc import Callable, Mapping
from typing import Any

from ..report.edges import Edges
from ..report.kinds import WIRE_ORDER
from ..report.metrics import Metrics
from ..report.node import Node
from ..report.report import Report
from ..report.templates import Control, MetadataTemplate, MetricTemplate, PluginSpec, TableTemplate
from ..report.topology import Topology
from .times import GO_ZERO

Doc = dict[str, Any]


class _Encoder:
    def __init__(self, fmt: Callable[[int], Any]) -> None:
        self._fmt = fmt
        self._cache: dict[int, Any] = {}

    def time(self, ns: int) -> Any:
        v = self._cache.get(ns)
        if v is None:
            v = self._cache[ns] = self._fmt(ns)
        return v

    def report(self, r: Report) -> Doc:
        doc: Doc = {"TS": self.time(GO_ZERO if r.ts is None else r.ts)}
        for kind in WIRE_ORDER:
            doc[kind.field] = self.topology(r.topology(kind))
        doc["DNS"] = {
            addr: {k: sorted(v) for k, v in (("forward", rec.forward), ("reverse", rec.reverse)) if v}
            for addr, rec in r.dns.items()
        }
        doc["Sampling"] = {"Count": r.sampling[0], "Total": r.sampling[1]}
        doc["Window"] = r.window
        doc["Shortcut"] = r.shortcut
        doc["Plugins"] = [_plugin(p) for p in r.plugins.values()]
        doc["ID"] = r.id
        return doc

    def topology(self, t: Topology) -> Doc:
        doc: Doc = {}
        for key in ("shape", "tag", "label", "label_plural"):
            v = getattr(t, key)
            if v:
                doc[key] = v
        if t.nodes:
            node = self.node
            doc["nodes"] = {nid: node(n) for nid, n in t.nodes.items()}
        if t.controls:
            doc["controls"] = {k: _control(c) for k, c in t.controls.items()}
        if t.metadata_templates:
            doc["metadata_templates"] = {k: _metadata_template(m) for k, m in t.metadata_templates.items()}
        if t.metric_templates:
            doc["metric_templates"] = {k: _metric_template(m) for k, m in t.metric_templates.items()}
        if t.table_templates:
            doc["table_templates"] = {k: _table_template(m) for k, m in t.table_templates.items()}
        return doc

    def node(self, n: Node) -> Doc:
        doc: Doc = {"id": n.id}
        if n.topology:
            doc["topology"] = n.topology
        doc["sets"] = {k: sorted(v) for k, v in n.sets.entries.items()} or None
        if n.adjacency:
            doc["adjacency"] = sorted(n.adjacency)
        if n.latest:
            time = self.time
            doc["latest"] = {k: {"timestamp": time(t), "value": v} for k, (t, v) in n.latest.entries.items()}
        if n.metrics:
            doc["metrics"] = self.metrics(n.metrics)
        doc["parents"] = {k: sorted(v) for k, v in n.parents.entries.items()} or None
        doc["children"] = [self.node(c) for c in n.children.values()] or None
        if n.edges:
            doc["edges"] = self.edges(n.edges)
        return doc

    def metrics(self, m: Metrics) -> Doc:
        time = self.time
        return {
            name: {
                "samples": [{"date": time(t), "value": v} for t, v in metric.samples()] or None,
                # A metric with no samples and no bounds has infinite ones, which no wire format carries.
                "min": metric.min if math.isfinite(metric.min) else 0.0,
                "max": metric.max if math.isfinite(metric.max) else 0.0,
            }
            for name, metric in m.entries.items()
        }

    def edges(self, e: Edges) -> Doc:
        time = self.time
        out: Doc = {}
        for target, data in e.entries.items():
            samples = []
            for (source, t), counts in sorted(data.samples.items()):
                s: Doc = {"source": source, "date": time(t)}
                s.update((f, v) for f, v in zip(counts._fields, counts, strict=True) if v)
                samples.append(s)
            out[target] = samples
        return out


def _omit_empty(d: Mapping[str, Any]) -> Doc:
    return {k: v for k, v in d.items() if v or k == "id"}


def _control(c: Control) -> Doc:
    d = {"id": c.id, "human": c.human, "icon": c.icon, "confirmation": c.confirmation}
    return {**_omit_empty(d), "rank": c.rank}


def _metadata_template(m: MetadataTemplate) -> Doc:
    return _omit_empty({"id": m.id, "label": m.label, "truncate": m.truncate, "dataType": m.datatype,
                        "priority": m.priority, "from": m.from_})


def _metric_template(m: MetricTemplate) -> Doc:
    return _omit_empty({"id": m.id, "label": m.label, "format": m.format, "group": m.group,
                        "priority": m.priority})


def _table_template(t: TableTemplate) -> Doc:
    return {
        "id": t.id,
        "label": t.label,
        "prefix": t.prefix,
        "type": t.type,
        "columns": [_omit_empty({"id": c.id, "label": c.label, "dataType": c.datatype}) for c in t.columns]
        or None,
        "fixedRows": dict(t.fixed_rows),
    }


def _plugin(p: PluginSpec) -> Doc:
    return {"id": p.id, "label": p.label, "description": p.description, "interfaces": list(p.interfaces),
            "api_version": p.api_version, "status": p.status}


def encode_document(report: Report, time_format: Callable[[int], Any]) -> Doc:
    """The report as a JSON/msgpack-ready document, times written by `time_format`."""
    return _Encoder(time_format).report(report)

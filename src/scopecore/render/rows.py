"""Metadata, metric and table rows of a node summary, from its topology's templates (Scope's
report/metadata_template.go, metric_template.go, table.go), in the JSON shapes Scope's API returns.

A topology's templates are prepared once (sorted by priority, with the constant part of each row built), so
a row costs one small dict per node.
"""

import math
from collections.abc import Callable, Mapping
from typing import Any

from ..codec.times import format_rfc3339
from ..report.metrics import Metric
from ..report.templates import MetadataTemplate, MetricTemplate, TableTemplate
from ..report.topology import Topology
from .base import AnyNode, count_children

Row = dict[str, Any]
INF = math.inf
TABLE_ENTRY_KEY_SEPARATOR = "___"
TRUNCATION_COUNT_PREFIX = "table_truncation_count_"
PROPERTY_LIST = "property-list"
MULTICOLUMN_TABLE = "multicolumn-table"


def to_fixed(value: float) -> float:
    """A metric's shown value: truncated (not rounded) to 2 decimals, as Scope's toFixed does."""
    if not math.isfinite(value):
        return 0.0
    return int(value * 100) / 100


def _finite(v: float) -> float:
    return v if math.isfinite(v) else 0.0


class Templates:
    """A topology's templates, ready to make rows."""

    __slots__ = ("metadata", "metrics", "tables")

    def __init__(self, topology: Topology) -> None:
        md = sorted(topology.metadata_templates.values(), key=lambda t: (t.priority, t.id))
        # (template, ID, row prototype, True if the value is a latest entry): latest is the common case.
        self.metadata: tuple[tuple[MetadataTemplate, str, Row, bool], ...] = tuple(
            (t, t.id, _metadata_proto(t), t.from_ == "latest") for t in md)
        mt = sorted(topology.metric_templates.values(), key=lambda t: (t.priority, t.id))
        self.metrics: tuple[tuple[str, Row], ...] = tuple((t.id, _metric_proto(t)) for t in mt)
        self.tables: tuple[TableTemplate, ...] = tuple(sorted(topology.table_templates.values(),
                                                              key=lambda t: t.id))

    def metadata_rows(self, n: AnyNode) -> list[Row]:
        """Rows of the metadata templates the node has a value for, by priority."""
        rows = []
        latest = n.latest.entries
        for t, tid, proto, from_latest in self.metadata:
            if from_latest:
                e = latest.get(tid)
                if e is None:
                    continue
                v = e[1]
            else:
                got = metadata_value(n, t)
                if got is None:
                    continue
                v = got
            row = proto.copy()
            row["value"] = v
            rows.append(row)
        return rows

    def metric_rows(self, n: AnyNode, samples: bool) -> list[Row]:
        """Rows of the metric templates the node has, by priority; with samples for details."""
        rows: list[Row] = []
        metrics = n.metrics.entries
        if not metrics:
            return rows
        for tid, proto in self.metrics:
            m = metrics.get(tid)
            if m is None:
                continue
            if samples:
                rows.append(metric_row(proto, m, samples))
                continue
            # metric_row, inlined: summaries make three of these per process.
            row = proto.copy()
            values = m.values
            if values:
                v = values[-1]
                row["value"] = int(v * 100) / 100 if -1e300 < v < 1e300 else 0.0
            lo, hi = m.min, m.max
            row["min"] = lo if -INF < lo < INF else 0.0
            row["max"] = hi if -INF < hi < INF else 0.0
            rows.append(row)
        return rows

    def table_rows(self, n: AnyNode) -> list[Row]:
        """One table per table template, by ID (empty ones too, as Scope shows them)."""
        return [table(t, n) for t in self.tables]


def _metadata_proto(t: MetadataTemplate) -> Row:
    row: Row = {"id": t.id, "label": t.label, "value": ""}
    if t.priority:
        row["priority"] = t.priority
    if t.datatype:
        row["dataType"] = t.datatype
    if t.truncate:
        row["truncate"] = t.truncate
    return row


def metadata_value(n: AnyNode, t: MetadataTemplate) -> str | None:
    """The value a metadata template shows for a node (from latest, sets or counters), or None."""
    frm = t.from_
    if frm == "latest":
        return n.latest.get(t.id)
    if frm == "sets":
        return _from_sets(n, t.id)
    if frm == "counters":
        return _from_counters(n, t.id)
    v = n.latest.get(t.id)
    if v is None:
        v = _from_sets(n, t.id)
    if v is None:
        v = _from_counters(n, t.id)
    return v


def _from_sets(n: AnyNode, key: str) -> str | None:
    if key not in n.sets:
        return None
    return ", ".join(sorted(n.sets.get(key)))


def _from_counters(n: AnyNode, key: str) -> str | None:
    c = count_children(n, key)
    return str(c) if c else None


def _metric_proto(t: MetricTemplate) -> Row:
    row: Row = {"id": t.id, "label": t.label}
    if t.format:
        row["format"] = t.format
    if t.group:
        row["group"] = t.group
    row["value"] = 0.0
    if t.priority:
        row["priority"] = t.priority
    row["samples"] = None
    row["min"] = 0.0
    row["max"] = 0.0
    row["url"] = ""
    return row


def metric_row(proto: Row, m: Metric, samples: bool) -> Row:
    """A metric row: the last value truncated, min, max, and the samples when asked (details) or None."""
    row = dict(proto)
    if m.values:
        row["value"] = to_fixed(m.values[-1])
        if samples:
            row["samples"] = [{"date": format_rfc3339(t), "value": v} for t, v in m.samples()]
    row["min"] = _finite(m.min)
    row["max"] = _finite(m.max)
    return row


def table(t: TableTemplate, n: AnyNode) -> Row:
    """A table from latest keys under the template's prefix (or its fixed rows)."""
    rows = multicolumn_rows(t, n) if t.type == MULTICOLUMN_TABLE else property_rows(t, n)
    out: Row = {
        "id": t.id,
        "label": t.label,
        "type": t.type or PROPERTY_LIST,
        "columns": [{"id": c.id, "label": c.label, "dataType": c.datatype} for c in t.columns] or None,
        "rows": rows,
    }
    count = n.latest.get(TRUNCATION_COUNT_PREFIX + t.prefix)
    if count is not None:
        try:
            truncated = int(count.strip())
        except ValueError:
            truncated = 0  # Scope logs and shows none
        if truncated:
            out["truncationCount"] = truncated
    return out


def property_rows(t: TableTemplate, n: AnyNode) -> list[Row]:
    """Label/value rows: fixed rows by key, others by prefix."""
    fixed = dict(t.fixed_rows)
    prefix = t.prefix
    values: dict[str, str] = {}
    for key, (_ts, value) in n.latest.entries.items():
        label = fixed.get(key)
        if label is not None:
            values[label] = value
        elif prefix and key.startswith(prefix):
            values[key[len(prefix):]] = value
    return [{"id": "label_" + label, "entries": {"label": label, "value": values[label]}}
            for label in sorted(values)]


def multicolumn_rows(t: TableTemplate, n: AnyNode) -> list[Row]:
    """Rows from keys `prefix + row + "___" + column`."""
    prefix = t.prefix
    rows: dict[str, dict[str, str]] = {}
    for key, (_ts, value) in n.latest.entries.items():
        if not prefix or not key.startswith(prefix):
            continue
        row_id, sep, column = key[len(prefix):].partition(TABLE_ENTRY_KEY_SEPARATOR)
        if not sep:
            continue  # Scope would index past the end here; such keys are not table cells
        rows.setdefault(row_id, {})[column] = value
    return [{"id": r, "entries": rows[r]} for r in sorted(rows)]


TemplatesFor = Callable[[str], Templates | None]


def templates_cache(topologies: Mapping[str, Topology]) -> dict[str, Templates]:
    """Prepared templates of each topology, by topology name."""
    return {name: Templates(t) for name, t in topologies.items()}

"""Search and filters over node summaries: Scope's UI search syntax (client/.../search-utils.js), on the server.

One query is one term, as typed in Scope's search box:

    nc                  a case-insensitive regexp over label, labelMinor, metadata values, parent labels and
                        table values (an invalid regexp is matched literally, as Scope does)
    pid: 243            the same, only in fields whose label (slugified: "PID" -> "pid") matches "pid"
    cpu > 80%           a metric by label, compared with <, = or >; values take k/m/g/t (x1024 each) and %
    memory > 1G

Beyond Scope:

    label:app=web       nodes whose Docker/Kubernetes label `app` is `web`
    type:container      nodes of a topology (report names like "container", API names like "containers",
                        or "pseudo"); a group ("by name") node counts as its members' topology

Pinned queries are ANDed (`matches_all`). A query that does not parse raises QueryError saying where.
"""

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..report import ids
from ..report.kinds import TopologyKind
from .errors import QueryError
from .summary import PRIMARY_API_TOPOLOGY, Summary

_SLUG = re.compile(r"[^A-Za-z0-9]")
_VALUE = re.compile(r"\s*(?P<num>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(?P<unit>[kKmMgGtT])?(?:[iI]?[bB])?\s*%?\s*$")
_UNITS = {"k": 1024.0, "m": 1024.0**2, "g": 1024.0**3, "t": 1024.0**4}
_OPS = "<=>"
_TYPES = ({k.value for k in TopologyKind} | set(PRIMARY_API_TOPOLOGY.values()) | {ids.PSEUDO})


def slugify(label: str) -> str:
    """A field label as the search prefix matches it: "Restart #" -> "restart"."""
    return _SLUG.sub("", label).lower()


def _regexp(expr: str) -> "re.Pattern[str]":
    # Not a valid regexp (or one Python warns will change meaning, like "[["): the literal text.
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        try:
            return re.compile(expr, re.IGNORECASE)
        except (re.error, FutureWarning):
            return re.compile(re.escape(expr), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TextTerm:
    """A regexp over the node's text fields, optionally only those whose label matches `prefix`."""

    pattern: "re.Pattern[str]"
    prefix: "re.Pattern[str] | None" = None

    def matches(self, s: Summary, topology: str | None = None) -> bool:
        """True if some field matches."""
        return any(True for _ in _text_matches(self, s))


@dataclass(frozen=True, slots=True)
class MetricTerm:
    """A metric (by slugified label) compared with a value."""

    metric: str
    op: str
    value: float

    def matches(self, s: Summary, topology: str | None = None) -> bool:
        """True if the node has the metric and its value compares."""
        for m in s.get("metrics") or ():
            if slugify(m.get("label") or "") != self.metric:
                continue
            v = m.get("value")
            if not isinstance(v, (int, float)):
                continue
            if (self.op == ">" and v > self.value) or (self.op == "<" and v < self.value) or (
                    self.op == "=" and v == self.value):
                return True
        return False


@dataclass(frozen=True, slots=True)
class LabelTerm:
    """A Docker or Kubernetes label with a value (the label tables of the summary)."""

    key: str
    value: str

    def matches(self, s: Summary, topology: str | None = None) -> bool:
        """True if a label table has key = value."""
        for t in s.get("tables") or ():
            if "label" not in (t.get("id") or ""):
                continue
            for row in t.get("rows") or ():
                e = row.get("entries") or {}
                if e.get("label") == self.key and e.get("value") == self.value:
                    return True
        return False


@dataclass(frozen=True, slots=True)
class TypeTerm:
    """Nodes of a topology."""

    topology: str

    def matches(self, s: Summary, topology: str | None = None) -> bool:
        """True if the node's topology (or a group's members') is this one."""
        if topology is None:
            return False
        group = ids.parse_group_topology(topology)
        if group is not None:
            topology = group[0]
        return self.topology in (topology, PRIMARY_API_TOPOLOGY.get(topology))


Term = TextTerm | MetricTerm | LabelTerm | TypeTerm


@dataclass(frozen=True, slots=True)
class Query:
    """Parsed search terms, all of which must match."""

    terms: tuple[Term, ...]
    text: str = ""

    def matches(self, s: Summary, topology: str | None = None) -> bool:
        """True if every term matches the summary (topology: the rendered node's, for type:)."""
        return all(t.matches(s, topology) for t in self.terms)

    def __and__(self, other: "Query") -> "Query":
        return Query(self.terms + other.terms, " & ".join(x for x in (self.text, other.text) if x))


def parse(query: str) -> Query:
    """One search box query; raises QueryError (with the position) if it does not parse."""
    text = query.strip()
    if not text:
        raise QueryError("empty query", query, 0)
    start = query.index(text[0])
    head, colon, rest = text.partition(":")
    if colon:
        key = head.strip().lower()
        if key == "label" and "=" in rest:
            return Query((_label_term(query, start + len(head) + 1, rest),), query)
        if key == "type":
            return Query((_type_term(query, start + len(head) + 1, rest),), query)
        if rest.count(":") == 0:  # Scope: exactly one ':' makes a prefix query
            prefix, term = head.strip(), rest.strip()
            if not prefix:
                raise QueryError("expected a field name before ':'", query, start)
            if not term:
                raise QueryError("expected a search term after ':'", query, start + len(text))
            return Query((TextTerm(_regexp(term), _regexp(prefix)),), query)
        return Query((TextTerm(_regexp(text)),), query)
    ops = [i for i, c in enumerate(text) if c in _OPS]
    if ops:
        return Query((_metric_term(query, start, text, ops),), query)
    return Query((TextTerm(_regexp(text)),), query)


def _label_term(query: str, at: int, rest: str) -> LabelTerm:
    key, _eq, value = rest.partition("=")
    if not key.strip():
        raise QueryError("expected a label name after 'label:'", query, at)
    return LabelTerm(key.strip(), value.strip())


def _type_term(query: str, at: int, rest: str) -> TypeTerm:
    name = rest.strip().lower()
    if name not in _TYPES:
        raise QueryError(f"unknown type {name!r} (one of {', '.join(sorted(_TYPES))})", query,
                         at + len(rest) - len(rest.lstrip()))
    return TypeTerm(name)


def _metric_term(query: str, start: int, text: str, ops: list[int]) -> MetricTerm:
    i = ops[0]
    if len(ops) > 1:
        raise QueryError(f"unexpected {text[ops[1]]!r}: one comparison per query", query, start + ops[1])
    metric = text[:i].strip()
    if not metric:
        raise QueryError(f"expected a metric name before {text[i]!r}", query, start + i)
    m = _VALUE.match(text[i + 1:])
    if m is None:
        raise QueryError(f"expected a number after {text[i]!r} (like 80%, 512M or 1.5G)", query,
                         start + i + 1 + len(text[i + 1:]) - len(text[i + 1:].lstrip()))
    value = float(m.group("num"))
    unit = m.group("unit")
    if unit:
        value *= _UNITS[unit.lower()]
    return MetricTerm(slugify(metric), text[i], value)


def _text_matches(t: TextTerm, s: Summary) -> Iterable[str]:
    pattern, prefix = t.pattern, t.prefix

    def ok(label: str) -> bool:
        return prefix is None or bool(prefix.search(slugify(label)))

    for field in ("label", "labelMinor"):
        v = s.get(field)
        if isinstance(v, str) and ok(field) and pattern.search(v):
            yield field
    for row in s.get("metadata") or ():
        if ok(row.get("label") or "") and pattern.search(str(row.get("value", ""))):
            yield row["id"]
    for p in s.get("parents") or ():
        if ok(p.get("topologyId") or "") and pattern.search(p.get("label") or ""):
            yield p["id"]
    for table in s.get("tables") or ():
        columns = table.get("columns")
        for row in table.get("rows") or ():
            e = row.get("entries") or {}
            if table.get("type") == "multicolumn-table":
                # Scope matches table cells whatever the prefix.
                for c in columns or ():
                    v = e.get(c.get("id"))
                    if isinstance(v, str) and pattern.search(v):
                        yield row["id"]
            elif ok(e.get("label") or "") and pattern.search(e.get("value") or ""):
                yield row["id"]


def matches_all(queries: Iterable[Query], s: Summary, topology: str | None = None) -> bool:
    """True if every (pinned) query matches."""
    return all(q.matches(s, topology) for q in queries)


def filter_summaries(summaries: Mapping[str, Summary], queries: Iterable[Query | str],
                     topologies: Mapping[str, Any] | None = None) -> dict[str, Summary]:
    """The summaries every pinned query matches. `topologies` (ID -> rendered node, or its topology name)
    serves type: terms; strings are parsed first."""
    qs = [parse(q) if isinstance(q, str) else q for q in queries]

    def topology_of(k: str) -> str | None:
        if topologies is None:
            return None
        v = topologies.get(k)
        return v if isinstance(v, str) or v is None else getattr(v, "topology", None)

    return {k: s for k, s in summaries.items() if matches_all(qs, s, topology_of(k))}

"""The Inbound and Outbound tables of node details (Scope's render/detailed/connections.go).

A row is a (remote node, port) with how many connections use it, counted once each by their source endpoint
(before NAT). Beyond Scope, a row also carries what our probes measured on those connections over the window
(bytes each way, connections opened and failed, retransmits), when anyone measured it.
"""

from collections.abc import Mapping
from typing import Any

from ..report import ids
from ..report.edges import ZERO, EdgeCounts, EdgeData
from ..report.kinds import TopologyKind
from ..report.node import Node
from .base import AnyNode, RenderContext
from .summary import SummaryContext, summarize

Row = dict[str, Any]
COPY_OF = "copy_of"
REVERSE_DNS_NAMES = "reverse_dns_names"
NUMBER = "number"


def _column(cid: str, label: str, default_sort: bool = False, datatype: str = NUMBER) -> Row:
    return {"id": cid, "label": label, "defaultSort": default_sort, "dataType": datatype}


NORMAL_COLUMNS = (_column("port", "Port"), _column("count", "Count", True))
INTERNET_COLUMNS = (_column("remote", "Remote", datatype=""), *NORMAL_COLUMNS)
# Our per-edge L4 data: metadata ID, column label, EdgeCounts field.
L4_FIELDS = (
    ("bytes_sent", "Bytes sent", "bytes_sent"),
    ("bytes_received", "Bytes received", "bytes_received"),
    ("connections_total", "Connections", "connections"),
    ("failed_connections", "Failed connections", "failed_connections"),
    ("retransmits", "Retransmits", "retransmits"),
)
L4_COLUMNS = tuple(_column(mid, label) for mid, label, _ in L4_FIELDS)


def is_internet(n: AnyNode) -> bool:
    """True for the Internet pseudo nodes, whose rows break out individual addresses."""
    return n.id == ids.INCOMING_INTERNET or n.id == ids.OUTGOING_INTERNET


def edge_counts(data: EdgeData) -> EdgeCounts:
    """An edge's counters over the window: summed per observer, then the largest observation of each
    (both ends may measure one connection; adding them would count it twice)."""
    per_source: dict[str, EdgeCounts] = {}
    for (source, _t), c in data.samples.items():
        cur = per_source.get(source)
        per_source[source] = c if cur is None else cur.plus(c)
    out = ZERO
    for c in per_source.values():
        out = out.join(c)
    return out


class _Counter:
    """Connections counted per row key, each source endpoint once."""

    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx
        self.counted: set[str] = set()
        self.counts: dict[tuple[str, str, str, str], int] = {}
        self.l4: dict[tuple[str, str, str, str], EdgeCounts] = {}

    def add(self, outgoing: bool, local: AnyNode, remote: AnyNode, local_ep: AnyNode | None,
            remote_ep: AnyNode | None, src_target: str) -> None:
        src, dst = (local_ep, remote_ep) if outgoing else (remote_ep, local_ep)
        if src is None or dst is None:
            return  # Scope looks the endpoint up in the report and gets an empty node: no row
        conn = src.latest.get(COPY_OF) or src.id
        if conn in self.counted:
            return
        parts = ids.parse_endpoint(dst.id)
        if parts is None:
            return
        remote_addr = self._address(remote, remote_ep)
        local_addr = self._address(local, local_ep)
        if remote_addr is None or local_addr is None:
            return
        self.counted.add(conn)
        key = (remote.id, remote_addr, local_addr, parts.port)
        self.counts[key] = self.counts.get(key, 0) + 1
        data = src.edges.get(src_target)
        if data is not None and data.samples:
            self.l4[key] = self.l4.get(key, ZERO).plus(edge_counts(data))

    def _address(self, node: AnyNode, ep: AnyNode | None) -> str | None:
        if not is_internet(node):
            return ""
        parts = ids.parse_endpoint(ep.id) if ep is not None else None
        if parts is None:
            return None
        rec = self.ctx.report.dns.get(parts.address)
        if rec is not None and rec.reverse:
            names = sorted(rec.reverse)
        else:
            names = sorted(ep.sets.get(REVERSE_DNS_NAMES)) if ep is not None else []
        # One name of possibly several, as Scope shows: there is room for only one.
        return f"{names[0]} ({parts.address})" if names else parts.address

    def rows(self, ns: Mapping[str, AnyNode], sc: SummaryContext, include_local: bool) -> list[Row]:
        out = []
        for key, count in self.counts.items():
            remote_id, remote_addr, local_addr, port = key
            remote = ns.get(remote_id)
            s = summarize(remote, sc) if remote is not None else None
            row: Row = {"id": ids.connection(remote_id, remote_addr, local_addr, port),
                        "nodeId": s["id"] if s else "", "label": remote_addr or (s["label"] if s else "")}
            if s and s.get("labelMinor"):
                row["labelMinor"] = s["labelMinor"]
            md = []
            if include_local:
                md.append({"id": "remote", "label": "", "value": local_addr})
            md.append({"id": "port", "label": "", "value": port})
            md.append({"id": "count", "label": "", "value": str(count)})
            l4 = self.l4.get(key)
            if l4 is not None:
                md.extend({"id": mid, "label": "", "value": str(getattr(l4, f))} for mid, _, f in L4_FIELDS)
            row["metadata"] = md
            out.append(row)
        out.sort(key=lambda r: r["id"])
        return out


def _endpoint_children(n: AnyNode) -> list[AnyNode]:
    return [c for c in n.children.values() if c.topology == "endpoint"]


def _endpoint_ids(n: AnyNode) -> tuple[set[str], dict[str, str]]:
    got: set[str] = set()
    copies: dict[str, str] = {}
    for c in n.children.values():
        if c.topology == "endpoint":
            got.add(c.id)
            original = c.latest.get(COPY_OF)
            if original is not None:
                copies[c.id] = original
    return got, copies


def _table(ident: str, label: str, topology_id: str, n: AnyNode, counter: _Counter, ns: Mapping[str, AnyNode],
           sc: SummaryContext) -> Row:
    internet = is_internet(n)
    rows = counter.rows(ns, sc, internet)
    columns = list(INTERNET_COLUMNS if internet else NORMAL_COLUMNS)
    if counter.l4:
        columns.extend(L4_COLUMNS)
    return {"id": ident, "topologyId": topology_id, "label": label, "columns": columns, "connections": rows}


def incoming(topology_id: str, ctx: RenderContext, sc: SummaryContext, n: AnyNode,
             ns: Mapping[str, AnyNode]) -> Row:
    """The Inbound table: connections from nodes with an edge to n, by the port on n's side."""
    local_ids, copies = _endpoint_ids(n)
    endpoints: Mapping[str, Node] = ctx.nodes(TopologyKind.ENDPOINT)
    counter = _Counter(ctx)
    for node in ns.values():
        if n.id not in node.adjacency:
            continue
        for remote_ep in _endpoint_children(node):
            for raw in sorted(remote_ep.adjacency & local_ids):
                local_id = copies.get(raw, raw)
                counter.add(False, n, node, endpoints.get(local_id), remote_ep, raw)
    return _table("incoming-connections", "Inbound", topology_id, n, counter, ns, sc)


def outgoing(topology_id: str, ctx: RenderContext, sc: SummaryContext, n: AnyNode,
             ns: Mapping[str, AnyNode]) -> Row:
    """The Outbound table: connections from n to the nodes it has edges to, by the remote port."""
    local_eps = _endpoint_children(n)
    endpoints: Mapping[str, Node] = ctx.nodes(TopologyKind.ENDPOINT)
    counter = _Counter(ctx)
    for target in sorted(n.adjacency):
        node = ns.get(target)
        if node is None:
            continue
        remote_ids, copies = _endpoint_ids(node)
        for local_ep in local_eps:
            for raw in sorted(local_ep.adjacency & remote_ids):
                remote_id = copies.get(raw, raw)
                counter.add(True, n, node, local_ep, endpoints.get(remote_id), raw)
    return _table("outgoing-connections", "Outbound", topology_id, n, counter, ns, sc)

"""Node details (GET /api/topology/<id>/<node>, Scope's render/detailed/node.go): the node's summary with
metric samples, plus its controls, its children by topology, and its connection tables."""

from collections.abc import Mapping
from typing import Any

from ..report import ids
from ..report.kinds import TopologyKind
from ..report.report import Report
from .base import AnyNode, RenderCache, RenderContext
from .censor import Censor
from .connections import incoming, outgoing
from .options import Defaults
from .summary import PRIMARY_API_TOPOLOGY, Summary, SummaryContext, summarize
from .topologies import render_nodes, topology

Row = dict[str, Any]
_KINDS = {k.value: k for k in TopologyKind}


def _col(cid: str, label: str, datatype: str = "") -> Row:
    return {"id": cid, "label": label, "defaultSort": False, "dataType": datatype}


# Child groups in the order details list them, with their table columns (Scope's nodeSummaryGroupSpecs).
CHILD_GROUPS: tuple[tuple[str, str, tuple[Row, ...]], ...] = (
    ("pod", "Pods", (_col("kubernetes_state", "State"), _col("container", "# Containers", "number"),
                     _col("kubernetes_ip", "IP", "ip"))),
    ("ecs_task", "Tasks", (_col("ecs_task_created_at", "Created At", "datetime"),)),
    ("container", "Containers", (_col("docker_cpu_total_usage", "CPU", "number"),
                                 _col("docker_memory_usage", "Memory", "number"))),
    ("process", "Processes", (_col("pid", "PID", "number"), _col("process_cpu_usage_percent", "CPU", "number"),
                              _col("process_memory_usage_bytes", "Memory", "number"))),
    ("container_image", "Container images", ()),
    ("persistent_volume", "Persistent Volumes", ()),
    ("persistent_volume_claim", "Persistent Volume Claims", ()),
    ("storage_class", "Storage Classes", ()),
    ("volume_snapshot", "Volume Snapshots", ()),
    ("volume_snapshot_data", "Volume Snapshot Data", ()),
)


def controls(ctx: RenderContext, n: AnyNode) -> list[Row]:
    """The controls a node offers now: its report node's `active_controls`, in that order, that its topology
    defines, each with the probe to send it to."""
    kind = _KINDS.get(n.topology)
    if kind is None:
        return []
    node = ctx.nodes(kind).get(n.id)
    if node is None:
        return []
    probe = node.latest.get("control_probe_id")
    if probe is None:
        return []
    defined = ctx.topology(kind).controls
    out = []
    for cid in ids.split_list(node.latest.get("active_controls") or ""):
        c = defined.get(cid)
        if c is None:
            continue
        row: Row = {"probeId": probe, "nodeId": n.id, "id": c.id, "human": c.human, "icon": c.icon}
        if c.confirmation:
            row["confirmation"] = c.confirmation
        row["rank"] = c.rank
        out.append(row)
    return out


def children(n: AnyNode, sc: SummaryContext) -> list[Row]:
    """Summaries of the node's children, grouped by topology."""
    by_topology: dict[str, list[Summary]] = {}
    for child in n.children.values():
        if child.id == n.id:
            continue
        s = summarize(child, sc)
        if s is not None:
            by_topology.setdefault(child.topology, []).append(s)
    groups: list[Row] = []
    for topology_name, label, columns in CHILD_GROUPS:
        got = by_topology.pop(topology_name, None)
        if not got:
            continue
        got.sort(key=lambda s: s["id"])
        groups.append({"id": "", "label": label, "nodes": got, "topologyId": PRIMARY_API_TOPOLOGY[topology_name],
                       "columns": list(columns)})
    for topology_name in sorted(by_topology):
        t = sc.topology(topology_name)
        api = PRIMARY_API_TOPOLOGY.get(topology_name)
        if t is None or api is None:
            continue
        # Scope forgets to fill in the nodes of these groups; so do we, to show what it shows.
        groups.append({"id": "", "label": t.label_plural, "nodes": None, "topologyId": api, "columns": []})
    return groups


def node_details(topology_id: str, ctx: RenderContext, sc: SummaryContext, n: AnyNode,
                 ns: Mapping[str, AnyNode]) -> Row:
    """The details of a rendered node among the view's nodes `ns`."""
    s = summarize(n, sc, samples=True)
    out: Row = dict(s) if s is not None else {"id": "", "label": "", "labelMinor": "", "rank": ""}
    out["controls"] = controls(ctx, n)
    kids = children(n, sc)
    if kids:
        out["children"] = kids
    out["connections"] = [incoming(topology_id, ctx, sc, n, ns), outgoing(topology_id, ctx, sc, n, ns)]
    return out


def details(report: Report, topology_id: str, node_id: str, options: Mapping[str, str] | None = None, *,
            defaults: Defaults = "always", cache: RenderCache | None = None) -> dict[str, Any] | None:
    """The body of GET /api/topology/<id>/<node>: {"node": details}, or None if the view has no such node.

    The node is looked up before options apply and kept even if they would hide it (Scope's handleNode)."""
    desc = topology(topology_id)
    ctx = RenderContext(report, cache)
    base, shown = render_nodes(desc, ctx, options or {}, defaults)
    n = base.nodes.get(node_id)
    if n is None:
        return None
    ns = shown.nodes
    if node_id in ns:
        n = ns[node_id]
    else:
        ns = {**ns, node_id: n}
    out = node_details(topology_id, ctx, SummaryContext.of(ctx), n, ns)
    censor = Censor.of(options or {})
    return {"node": censor.apply(out) if censor else out}

"""Grouping by parent (pods, controllers, services, ECS and swarm services), metric propagation, and the
Kubernetes volume joins (Scope's pod.go, metrics.go, persistentvolume.go)."""

from collections.abc import Callable, Mapping

from ..report import ids
from ..report.kinds import TopologyKind
from ..report.sets import Sets
from .base import AnyNode, Nodes, RenderContext, Renderer, merge_children, merge_nodes, rebuild
from .combinators import Custom, Filter, Map, Reduce, Select
from .join import Join
from .pseudo import KUBERNETES_SERVICE_NAME

PSEUDO = ids.PSEUDO
UNCONTAINED_PREFIX = ids.pseudo_prefix(ids.UNCONTAINED)
DOES_NOT_MAKE_CONNECTIONS = "does_not_make_connections"
KUBERNETES_NAME = "kubernetes_name"
KUBERNETES_NAMESPACE = "kubernetes_namespace"
KUBERNETES_STATE = "kubernetes_state"
KUBERNETES_VOLUME_NAME = "kubernetes_volume_name"
KUBERNETES_VOLUME_CLAIM = "kubernetes_volume_claim"
KUBERNETES_STORAGE_CLASS_NAME = "kubernetes_storage_class_name"
KUBERNETES_SNAPSHOT_DATA = "kubernetes_snapshot_data"
STATE_DELETED = "deleted"
STATE_FAILED = "Failed"

KUBERNETES_KINDS = (
    TopologyKind.POD, TopologyKind.SERVICE, TopologyKind.DEPLOYMENT, TopologyKind.DAEMON_SET,
    TopologyKind.STATEFUL_SET, TopologyKind.CRON_JOB, TopologyKind.PERSISTENT_VOLUME,
    TopologyKind.PERSISTENT_VOLUME_CLAIM, TopologyKind.STORAGE_CLASS, TopologyKind.JOB,
)


def map_to_parents(name: str, kinds: tuple[TopologyKind, ...], no_parents: str, inner: Renderer) -> Map:
    """Nodes grouped into their parents of these kinds (Scope's Map2Parent). Nodes without such a parent go
    to the per-host pseudo node `no_parents` ("unmanaged"), or are dropped if it is ""; "uncontained" pseudo
    nodes become that pseudo node too."""
    topologies = tuple(k.value for k in kinds)

    to_services = TopologyKind.SERVICE in kinds

    def step(n: AnyNode, join: Join, ctx: RenderContext) -> None:
        if no_parents and n.id.startswith(UNCONTAINED_PREFIX):
            join.add_child_and_children(n, ids.pseudo(no_parents, n.id[len(UNCONTAINED_PREFIX):]), PSEUDO)
            return
        if n.topology == PSEUDO:
            service = kubernetes_service(ctx, n.id) if to_services else None
            if service is not None:  # connections to a cluster IP, onto the service itself
                join.add_child_and_children(n, service, TopologyKind.SERVICE.value)
            else:
                join.pass_through(n)
            return
        added = False
        for t in topologies:
            for parent in sorted(n.parents.get(t)):
                join.add_child_and_children(n, parent, t)
                added = True
        if not added and no_parents:
            host = ids.host_of(n.latest.get("host_node_id") or "")
            join.add_child_and_children(n, ids.pseudo(no_parents, host), PSEUDO)

    return Map(name, step, inner)


def kubernetes_service(ctx: RenderContext, pseudo_id: str) -> str | None:
    """The service node a `service-<name>.<namespace>.svc` pseudo node stands for, if the report has it."""
    name = ids.parse_service(pseudo_id)
    m = KUBERNETES_SERVICE_NAME.match(name) if name is not None else None
    if m is None:
        return None

    def index() -> dict[tuple[str, str], str]:
        return {(n.latest.get(KUBERNETES_NAME) or "", n.latest.get(KUBERNETES_NAMESPACE) or ""): n.id
                for n in ctx.nodes(TopologyKind.SERVICE).values()}

    by_name: dict[tuple[str, str], str] = ctx.derived("kubernetes services by name", index)
    return by_name.get((m["name"], m["namespace"]))


def propagate_pod_host(n: AnyNode, join: Join, ctx: RenderContext) -> None:
    """Pods are not tagged with their host, but their containers are: copy it from the first child that has
    one (children in ID order, as Scope's NodeSet iterates)."""
    if n.topology != "pod" or "host" in n.parents:
        join.add(n.id, n)
        return
    for cid in sorted(n.children):
        hosts = n.children[cid].parents.get("host")
        if hosts:
            n = rebuild(n, parents=n.parents.merge(Sets({"host": hosts})))
            break
    join.add(n.id, n)


def propagate_single_metrics(topology: str) -> Callable[[Nodes, RenderContext], Nodes]:
    """A pass giving each node the metrics of its only child of `topology` (children that make no
    connections, like pause containers, do not count); nothing when there are several."""

    def fn(nodes: Nodes, ctx: RenderContext) -> Nodes:
        out: dict[str, AnyNode] = {}
        for k, n in nodes.nodes.items():
            first = None
            found = 0
            for c in n.children.values():
                if c.topology == topology and DOES_NOT_MAKE_CONNECTIONS not in c.latest:
                    found += 1
                    if found > 1:
                        break
                    first = c
            if found == 1 and first is not None and first.metrics:
                n = rebuild(n, metrics=n.metrics.merge(first.metrics))
            out[k] = n
        return Nodes(out, nodes.filtered, nodes.connected)

    return fn


def is_live_pod(n: AnyNode) -> bool:
    """False for pods Kubernetes reports deleted or failed."""
    state = n.latest.get(KUBERNETES_STATE)
    return state is None or state not in (STATE_DELETED, STATE_FAILED)


def _with(n: AnyNode, adjacency: set[str], children: Mapping[str, AnyNode]) -> AnyNode:
    if not adjacency and not children:
        return n
    return rebuild(n, adjacency=n.adjacency | adjacency, children=merge_children(n.children, children))


class Volumes:
    """Pods, claims, volumes, storage classes and snapshots joined by the names they refer to each other by
    (Scope's KubernetesVolumesRenderer)."""

    inputs: tuple[Renderer, ...] = ()

    def render(self, ctx: RenderContext) -> Nodes:
        """The volume graph."""
        pvcs = ctx.nodes(TopologyKind.PERSISTENT_VOLUME_CLAIM)
        pvs = ctx.nodes(TopologyKind.PERSISTENT_VOLUME)
        classes = ctx.nodes(TopologyKind.STORAGE_CLASS)
        snapshots = ctx.nodes(TopologyKind.VOLUME_SNAPSHOT)
        snapshot_data = ctx.nodes(TopologyKind.VOLUME_SNAPSHOT_DATA)
        out: dict[str, AnyNode] = {}

        def put(n: AnyNode) -> None:
            cur = out.get(n.id)
            out[n.id] = n if cur is None else merge_nodes(cur, n)

        name = KUBERNETES_NAME
        for n in pvcs.values():  # claim -> volume
            volume = n.latest.get(KUBERNETES_VOLUME_NAME) or ""
            hits = {p.id: p for p in pvs.values() if (p.latest.get(name) or "") == volume}
            put(_with(n, set(hits), hits))
        for pod in ctx.nodes(TopologyKind.POD).values():  # pod -> its claims
            claims = pod.latest.get(KUBERNETES_VOLUME_CLAIM)
            if claims is None:
                continue
            namespace = pod.latest.get(KUBERNETES_NAMESPACE) or ""
            hits = {}
            for claim in ids.split_list(claims):
                for c in pvcs.values():
                    if ((c.latest.get(name) or "") == claim
                            and (c.latest.get(KUBERNETES_NAMESPACE) or "") == namespace):
                        hits[c.id] = c
                        break
            put(_with(pod, set(hits), hits))
        for sc in classes.values():  # storage class -> claims
            sc_name = sc.latest.get(name) or ""
            hits = {c.id: c for c in pvcs.values()
                    if (c.latest.get(KUBERNETES_STORAGE_CLASS_NAME) or "") == sc_name}
            put(_with(sc, set(hits), hits))
        for p in pvs.values():  # volume -> snapshots
            volume = p.latest.get(name) or ""
            hits = {s.id: s for s in snapshots.values() if (s.latest.get(KUBERNETES_VOLUME_NAME) or "") == volume}
            put(_with(p, set(hits), hits))
        for s in snapshots.values():  # snapshot -> its data
            data = s.latest.get(KUBERNETES_SNAPSHOT_DATA) or ""
            hits = {d.id: d for d in snapshot_data.values() if (d.latest.get(name) or "") == data}
            for d in snapshot_data.values():
                put(d)
            put(_with(s, set(hits), hits))
        return Nodes(out)


def render_parents(name: str, child_topology: str, kinds: tuple[TopologyKind, ...], no_parents: str,
                   inner: Renderer) -> Renderer:
    """Scope's renderParents: children mapped to parents, the single child's metrics propagated, joined with
    the report's parent nodes."""
    grouped = Custom(name + " metrics", propagate_single_metrics(child_topology),
                     map_to_parents(name, kinds, no_parents, inner))
    return Reduce(*(Filter(f"live {k.value}", is_not_deleted, Select(k)) for k in kinds), grouped)


def is_not_deleted(n: AnyNode) -> bool:
    """False for objects a probe reports deleted (it keeps saying so for a while: merging cannot remove a node)."""
    return n.latest.get(KUBERNETES_STATE) != STATE_DELETED


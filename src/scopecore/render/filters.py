"""Node predicates and the transforms built on them (Scope's render/filters.go).

Predicates (FilterFunc) compose with `all_of`, `any_of` and `complement`. Transforms turn a render result into
another: the option filters of a topology, ColorConnected, and FilterUnconnected(Pseudo).
"""

from collections.abc import Callable, Set

from ..report import ids
from .base import AnyNode, Nodes, RenderContext, Renderer, RNode
from .combinators import FilterFunc, apply_filter

PSEUDO = ids.PSEUDO
Transform = Callable[[Nodes], Nodes]
# An option's filter may need the whole rendered node set (which nodes are connected): it is made from it.
FilterFactory = Callable[[Nodes], FilterFunc]

DOCKER_CONTAINER_STATE = "docker_container_state"
DOCKER_CONTAINER_NAME = "docker_container_name"
DOCKER_IMAGE_NAME = "docker_image_name"
DOCKER_LABEL_PREFIX = "docker_label_"
DOCKER_IMAGE_LABEL_PREFIX = "docker_image_label_"
KUBERNETES_NAMESPACE = "kubernetes_namespace"
STACK_NAMESPACE = "stack_namespace"
DEFAULT_NAMESPACE = "default"  # docker's swarm namespace of containers outside any stack

STATE_RUNNING, STATE_RESTARTING, STATE_PAUSED, STATE_DELETED = "running", "restarting", "paused", "deleted"
_RUNNING_STATES = frozenset((STATE_RUNNING, STATE_RESTARTING, STATE_PAUSED))
_SYSTEM_CONTAINER_NAMES = frozenset(("weavescope", "weavedns", "weave", "weaveproxy", "weaveexec", "ecs-agent"))
_SYSTEM_IMAGE_PREFIXES = frozenset((
    "swarm", "weaveworks/scope", "weaveworks/weavedns", "weaveworks/weave", "weaveworks/weaveproxy",
    "weaveworks/weaveexec", "amazon/amazon-ecs-agent", "openshift/origin-pod", "docker.io/openshift/origin-pod",
))
_PAUSE_IMAGES = ("google_containers/pause", "k8s.gcr.io/pause", "eks/pause")


def all_of(*fs: FilterFunc) -> FilterFunc:
    """True where every predicate holds (Scope's ComposeFilterFuncs)."""
    if len(fs) == 1:
        return fs[0]
    return lambda n: all(f(n) for f in fs)


def any_of(*fs: FilterFunc) -> FilterFunc:
    """True where some predicate holds (Scope's AnyFilterFunc)."""
    if len(fs) == 1:
        return fs[0]
    return lambda n: any(f(n) for f in fs)


def complement(f: FilterFunc) -> FilterFunc:
    """True where f does not hold."""
    return lambda n: not f(n)


def const(f: FilterFunc) -> FilterFactory:
    """A filter factory that ignores the node set."""
    return lambda _nodes: f


def is_pseudo_topology(n: AnyNode) -> bool:
    """True for pseudo nodes (topology "pseudo")."""
    return n.topology == PSEUDO


def is_internet(n: AnyNode) -> bool:
    """True for the two Internet nodes."""
    return n.id == ids.INCOMING_INTERNET or n.id == ids.OUTGOING_INTERNET


def is_not_pseudo(n: AnyNode) -> bool:
    """True unless n is a pseudo node other than the Internet and known services (what "hide uncontained"
    and "hide unmanaged" keep)."""
    return n.topology != PSEUDO or is_internet(n) or n.id.startswith(ids.SERVICE_PREFIX)


def is_running(n: AnyNode) -> bool:
    """True unless n is a container in a stopped state (no state counts as running)."""
    state = n.latest.get(DOCKER_CONTAINER_STATE)
    return state is None or state in _RUNNING_STATES


is_stopped = complement(is_running)


def is_pause_image(image: str) -> bool:
    """True for Kubernetes pause (sandbox) container images."""
    return any(p in image for p in _PAUSE_IMAGES)


def is_application(n: AnyNode) -> bool:
    """False for Scope's "system" containers: weave and ECS agents, system images, kube-system, pause."""
    latest = n.latest
    if (latest.get(DOCKER_CONTAINER_NAME) or "") in _SYSTEM_CONTAINER_NAMES:
        return False
    image_prefix = (latest.get(DOCKER_IMAGE_NAME) or "").split(":", 1)[0]
    if image_prefix in _SYSTEM_IMAGE_PREFIXES or is_pause_image(image_prefix):
        return False
    if latest.get(DOCKER_LABEL_PREFIX + "works.weave.role") == "system":
        return False
    if latest.get(DOCKER_IMAGE_LABEL_PREFIX + "works.weave.role") == "system":
        return False
    if latest.get(DOCKER_LABEL_PREFIX + "io.kubernetes.pod.namespace") == "kube-system":
        return False
    return not (latest.get(DOCKER_LABEL_PREFIX + "io.kubernetes.pod.name") or "").startswith("kube-system/")


is_system = complement(is_application)


def has_label(key: str, value: str) -> FilterFunc:
    """True where the docker label `key` has this value (Scope's --app.container-label-filter)."""
    return lambda n: (n.latest.get(DOCKER_LABEL_PREFIX + key) or "") == value


def is_namespace(namespace: str) -> FilterFunc:
    """True for nodes in this Kubernetes namespace or swarm stack (docker's default: nodes in neither)."""
    keys = (KUBERNETES_NAMESPACE, DOCKER_LABEL_PREFIX + "io.kubernetes.pod.namespace", STACK_NAMESPACE,
            DOCKER_LABEL_PREFIX + "com.docker.stack.namespace")

    def f(n: AnyNode) -> bool:
        got = ""
        for k in keys:
            v = n.latest.get(k)
            if v is not None:
                got = v
                break
        if namespace == DEFAULT_NAMESPACE and got == "":
            return True
        return namespace == got

    return f


def is_topology(topology: str) -> FilterFunc:
    """True for nodes of this topology."""
    return lambda n: n.topology == topology


def has_children(topology: str) -> FilterFunc:
    """True for nodes with at least one child of this topology (Scope's FilterEmpty)."""
    return lambda n: any(c.topology == topology for c in n.children.values())


_STORAGE = frozenset(("persistent_volume", "persistent_volume_claim", "storage_class"))
_SNAPSHOTS = frozenset(("volume_snapshot", "volume_snapshot_data"))


def is_pod_component(n: AnyNode) -> bool:
    """False for storage nodes (PV, PVC, storage class): what "hide storage" keeps."""
    return n.topology not in _STORAGE


def is_non_snapshot_component(n: AnyNode) -> bool:
    """False for volume snapshot nodes: what "hide snapshots" keeps."""
    return n.topology not in _SNAPSHOTS


def connected(nodes: Nodes) -> Set[str]:
    """IDs of nodes with an edge to or from another node (edges to oneself do not count, Scope #656)."""
    if nodes.connected is not None:
        return nodes.connected
    sources: list[str] = []
    targets: list[frozenset[str]] = []
    for k, n in nodes.nodes.items():
        adj = n.adjacency
        if not adj:
            continue
        if k in adj:
            adj = adj - {k}
            if not adj:
                continue
        sources.append(k)
        targets.append(adj)
    res = set(sources).union(*targets)
    return res


def is_connected(nodes: Nodes) -> FilterFunc:
    """The "hide unconnected" predicate over a node set (Scope marks nodes `is_connected` in ColorConnected;
    the mark is kept beside the nodes here)."""
    ids_ = connected(nodes)
    return lambda n: n.id in ids_


class ColorConnected:
    """`inner`, with the set of connected nodes worked out (Scope's ColorConnected)."""

    def __init__(self, inner: Renderer) -> None:
        self.inner = inner
        self.inputs: tuple[Renderer, ...] = (inner,)

    def render(self, ctx: RenderContext) -> Nodes:
        """Render inner and note which nodes are connected."""
        got = self.inner.render(ctx)
        return Nodes(got.nodes, got.filtered, connected(Nodes(got.nodes)))

    def __repr__(self) -> str:
        return f"ColorConnected({self.inner!r})"


def filter_internet_adjacencies(nodes: dict[str, AnyNode]) -> bool:
    """Drop the edge from the inbound to the outbound Internet node, an artefact of NAT and VIPs; True if
    there was one."""
    n = nodes.get(ids.INCOMING_INTERNET)
    if n is None or ids.OUTGOING_INTERNET not in n.adjacency:
        return False
    nodes[n.id] = RNode(n.id, n.topology, n.latest, n.sets, n.parents, n.adjacency - {ids.OUTGOING_INTERNET},
                        n.metrics, n.children, n.edges)
    return True


def filter_unconnected(only_pseudo: bool) -> Transform:
    """Scope's FilterUnconnected / FilterUnconnectedPseudo: drop (pseudo) nodes without edges to others."""

    def transform(nodes: Nodes) -> Nodes:
        out = dict(nodes.nodes)
        cut = filter_internet_adjacencies(out)
        conn = nodes.connected if nodes.connected is not None and not cut else connected(Nodes(out))
        drop = [k for k, n in out.items() if (not only_pseudo or n.topology == PSEUDO) and k not in conn]
        for k in drop:
            del out[k]
        return Nodes(out, nodes.filtered + len(drop), nodes.connected)

    return transform


filter_unconnected_pseudo = filter_unconnected(True)


def filter_transform(keep: FilterFunc) -> Transform:
    """A predicate as a transform (nodes dropped, counted, and cut from edges)."""
    return lambda nodes: apply_filter(nodes, keep)

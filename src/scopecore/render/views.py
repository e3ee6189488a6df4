"""Every view, declared from the combinators (Scope's render/process.go, container.go, host.go, pod.go,
ecs.go, swarm.go, weave.go). Views are values: the same renderer object is shared by every view built on it,
so Memoise renders it once per report.
"""

from collections.abc import Callable

from ..report.kinds import TopologyKind as K
from .base import AnyNode, RenderContext, Renderer
from .combinators import Conditional, Custom, Filter, Map, Memoise, Reduce, Select
from .endpoints import MapEndpoints, connection_join, container_ips, pod_ips, to_host, to_process
from .filters import ColorConnected, all_of, has_children, is_pause_image, is_running
from .kube import (
    KUBERNETES_KINDS,
    Volumes,
    is_live_pod,
    map_to_parents,
    propagate_pod_host,
    propagate_single_metrics,
    render_parents,
)
from .mappers import (
    DOCKER_IMAGE_NAME,
    container_to_hostname,
    container_to_image,
    nodes_to_hosts,
    pod_to_namespace,
    process_to_container,
    process_to_name,
    processes_to_containers,
    processes_to_names,
    weave_peer,
    with_image_names,
)
from .mappers import (
    to_host as node_to_host,
)


def _has(*kinds: K) -> Callable[[RenderContext], bool]:
    return lambda ctx: ctx.has_nodes(*kinds)


def _not_deleted_container(n: AnyNode) -> bool:
    return n.latest.get("docker_container_state") != "deleted"


def _not_pause(n: AnyNode) -> bool:
    image = n.latest.get(DOCKER_IMAGE_NAME)
    return image is None or not is_pause_image(image)


# Processes: endpoints joined to their processes by host and pid.
ProcessRenderer: Renderer = Memoise(Conditional(
    "has processes", _has(K.PROCESS), MapEndpoints("endpoints to processes", to_process, K.PROCESS)))
ConnectedProcessRenderer: Renderer = ColorConnected(ProcessRenderer)
ProcessNameRenderer: Renderer = ColorConnected(Map("processes to names", process_to_name, ProcessRenderer,
                                                  batch=processes_to_names))

# Containers: processes grouped into containers, plus connections attributed to containers by IP.
ContainerRenderer: Renderer = Memoise(Filter(
    "drop deleted containers", _not_deleted_container,
    Reduce(
        Map("processes to containers", process_to_container, ProcessRenderer, batch=processes_to_containers),
        connection_join("containers by IP", container_ips, K.CONTAINER),
    ),
))
ContainerWithImageNameRenderer: Renderer = Memoise(Custom("with image names", with_image_names, ContainerRenderer))
ContainerImageRenderer: Renderer = Memoise(Filter(
    "images with containers", has_children("container"),
    Map("containers to images", container_to_image, ContainerWithImageNameRenderer, ordered=True),
))
ContainerHostnameRenderer: Renderer = Filter(
    "hostnames with containers", has_children("container"),
    Map("containers to hostnames", container_to_hostname, ContainerWithImageNameRenderer),
)

# Kubernetes.
PodRenderer: Renderer = Memoise(Conditional("has kubernetes", _has(*KUBERNETES_KINDS), Filter(
    "live pods", is_live_pod,
    Reduce(
        Custom("pods metrics", propagate_single_metrics("container"), Map(
            "pods hosts", propagate_pod_host, map_to_parents(
                "containers to pods", (K.POD,), "unmanaged",
                Filter("running containers, no pause", all_of(is_running, _not_pause),
                       ContainerWithImageNameRenderer),
            ),
        )),
        connection_join("pods by IP", pod_ips, K.POD),
        Volumes(),
    ),
)))
PodServiceRenderer: Renderer = Conditional("has kubernetes", _has(*KUBERNETES_KINDS), render_parents(
    "pods to services", "pod", (K.SERVICE,), "", PodRenderer))
KubeControllerRenderer: Renderer = Conditional("has kubernetes", _has(*KUBERNETES_KINDS), render_parents(
    "pods to controllers", "pod", (K.DEPLOYMENT, K.DAEMON_SET, K.STATEFUL_SET, K.CRON_JOB, K.JOB), "unmanaged",
    PodRenderer))
# Beyond Scope: pods grouped by namespace.
NamespaceRenderer: Renderer = Conditional("has kubernetes", _has(*KUBERNETES_KINDS), Map(
    "pods to namespaces", pod_to_namespace, PodRenderer))

# Hosts: everything with a host parent, plus the endpoints of each host.
HostRenderer: Renderer = Reduce(
    Map("processes to hosts", node_to_host, ProcessRenderer, batch=nodes_to_hosts),
    Map("containers to hosts", node_to_host, ContainerRenderer, batch=nodes_to_hosts),
    Map("images to hosts", node_to_host, ContainerImageRenderer),
    Map("pods to hosts", node_to_host, PodRenderer),
    MapEndpoints("endpoints to hosts", to_host, K.HOST),
)

# ECS, swarm, weave.
_running_containers = Filter("running containers", is_running, ContainerWithImageNameRenderer)
ECSTaskRenderer: Renderer = Memoise(Conditional("has ecs", _has(K.ECS_TASK, K.ECS_SERVICE), render_parents(
    "containers to tasks", "container", (K.ECS_TASK,), "unmanaged", _running_containers)))
ECSServiceRenderer: Renderer = Conditional("has ecs", _has(K.ECS_TASK, K.ECS_SERVICE), render_parents(
    "tasks to services", "ecs_task", (K.ECS_SERVICE,), "", ECSTaskRenderer))
SwarmServiceRenderer: Renderer = Conditional("has swarm", _has(K.SWARM_SERVICE), render_parents(
    "containers to swarm services", "container", (K.SWARM_SERVICE,), "unmanaged", _running_containers))
WeaveRenderer: Renderer = Map("weave peers", weave_peer, Select(K.OVERLAY))

__all__ = [
    "ConnectedProcessRenderer", "ContainerHostnameRenderer", "ContainerImageRenderer", "ContainerRenderer",
    "ContainerWithImageNameRenderer", "ECSServiceRenderer", "ECSTaskRenderer", "HostRenderer",
    "KubeControllerRenderer", "NamespaceRenderer", "PodRenderer", "PodServiceRenderer", "ProcessNameRenderer",
    "ProcessRenderer", "SwarmServiceRenderer", "WeaveRenderer",
]

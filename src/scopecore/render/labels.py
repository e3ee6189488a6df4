"""Labels of node summaries, per topology (Scope's render/detailed/summary.go): what a process, a container,
a pod... is called in the UI, what is written under it, and how the UI ranks it."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..report import ids
from .base import AnyNode, count_children
from .mappers import image_name_without_tag

if TYPE_CHECKING:
    from .summary import SummaryContext

Summary = dict[str, Any]
Labeller = Callable[[Summary, AnyNode, "SummaryContext"], None]
CIRCLE, CLOUD, SQUARE = "circle", "cloud", "square"
IMAGE_NAME_NONE = "<none>"
_CONTAINER_NAME_KEYS = (
    # ECS and Kubernetes mangle docker names and keep the original in a label; Marathon only in an env var.
    "docker_label_com.amazonaws.ecs.container-name", "docker_label_io.kubernetes.container.name",
    "docker_env_MARATHON_APP_ID", "docker_container_name", "docker_container_hostname",
)
_POD_GROUP_TYPE = {"deployment": "Deployment", "daemon_set": "DaemonSet", "stateful_set": "StatefulSet",
                   "cron_job": "CronJob", "job": "Job"}
UNCONTAINED_PREFIX = ids.pseudo_prefix(ids.UNCONTAINED)
UNMANAGED_PREFIX = ids.pseudo_prefix(ids.UNMANAGED)


def pluralize(n: AnyNode, topology: str, singular: str, plural: str) -> str:
    """"1 container", "6 containers": the node's children of a topology."""
    c = count_children(n, topology)
    return f"{c} {singular if c == 1 else plural}"


def container_name(n: AnyNode) -> str:
    """The name Scope shows for a container: an orchestrator's name for it, its docker name, its hostname,
    or its ID's first 12 characters."""
    latest = n.latest
    for key in _CONTAINER_NAME_KEYS:
        v = latest.get(key)
        if v is not None:
            return v
    return (ids.parse_tagged(ids.CONTAINER, n.id) or "")[:12]


def _pseudo(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    node_id = n.id
    pseudo_id = ids.parse_pseudo(node_id)
    if pseudo_id is None:
        pseudo_id = node_id
    s["pseudo"] = True
    s["rank"] = pseudo_id
    if node_id == ids.INCOMING_INTERNET or node_id == ids.OUTGOING_INTERNET:
        s["label"] = "The Internet"
        s["labelMinor"] = "Inbound connections" if node_id == ids.INCOMING_INTERNET else "Outbound connections"
        s["shape"] = CLOUD
    elif node_id.startswith(ids.SERVICE_PREFIX):
        s["label"] = node_id[len(ids.SERVICE_PREFIX):]
        s["labelMinor"] = ""
        s["shape"] = CLOUD
    elif node_id.startswith(UNCONTAINED_PREFIX) or node_id.startswith(UNMANAGED_PREFIX):
        uncontained = node_id.startswith(UNCONTAINED_PREFIX)
        s["label"] = "Uncontained" if uncontained else "Unmanaged"
        s["labelMinor"] = node_id[len(UNCONTAINED_PREFIX if uncontained else UNMANAGED_PREFIX):]
        s["shape"] = SQUARE
        s["stack"] = True
    else:
        ep = ids.parse_endpoint(node_id)
        if ep is not None:
            s["label"] = ep.address
            s["shape"] = CIRCLE
        else:
            s["label"] = pseudo_id


def process_labels(n: AnyNode) -> tuple[str, str, str]:
    """(label, labelMinor, rank) of a process: its name with "host (pid)" below, or its pid if it has no name."""
    host, pid = ids.process_parts(n.id)
    latest = n.latest.entries
    e = latest.get("name")
    name = e[1] if e is not None else ""
    e = latest.get("docker_container_name")
    cname = e[1] if e is not None else ""
    if name:
        return name, f"{host} ({cname}:{pid})" if cname else f"{host} ({pid})", name
    return pid, f"{host} ({cname})" if cname else host, host


def _process(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    s["label"], s["labelMinor"], s["rank"] = process_labels(n)


def _container(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    host = ids.host_of(n.latest.get("host_node_id") or "")
    image = n.latest.get("docker_image_name") or ""
    s["label"] = container_name(n)
    s["labelMinor"] = host
    s["rank"] = image_name_without_tag(image) if image else host if host else s["label"]


def _container_image(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    name = n.latest.get("docker_image_name") or ""
    without_tag = image_name_without_tag(name)
    if without_tag and without_tag != IMAGE_NAME_NONE:
        label = without_tag
    elif name and name != IMAGE_NAME_NONE:
        label = name
    else:
        # Could be an image ID or a name; Scope cannot tell, so neither truncates.
        label = ids.parse_tagged(ids.CONTAINER_IMAGE, n.id) or ""
    s["label"] = label
    s["labelMinor"] = pluralize(n, "container", "container", "containers")
    s["rank"] = label
    s["stack"] = True


def _kubernetes(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    label = n.latest.get("kubernetes_name") or ids.first_component(n.id)
    s["label"] = label
    s["rank"] = (n.latest.get("kubernetes_namespace") or "") + "/" + label


def _pod(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    _kubernetes(s, n, sc)
    c = count_children(n, "container")
    if c == 0:
        # No container seen (no Docker on its host, e.g. containerd): our probe's pod spec says how many.
        c = len(ids.split_list(n.latest.get("kubernetes_containers") or ""))
    s["labelMinor"] = f"{c} {'container' if c == 1 else 'containers'}"


def _pod_group(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    _kubernetes(s, n, sc)
    s["stack"] = True
    count = pluralize(n, "pod", "pod", "pods")  # pods are the largest unit Scope counts
    kind = _POD_GROUP_TYPE.get(n.topology)
    s["labelMinor"] = f"{kind} of {count}" if kind else count


def _ecs_task(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    s["label"] = n.latest.get("ecs_task_family") or ids.parse_tagged(ids.ECS_TASK, n.id) or ""


def _ecs_service(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    parts = ids.parse_ecs_service(n.id)
    s["label"] = parts[1] if parts else ""
    s["stack"] = True


def _swarm_service(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    s["label"] = n.latest.get("service_name") or ids.parse_tagged(ids.SWARM_SERVICE, n.id) or ""


def host_labels(n: AnyNode) -> tuple[str, str, str]:
    """(label, labelMinor, rank) of a host: "web" over "example.com" for web.example.com."""
    hostname = ids.parse_tagged(ids.HOST, n.id) or ""
    first, dot, rest = hostname.partition(".")
    return (first, rest, rest) if dot else (hostname, "", "")


def _host(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    s["label"], s["labelMinor"], s["rank"] = host_labels(n)


def _overlay(s: Summary, n: AnyNode, sc: "SummaryContext") -> None:
    _prefix, peer = ids.parse_overlay(n.id)
    s["label"] = n.latest.get("weave_peer_nick_name") or peer
    s["labelMinor"] = peer


LABELLERS: dict[str, Labeller | None] = {
    ids.PSEUDO: _pseudo, "process": _process, "container": _container, "container_image": _container_image,
    "pod": _pod, "service": _pod_group, "deployment": _pod_group, "daemon_set": _pod_group,
    "stateful_set": _pod_group, "cron_job": _pod_group, "job": _pod_group, "ecs_task": _ecs_task,
    "ecs_service": _ecs_service, "swarm_service": _swarm_service, "host": _host, "overlay": _overlay,
    "endpoint": None,  # endpoints are never shown as nodes
    "persistent_volume": _kubernetes, "persistent_volume_claim": _kubernetes, "storage_class": _kubernetes,
    "volume_snapshot": _kubernetes, "volume_snapshot_data": _kubernetes,
}
# Labellers that only set (label, labelMinor, rank), as functions of the node returning them: a generated
# summarizer builds the summary with them in one dict display (summary.py).
PLAIN_LABELS: dict[str, Callable[[AnyNode], tuple[str, str, str]]] = {"process": process_labels, "host": host_labels}

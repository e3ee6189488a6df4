"""Node IDs in Weave Scope's wire formats: the one module that builds and parses them.

Scope probes, plugins and API clients all speak these strings, so we keep them; nothing else in the project
joins or splits on the delimiter.

    endpoint("vm", "172.18.0.4", 9000)      -> "vm;172.18.0.4;9000"
    process("vm", 24353)                    -> "vm;24353"
    host("vm")                              -> "vm;<host>"
    container("754a...")                    -> "754a...;<container>"
"""

from typing import NamedTuple

DELIM = ";"

# Tags of single-component IDs, as Scope spells them (report/id.go): note daemonset, not daemon_set.
HOST = "host"
CONTAINER = "container"
CONTAINER_IMAGE = "container_image"
POD = "pod"
SERVICE = "service"
DEPLOYMENT = "deployment"
REPLICA_SET = "replica_set"
DAEMON_SET = "daemonset"
STATEFUL_SET = "statefulset"
CRON_JOB = "cronjob"
JOB = "job"
NAMESPACE = "namespace"
ECS_TASK = "ecs_task"
SWARM_SERVICE = "swarm_service"
PERSISTENT_VOLUME = "persistent_volume"
PERSISTENT_VOLUME_CLAIM = "persistent_volume_claim"
STORAGE_CLASS = "storage_class"
VOLUME_SNAPSHOT = "volume_snapshot"
VOLUME_SNAPSHOT_DATA = "volume_snapshot_data"

DOCKER_OVERLAY_PEER_PREFIX = "docker_peer_"


class EndpointID(NamedTuple):
    """The parts of an endpoint ID. `scope` is "" for addresses that are not local to any host."""

    scope: str
    address: str
    port: str


class ProcessID(NamedTuple):
    """The parts of a process ID."""

    host: str
    pid: str


def tagged(tag: str, ident: str) -> str:
    """A single-component ID: tagged("host", "vm") -> "vm;<host>"."""
    return f"{ident}{DELIM}<{tag}>"


def parse_tagged(tag: str, node_id: str) -> str | None:
    """The ID part of a single-component ID with this tag, or None: ("host", "vm;<host>") -> "vm"."""
    ident, sep, rest = node_id.partition(DELIM)
    if not sep or rest != f"<{tag}>":
        return None
    return ident


def split_tagged(node_id: str) -> tuple[str, str] | None:
    """(id, tag) of any single-component ID: "vm;<host>" -> ("vm", "host")."""
    ident, sep, rest = node_id.partition(DELIM)
    if not sep or len(rest) < 2 or rest[0] != "<" or rest[-1] != ">":
        return None
    return ident, rest[1:-1]


def host(hostname: str) -> str:
    """Host node ID."""
    return tagged(HOST, hostname)


def container(container_id: str) -> str:
    """Container node ID (64-hex docker ID)."""
    return tagged(CONTAINER, container_id)


def container_image(image_id: str) -> str:
    """Container image node ID (image ID without `sha256:`)."""
    return tagged(CONTAINER_IMAGE, image_id)


def address_scope(host_id: str, address_is_local: bool, is_loopback: bool, netns: str = "") -> str:
    """The scope part of an endpoint ID, as Scope's makeAddressID decides it.

    Local addresses are scoped by host; loopback ones also by network namespace, since they clash across
    namespaces (obs. "vm-4026531833;127.0.0.1;4040"); anything else is unscoped.
    """
    if address_is_local:
        return host_id
    if is_loopback:
        return f"{host_id}-{netns}" if netns else host_id
    return ""


def endpoint(scope: str, address: str, port: int | str) -> str:
    """Endpoint node ID: endpoint("", "1.2.3.4", 443) -> ";1.2.3.4;443"."""
    return f"{scope}{DELIM}{address}{DELIM}{port}"


def parse_endpoint(node_id: str) -> EndpointID | None:
    """Parts of an endpoint ID, or None: "vm;10.0.0.1;80" -> EndpointID("vm", "10.0.0.1", "80")."""
    parts = node_id.split(DELIM, 2)
    if len(parts) != 3:
        return None
    return EndpointID(parts[0], parts[1], parts[2])


def process(host_id: str, pid: int | str) -> str:
    """Process node ID: process("vm", 42) -> "vm;42"."""
    return f"{host_id}{DELIM}{pid}"


def parse_process(node_id: str) -> ProcessID | None:
    """Parts of a process ID, or None."""
    host_id, sep, pid = node_id.partition(DELIM)
    return ProcessID(host_id, pid) if sep else None


def process_parts(node_id: str) -> tuple[str, str]:
    """(host ID, pid) of a process ID, ("", "") if it is not one: parse_process as a plain tuple, for the
    per-node paths of big views."""
    host_id, sep, pid = node_id.partition(DELIM)
    return (host_id, pid) if sep else ("", "")


def overlay(peer_prefix: str, peer_name: str) -> str:
    """Overlay node ID: overlay("docker_peer_", "vm") -> "#docker_peer_vm"."""
    return f"#{peer_prefix}{peer_name}"


def join_list(values: "list[str] | tuple[str, ...]") -> str:
    """Scope's `;`-joined lists inside latest values (active_controls)."""
    return DELIM.join(values)


def split_list(value: str) -> list[str]:
    """Inverse of join_list; the empty string is the empty list."""
    return value.split(DELIM) if value else []


# Render-time IDs (render/id.go, render/theinternet.go, detailed/connections.go). Rendered nodes that stand for
# no report node (the Internet, "uncontained" processes, process-name groups...) have IDs and topologies built
# here; they are what the API and the UI see, so their spelling is Scope's.

PSEUDO = "pseudo"  # the topology of pseudo nodes, and the first part of their IDs
PSEUDO_DELIM = ":"
INCOMING_INTERNET = "in-theinternet"
OUTGOING_INTERNET = "out-theinternet"
SERVICE_PREFIX = "service-"  # known cloud services, by DNS name: "service-s3.amazonaws.com"
UNCONTAINED = "uncontained"
UNMANAGED = "unmanaged"
GROUP = "group"
CONNECTION_DELIM = "-"


def pseudo(*parts: str) -> str:
    """Pseudo node ID: pseudo("uncontained", "vm") -> "pseudo:uncontained:vm"."""
    return PSEUDO_DELIM.join((PSEUDO, *parts))


def parse_pseudo(node_id: str) -> str | None:
    """What follows "pseudo:" in a pseudo node ID, or None: "pseudo:uncontained:vm" -> "uncontained:vm"."""
    head, sep, rest = node_id.partition(PSEUDO_DELIM)
    return rest if sep and head == PSEUDO else None


def pseudo_prefix(kind: str) -> str:
    """The prefix every pseudo ID of this kind starts with: pseudo_prefix("unmanaged") -> "pseudo:unmanaged:"."""
    return pseudo(kind, "")


def service(hostname: str) -> str:
    """Known-service pseudo node ID: service("s3.amazonaws.com") -> "service-s3.amazonaws.com"."""
    return SERVICE_PREFIX + hostname


def parse_service(node_id: str) -> str | None:
    """The DNS name of a known-service pseudo node ID, or None."""
    return node_id[len(SERVICE_PREFIX):] if node_id.startswith(SERVICE_PREFIX) else None


def group_topology(topology: str, key: str) -> str:
    """Topology of group nodes: group_topology("process", "name") -> "group:process:name"."""
    return PSEUDO_DELIM.join((GROUP, topology, key))


def parse_group_topology(topology: str) -> tuple[str, str] | None:
    """(topology, key) of a group topology, or None: "group:container:docker_container_hostname" -> (...)."""
    parts = topology.split(PSEUDO_DELIM)
    if len(parts) != 3 or parts[0] != GROUP:
        return None
    return parts[1], parts[2]


def first_component(node_id: str) -> str:
    """The ID part of any `;`-joined ID ("" if there is no delimiter), as Scope's ParseNodeID gives it."""
    ident, sep, _ = node_id.partition(DELIM)
    return ident if sep else ""


def host_of(host_node_id: str) -> str:
    """Hostname of a host node ID, "" if it is not one (Scope's ExtractHostID on a `host_node_id` value)."""
    return parse_tagged(HOST, host_node_id) or ""


def parse_address(address_id: str) -> tuple[str, str] | None:
    """(scope, address) of a scoped address: "vm;172.18.0.4" -> ("vm", "172.18.0.4") (docker IPs with scopes)."""
    scope, sep, address = address_id.partition(DELIM)
    return (scope, address) if sep else None


def parse_overlay(node_id: str) -> tuple[str, str]:
    """(peer prefix, peer name) of an overlay ID: "#docker_peer_vm" -> ("docker_peer_", "vm"); weave peers have
    prefix ""."""
    if not node_id.startswith("#"):
        return "", ""
    rest = node_id[1:]
    if rest.startswith(DOCKER_OVERLAY_PEER_PREFIX):
        return DOCKER_OVERLAY_PEER_PREFIX, rest[len(DOCKER_OVERLAY_PEER_PREFIX):]
    return "", rest


def ecs_service(cluster: str, name: str) -> str:
    """ECS service node ID: ecs_service("prod", "web") -> "prod;web"."""
    return f"{cluster}{DELIM}{name}"


def parse_ecs_service(node_id: str) -> tuple[str, str] | None:
    """(cluster, service name) of an ECS service ID; old "web;<ecs_service>" IDs give ("unknown", "web")."""
    cluster, sep, name = node_id.partition(DELIM)
    if not sep:
        return None
    if name == "<ecs_service>":
        return "unknown", cluster
    return cluster, name


def connection(remote_node_id: str, remote_address: str, local_address: str, port: str) -> str:
    """ID of a row of a details connection table: connection("vm;24450", "", "", "9000") -> "vm;24450---9000"."""
    return CONNECTION_DELIM.join((remote_node_id, remote_address, local_address, port))

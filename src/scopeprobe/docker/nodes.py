"""Report nodes from Docker API objects: pure functions of an inspect (or image list) dict and the time.

Shapes follow Scope 1.13's probe/docker/container.go and reporter.go: every key a Scope app renders is
spelled and formatted as Scope wrote it (see fixtures/scope-1.13/report.json), e.g.

    container_node(inspect_of_web, now, opts) -> Node("07ff...;<container>", "container",
        latest={docker_container_name: "web", docker_container_state: "running",
                docker_container_state_human: "Up 39 seconds", docker_image_id: "caa3...", ...},
        sets={docker_container_networks: {"testnet"}, docker_container_ips: {"172.30.0.2"},
              docker_container_ips_with_scopes: {"vm;172.30.0.2"}, docker_container_ports: {"8080/tcp"}},
        parents={container_image: {"caa3...;<container_image>"}, host: {"vm;<host>"}})
"""

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from scopecore.report import LatestMap, Node, Sets, TopologyKind, ids

from . import keys
from .humanize import human_bytes, state_human, state_string, uptime_seconds
from .topologies import active_controls

Inspect = Mapping[str, Any]  # a container as GET /containers/<id>/json returns it
ImageSummary = Mapping[str, Any]  # an image as GET /images/json lists it

CONTAINER = TopologyKind.CONTAINER.value
CONTAINER_IMAGE = TopologyKind.CONTAINER_IMAGE.value
HOST = TopologyKind.HOST.value
_MAX_NETWORK_HOPS = 8  # container:<id> chains; Scope recursed without a bound ("people who decide to be clever")


class NodeOptions(NamedTuple):
    """What every node of one probe shares, and Scope's privacy flags."""

    host_id: str  # the probe's host ID (hostname), for host_node_id, host parents and IP scopes
    probe_id: str = ""  # written as control_probe_id when set, so the app knows whom to send controls
    omit_env_vars: bool = True  # Scope's --probe.omit.env-vars, on by default: env often holds secrets
    omit_cmd_args: bool = False  # Scope's --probe.omit.cmd-args


class NetworkContext(NamedTuple):
    """The host's addresses, read once per report by the caller (I/O stays out of this module)."""

    local_ipv4s: Sequence[str] = ()  # what a 0.0.0.0 port binding expands to (Scope's LocalAddresses)
    host_ipv4s: Sequence[str] = ()  # the addresses of a container in the host's network namespace


def trim_image_id(image_id: str) -> str:
    """Image ID without the digest algorithm: "sha256:caa3..." -> "caa3..." (Scope's trimImageID)."""
    return image_id.removeprefix("sha256:")


def split_image_name(ref: str) -> tuple[str, str]:
    """(name, tag) of an image reference, as Scope splits it (a third path part drops the registry):
    "docker.io/library/nginx:1.25" -> ("library/nginx", "1.25"); "local/busybox" -> ("local/busybox", "")."""
    ref = ref.partition("@")[0]  # digest references: the digest is no tag
    parts = ref.split("/", 2)
    if len(parts) == 3:
        ref = f"{parts[1]}/{parts[2]}"
    name, _, tag = ref.partition(":")
    return name, tag


def scoped_address(host_id: str, address: str) -> str:
    """A host-scoped address as Scope's MakeAddressNodeID writes it: ("vm", "172.18.0.4") -> "vm;172.18.0.4".

    The inverse of ids.parse_address. TODO: move to ids.py as ids.address(scope, ip); it is here only
    because this package may not edit scopecore.
    """
    return f"{host_id}{ids.DELIM}{address}"


def _is_ipv4(address: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(address), ipaddress.IPv4Address)
    except ValueError:
        return False


def container_hostname(c: Inspect) -> str:
    """Config.Hostname, with the domain if there is one."""
    config = c.get("Config") or {}
    hostname, domain = config.get("Hostname") or "", config.get("Domainname") or ""
    return f"{hostname}.{domain}" if domain else hostname


def container_command(c: Inspect, omit_args: bool) -> str:
    """Path and arguments, space-joined as Scope shows them ("sh -c while true; do ...")."""
    path = c.get("Path") or ""
    args = [] if omit_args else list(c.get("Args") or ())
    return " ".join([path, *args]) if args else path


def env_vars(c: Inspect) -> dict[str, str]:
    """Config.Env as a dict; entries without "=" are skipped, as Scope does."""
    out: dict[str, str] = {}
    for entry in (c.get("Config") or {}).get("Env") or ():
        name, sep, value = entry.partition("=")
        if sep:
            out[name] = value
    return out


def cpu_limit(host_config: Mapping[str, Any]) -> float | None:
    """CPUs the container may use (`--cpus`, or CFS quota / period), None if unlimited."""
    nano = host_config.get("NanoCpus") or 0
    if nano > 0:
        return float(nano / 1e9)
    quota = host_config.get("CpuQuota") or 0
    period = host_config.get("CpuPeriod") or 100_000  # the kernel's default CFS period, in µs
    return quota / period if quota > 0 else None


def mounts(c: Inspect) -> dict[str, str]:
    """Mount rows keyed by destination: {"/data": "/srv/data (bind, rw)", "/db": "pgdata (volume, ro)"}."""
    out: dict[str, str] = {}
    for m in c.get("Mounts") or ():
        kind = m.get("Type") or "bind"
        what = m.get("Name") if kind == "volume" else m.get("Source")
        out[m.get("Destination") or ""] = f"{what or kind} ({kind}, {'rw' if m.get('RW') else 'ro'})"
    return out


def ports(settings: Mapping[str, Any], local_ipv4s: Iterable[str]) -> set[str]:
    """Scope's port strings: "8080/tcp" for an unpublished port, "10.0.0.5:18080->8080/tcp" per published one.

    A binding to 0.0.0.0 is listed once per local IPv4 address, as Scope does, since the render joins
    connections to those addresses; IPv6 bindings ("::") are left out (Scope: "nothing works with IPv6 yet").
    """
    out: set[str] = set()
    for port, bindings in (settings.get("Ports") or {}).items():
        if not bindings:
            out.add(port)
            continue
        for b in bindings:
            host_ip, host_port = b.get("HostIp") or "0.0.0.0", b.get("HostPort") or ""
            if host_ip == "0.0.0.0":
                out.update(f"{ip}:{host_port}->{port}" for ip in local_ipv4s)
            elif _is_ipv4(host_ip):
                out.add(f"{host_ip}:{host_port}->{port}")
    return out


def network_sets(
    c: Inspect, host_id: str, net: NetworkContext, lookup: Callable[[str], Inspect | None]
) -> dict[str, set[str]]:
    """Networks, ports, IPv4 addresses and host-scoped addresses of a container (Scope's NetworkInfo).

    A container in another's network namespace (`container:<id>`) has that one's, a host-network container the
    host's. `lookup` finds a known container by ID, ID prefix or name. Scope also listed addresses read inside
    the container's namespace; Docker's own view is used here, which misses only addresses added by hand.
    """
    for _ in range(_MAX_NETWORK_HOPS):
        mode = (c.get("HostConfig") or {}).get("NetworkMode") or ""
        if not mode.startswith("container:"):
            break
        other = lookup(mode.removeprefix("container:"))
        if other is None:
            return {}
        c = other
    if mode == "host":
        ips = set(filter(_is_ipv4, net.host_ipv4s))
        return {keys.CONTAINER_IPS: ips, keys.CONTAINER_IPS_WITH_SCOPES: {scoped_address(host_id, ip) for ip in ips}}
    settings = c.get("NetworkSettings") or {}
    candidates = [settings.get("IPAddress") or "", *(settings.get("SecondaryIPAddresses") or ())]
    networks: set[str] = set()
    for name, endpoint in (settings.get("Networks") or {}).items():
        if name == "none":
            continue
        networks.add(name)
        candidates.append((endpoint or {}).get("IPAddress") or "")
    ips = {ip if isinstance(ip, str) else ip.get("Addr", "") for ip in candidates}
    ips = set(filter(_is_ipv4, ips))
    return {
        keys.CONTAINER_NETWORKS: networks,
        keys.CONTAINER_PORTS: ports(settings, net.local_ipv4s),
        keys.CONTAINER_IPS: ips,
        # Scope treats every Docker address as local to this host.
        keys.CONTAINER_IPS_WITH_SCOPES: {scoped_address(host_id, ip) for ip in ips},
    }


def timely_latest(c: Inspect, now_ns: int) -> dict[str, str]:
    """The latest values that change with time alone (uptime, "Up 5 minutes"), restamped on every report."""
    state = c.get("State") or {}
    latest = {keys.CONTAINER_STATE_HUMAN: state_human(state, now_ns)}
    if state.get("Running") and not state.get("Paused"):
        latest[keys.CONTAINER_UPTIME] = str(uptime_seconds(state, now_ns))
    return latest


def container_latest(c: Inspect, now_ns: int, opts: NodeOptions, image: ImageSummary | None) -> dict[str, str]:
    """The latest values of a container node: timely_latest's, and those only a new inspect changes."""
    state = c.get("State") or {}
    config = c.get("Config") or {}
    host_config = c.get("HostConfig") or {}
    image_id = trim_image_id(c.get("Image") or "")
    latest = {
        keys.CONTAINER_ID: c["Id"],
        keys.CONTAINER_NAME: (c.get("Name") or "").removeprefix("/"),
        keys.CONTAINER_COMMAND: container_command(c, opts.omit_cmd_args),
        keys.CONTAINER_CREATED: c.get("Created") or "",
        keys.CONTAINER_HOSTNAME: container_hostname(c),
        keys.CONTAINER_STATE: state_string(state),
        keys.IMAGE_ID: image_id,
        keys.ACTIVE_CONTROLS: ids.join_list(active_controls(state)),
        keys.HOST_NODE_ID: ids.host(opts.host_id),
        **timely_latest(c, now_ns),
    }
    ref = _image_ref(image) or config.get("Image") or ""
    if ref and not ref.startswith("sha256:"):
        latest[keys.IMAGE_NAME], tag = split_image_name(ref)
        if tag:
            latest[keys.IMAGE_TAG] = tag
    if opts.probe_id:
        latest[keys.CONTROL_PROBE_ID] = opts.probe_id
    if state.get("Running") and not state.get("Paused"):
        # Scope writes these only while running (and uptime, in timely_latest).
        latest[keys.CONTAINER_RESTART_COUNT] = str(c.get("RestartCount") or 0)
        latest[keys.CONTAINER_NETWORK_MODE] = host_config.get("NetworkMode") or ""
    if host_config.get("NetworkMode") == "host":
        latest[keys.IS_IN_HOST_NETWORK] = "true"  # the render must not join host addresses to this container
    cpus = cpu_limit(host_config)
    if cpus is not None:
        latest[keys.CONTAINER_CPU_LIMIT] = f"{cpus:g}"
    if (host_config.get("Memory") or 0) > 0:
        latest[keys.CONTAINER_MEMORY_LIMIT] = str(host_config["Memory"])
    for k, v in (config.get("Labels") or {}).items():
        latest[keys.LABEL_PREFIX + k] = v
    if not opts.omit_env_vars:
        for k, v in env_vars(c).items():
            latest[keys.ENV_PREFIX + k] = v
    for dest, what in mounts(c).items():
        latest[keys.MOUNT_PREFIX + dest] = what
    return latest


def container_node(
    c: Inspect, now_ns: int, opts: NodeOptions, *, image: ImageSummary | None = None,
    sets: Mapping[str, Iterable[str]] | None = None,
) -> Node:
    """The Container node of an inspected container, stamped now_ns; `sets` from network_sets."""
    image_id = trim_image_id(c.get("Image") or "")
    return Node(
        ids.container(c["Id"]),
        CONTAINER,
        latest=LatestMap.of(container_latest(c, now_ns, opts, image), now_ns),
        sets=Sets.of(sets or {}),
        parents=Sets.of({CONTAINER_IMAGE: [ids.container_image(image_id)], HOST: [ids.host(opts.host_id)]}),
    )


def deleted_container_node(container_id: str, now_ns: int) -> Node:
    """What Scope sends for a destroyed container: its ID and state "deleted", so the app drops it at once."""
    values = {keys.CONTAINER_ID: container_id, keys.CONTAINER_STATE: keys.STATE_DELETED}
    return Node(ids.container(container_id), CONTAINER, latest=LatestMap.of(values, now_ns))


def _image_ref(image: ImageSummary | None) -> str:
    for tag in (image or {}).get("RepoTags") or ():
        if tag and tag != "<none>:<none>":
            return str(tag)
    return ""


def image_node(image_id: str, image: ImageSummary | None, now_ns: int, host_id: str) -> Node:
    """The ContainerImage node of an image (trimmed ID); `image` is its /images/json entry if listed."""
    latest = {keys.IMAGE_ID: image_id, keys.HOST_NODE_ID: ids.host(host_id)}
    if image is not None:
        ref = _image_ref(image)
        if ref:
            latest[keys.IMAGE_NAME], tag = split_image_name(ref)
            if tag:
                latest[keys.IMAGE_TAG] = tag
        size = image.get("Size")
        if isinstance(size, int) and size >= 0:
            latest[keys.IMAGE_SIZE] = human_bytes(size)
            # VirtualSize left the API in v1.44; it was equal to Size since v1.40.
            virtual = image.get("VirtualSize", size)
            latest[keys.IMAGE_VIRTUAL_SIZE] = human_bytes(virtual if isinstance(virtual, int) else size)
        for k, v in (image.get("Labels") or {}).items():
            latest[keys.IMAGE_LABEL_PREFIX + k] = v
    return Node(
        ids.container_image(image_id),
        CONTAINER_IMAGE,
        latest=LatestMap.of(latest, now_ns),
        parents=Sets.of({HOST: [ids.host(host_id)]}),
    )

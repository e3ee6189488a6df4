"""Map steps and whole-set passes of the process, container, host and weave views (Scope's process.go,
container.go, host.go, weave.go). Each step sees one node and says where it goes in a Join; the big maps also
have a batch form, doing the same for all inputs in one call."""

from collections.abc import Mapping

from ..report import ids
from ..report.kinds import TopologyKind
from ..report.latest import LatestMap
from ..report.sets import Sets
from .base import AnyNode, Nodes, RenderContext, make_node, rebuild
from .join import Join

PSEUDO = ids.PSEUDO
NAME = "name"
HOST_NODE_ID = "host_node_id"
DOCKER_CONTAINER_ID = "docker_container_id"
DOCKER_CONTAINER_HOSTNAME = "docker_container_hostname"
DOCKER_IMAGE_ID = "docker_image_id"
DOCKER_IMAGE_NAME = "docker_image_name"
WEAVE_PEER_NICKNAME = "weave_peer_nick_name"
# What the container view copies from a container's image (Scope's containerWithImageNameRenderer).
IMAGE_KEYS = ("docker_image_name", "docker_image_tag", "docker_image_size", "docker_image_virtual_size",
              "docker_image_label_works.weave.role")
PROCESS_NAME_TOPOLOGY = ids.group_topology("process", NAME)
CONTAINER_HOSTNAME_TOPOLOGY = ids.group_topology("container", DOCKER_CONTAINER_HOSTNAME)
POD_NAMESPACE_TOPOLOGY = ids.group_topology("pod", "kubernetes_namespace")
UNCONTAINED_PREFIX = ids.pseudo_prefix(ids.UNCONTAINED)


def image_name_without_tag(name: str) -> str:
    """"registry:5000/org/app:1.2" -> "org/app"; "local/busybox:latest" -> "local/busybox" (Scope's
    ImageNameWithoutTag: a registry part is dropped only when there are three)."""
    parts = name.split("/", 2)
    if len(parts) == 3:
        name = parts[1] + "/" + parts[2]
    return name.split(":", 1)[0]


def container_image_id(n: AnyNode) -> str:
    """The by-image node ID of a container or image: its image name without registry or tag."""
    name = n.latest.get(DOCKER_IMAGE_NAME)
    if name is None:
        return ""
    return ids.container_image(image_name_without_tag(name))


def process_to_container(n: AnyNode, join: Join, ctx: RenderContext) -> None:
    """A process into its container, or into its host's "uncontained" pseudo node."""
    if n.topology == PSEUDO:
        join.pass_through(n)
        return
    cid = n.latest.get(DOCKER_CONTAINER_ID)
    if cid is not None:
        join.add_child_and_children(n, ids.container(cid), "container")
    else:
        parts = ids.parse_process(n.id)
        join.add_child_and_children(n, ids.pseudo(ids.UNCONTAINED, parts.host if parts else ""), PSEUDO)


def processes_to_containers(inputs: Mapping[str, AnyNode], join: Join, ctx: RenderContext) -> None:
    """process_to_container over all processes at once."""
    containers: list[tuple[AnyNode, str]] = []
    uncontained: list[tuple[AnyNode, str]] = []
    by_cid: dict[str, str] = {}
    by_host: dict[str, str] = {}
    for n in inputs.values():
        if n.topology == PSEUDO:
            join.pass_through(n)
            continue
        e = n.latest.entries.get(DOCKER_CONTAINER_ID)
        if e is not None:
            out = by_cid.get(e[1])
            if out is None:
                by_cid[e[1]] = out = ids.container(e[1])
            containers.append((n, out))
        else:
            parts = ids.parse_process(n.id)
            host = parts.host if parts else ""
            out = by_host.get(host)
            if out is None:
                by_host[host] = out = ids.pseudo(ids.UNCONTAINED, host)
            uncontained.append((n, out))
    join.group(containers, "container", with_children=True)
    join.group(uncontained, PSEUDO, with_children=True)


def process_to_name(n: AnyNode, join: Join, ctx: RenderContext) -> None:
    """A process into the group of processes of its name."""
    if n.topology == PSEUDO:
        join.pass_through(n)
        return
    name = n.latest.get(NAME)
    if name is not None:
        join.add_child_and_children(n, name, PROCESS_NAME_TOPOLOGY)


def processes_to_names(inputs: Mapping[str, AnyNode], join: Join, ctx: RenderContext) -> None:
    """process_to_name over all processes at once."""
    pairs: list[tuple[AnyNode, str]] = []
    for n in inputs.values():
        if n.topology == PSEUDO:
            join.pass_through(n)
            continue
        e = n.latest.entries.get(NAME)
        if e is not None:
            pairs.append((n, e[1]))
    join.group(pairs, PROCESS_NAME_TOPOLOGY, with_children=True)


def container_to_image(n: AnyNode, join: Join, ctx: RenderContext) -> None:
    """A container into its image (by name, any tag), which starts as the report's image node."""
    if n.topology == PSEUDO:
        join.pass_through(n)
        return
    image_id = n.latest.get(DOCKER_IMAGE_ID)
    if image_id is None:
        return
    out = container_image_id(n)
    if not out:
        return
    if out not in join.nodes:
        report_id = ids.container_image(image_id)
        base = ctx.nodes(TopologyKind.CONTAINER_IMAGE).get(report_id)
        # Scope takes whichever image node it meets first; Map visits containers in ID order, so this is
        # deterministic here.
        join.nodes[out] = rebuild(base, node_id=out) if base is not None else make_node(out, "container_image")
    join.add_child_and_children(n, out, "container_image")


def container_to_hostname(n: AnyNode, join: Join, ctx: RenderContext) -> None:
    """A container into the group of containers of its hostname."""
    if n.topology == PSEUDO:
        join.pass_through(n)
        return
    hostname = n.latest.get(DOCKER_CONTAINER_HOSTNAME)
    if hostname is not None:
        join.add_child_and_children(n, hostname, CONTAINER_HOSTNAME_TOPOLOGY)


def to_host(n: AnyNode, join: Join, ctx: RenderContext) -> None:
    """A node into its host. Images span hosts, so their edges would draw host edges that do not exist: they
    are children only (Scope's nodes2Hosts). Pseudo nodes reach the host view through endpoints instead."""
    if n.topology == PSEUDO:
        return
    for host_id in n.parents.get("host"):
        if n.topology == "container_image":
            join.add_unmapped_child(n, host_id, "host")
        else:
            join.add_child(n, host_id, "host")


def nodes_to_hosts(inputs: Mapping[str, AnyNode], join: Join, ctx: RenderContext) -> None:
    """to_host over all nodes at once (one host each, in practice)."""
    pairs: list[tuple[AnyNode, str]] = []
    for n in inputs.values():
        if n.topology == PSEUDO:
            continue
        hosts = n.parents.entries.get("host")
        if not hosts:
            continue
        if len(hosts) == 1 and n.topology != "container_image":
            for h in hosts:
                pairs.append((n, h))
        else:
            to_host(n, join, ctx)
    join.group(pairs, "host", with_children=False)


def pod_to_namespace(n: AnyNode, join: Join, ctx: RenderContext) -> None:
    """A pod into the group of pods of its namespace (our namespaces view)."""
    if n.topology == PSEUDO:
        join.pass_through(n)
        return
    ns = n.latest.get("kubernetes_namespace")
    if ns is not None and n.topology == "pod":
        join.add_child_and_children(n, ns, POD_NAMESPACE_TOPOLOGY)


def weave_peer(n: AnyNode, join: Join, ctx: RenderContext) -> None:
    """A weave peer as itself, or, if no probe runs on it, as an "unmanaged" pseudo node."""
    prefix, _peer = ids.parse_overlay(n.id)
    if prefix != "":
        return  # docker overlay peers are not weave peers
    if HOST_NODE_ID in n.latest:
        join.add(n.id, n)
    else:
        nickname = n.latest.get(WEAVE_PEER_NICKNAME) or ""
        join.add_child_and_children(n, ids.pseudo(ids.UNMANAGED, nickname), PSEUDO)


def with_image_names(nodes: Nodes, ctx: RenderContext) -> Nodes:
    """Containers with their image's name, tag and sizes, and their image parent by name (the by-image view's
    IDs) rather than by image ID."""
    images = ctx.nodes(TopologyKind.CONTAINER_IMAGE)
    if not images:
        return nodes
    out: dict[str, AnyNode] = {}
    changed = False
    for k, c in nodes.nodes.items():
        out[k] = c
        image_id = c.latest.get(DOCKER_IMAGE_ID)
        if image_id is None:
            continue
        image = images.get(ids.container_image(image_id))
        if image is None:
            continue
        by_name = container_image_id(image)
        if not by_name:
            continue
        entries = dict(c.latest.entries)
        for key in IMAGE_KEYS:
            e = image.latest.entry(key)
            if e is not None:
                entries[key] = e
        parents = dict(c.parents.entries)
        parents["container_image"] = frozenset((by_name,))
        out[k] = rebuild(c, latest=LatestMap(entries), parents=Sets(parents))
        changed = True
    return Nodes(out, nodes.filtered, nodes.connected) if changed else nodes

"""Joins of the endpoint topology: every connection Scope draws starts as an edge between two endpoints.

MapEndpoints maps each endpoint to a node of another topology (its process, its container by IP, its host)
or to a pseudo node, and the endpoint edges follow (Scope's render/endpoint.go, process.go, container.go).
"""

import re
from collections.abc import Callable, Iterable, Mapping

from ..report import ids
from ..report.kinds import TopologyKind
from ..report.node import Node
from .base import AnyNode, Nodes, RenderContext, Renderer, make_node
from .join import Join
from .pseudo import external_id

HOST_NODE_ID = "host_node_id"
PID = "pid"
COPY_OF = "copy_of"
DOES_NOT_MAKE_CONNECTIONS = "does_not_make_connections"
DOCKER_IS_IN_HOST_NETWORK = "docker_is_in_host_network"
DOCKER_CONTAINER_IPS_WITH_SCOPES = "docker_container_ips_with_scopes"
DOCKER_CONTAINER_PORTS = "docker_container_ports"
KUBERNETES_IS_IN_HOST_NETWORK = "kubernetes_is_in_host_network"
KUBERNETES_IP = "kubernetes_ip"
_HOSTLESS = "endpoints without a host"

# Given the render context and the endpoints, a function from an endpoint (and its latest entries) to its
# output node ID ("" = none).
EndpointMap = Callable[[AnyNode, Mapping[str, tuple[int, str]]], str]
# None: the function would map no endpoint (only pseudo nodes are made, from endpoints without a host).
EndpointMapper = Callable[[RenderContext, Mapping[str, Node]], EndpointMap | None]


class MapEndpoints:
    """Endpoints mapped into `kind` by a function, or to pseudo nodes; seeded with the report's `kind` nodes
    (Scope's MapEndpoints)."""

    inputs: tuple[Renderer, ...] = ()

    def __init__(self, name: str, mapper: EndpointMapper, kind: TopologyKind) -> None:
        self.name = name
        self.mapper = mapper
        self.kind = kind

    def render(self, ctx: RenderContext) -> Nodes:
        """Map every endpoint, then rewrite endpoint edges."""
        endpoints = ctx.nodes(TopologyKind.ENDPOINT)
        join = Join(ctx.nodes(self.kind))
        if ctx.window is None and (self.mapper is to_process or self.mapper is to_host):
            noted = _map_fast(ctx, endpoints, join, self.mapper is to_process)
            ctx.derived(_HOSTLESS, lambda: noted)
            return join.result(endpoints, ctx, self, resolve_all=True)
        f = self.mapper(ctx, endpoints)
        topology = self.kind.value
        window = ctx.window
        # Join.add_child, inlined: this loop runs once per endpoint of the window, the largest topology.
        nodes, children, mapped = join.nodes, join.children, join.mapped
        sources, edges = join.edge_sources, join.edges
        n: AnyNode
        items: Iterable[tuple[str, AnyNode]] = endpoints.items()
        hostless: list[tuple[str, AnyNode]] | None = None
        if f is None:
            # Only endpoints without a host can make (pseudo) nodes: skip the others without looking.
            items = ctx.derived(_HOSTLESS, lambda: [
                (k, v) for k, v in endpoints.items() if HOST_NODE_ID not in v.latest.entries])
        elif window is None and not ctx.has_derived(_HOSTLESS):
            hostless = []  # noted on the way, for the joins that need only these
        for eid, n in items:
            if window is not None:
                if window.owned_elsewhere(eid):
                    continue  # the part that reports its process maps it, with all parts' edges
                n = window.endpoint(eid, n)
            latest = n.latest.entries
            out = None
            if HOST_NODE_ID not in latest:
                if hostless is not None:
                    hostless.append((eid, n))
                out = external_id(ctx, n)
                topo = ids.PSEUDO
            if out is None:
                if f is None:
                    continue
                out = f(n, latest)
                if not out:
                    continue
                topo = topology
            slot = children.get(out)
            if slot is None:
                if out not in nodes:
                    nodes[out] = make_node(out, topo)
                children[out] = {eid: n}
            else:
                slot[eid] = n
            mapped[eid] = out
            if n.adjacency:
                sources.append(out)
                edges.append(n.adjacency)
        if hostless is not None:
            ctx.derived(_HOSTLESS, lambda: hostless)
        return join.result(endpoints, ctx, self, resolve_all=True)

    def __repr__(self) -> str:
        return f"MapEndpoints({self.name})"


def more_than_one_connection(n: AnyNode, endpoints: Mapping[str, Node]) -> bool:
    """True if an endpoint has edges to more than one remote endpoint (NAT copies counting as their original):
    its pid may then belong to another process than some of them (Scope #2665), so it is not attributed."""
    if len(n.adjacency) < 2:
        return False
    first = ""
    for target in n.adjacency:
        ep = endpoints.get(target)
        if ep is not None:
            target = ep.latest.get(COPY_OF) or target
        if not first:
            first = target
        elif first != target:
            return True
    return False


def _map_fast(ctx: RenderContext, endpoints: Mapping[str, Node], join: Join,
              processes: bool) -> list[tuple[str, AnyNode]]:
    """MapEndpoints' loop with to_process (or to_host) inlined: the processes and hosts views spend most of
    their time here, once per endpoint of the window. Returns the endpoints without a host, which other joins
    reuse."""
    nodes, children, mapped = join.nodes, join.children, join.mapped
    sources, edges = join.edge_sources, join.edges
    hosts: dict[str, str] = {}
    hostless: list[tuple[str, AnyNode]] = []
    process = ids.process
    topology = "process" if processes else "host"
    for eid, n in endpoints.items():
        latest = n.latest.entries
        host = latest.get(HOST_NODE_ID)
        if host is None:
            hostless.append((eid, n))
            out = external_id(ctx, n)
            if out is None:
                continue  # not external, and without a host no process or host either
            topo = ids.PSEUDO
        elif processes:
            pid = latest.get(PID)
            if pid is None:
                continue
            adj = n.adjacency
            if len(adj) > 1 and more_than_one_connection(n, endpoints):
                continue
            h = hosts.get(host[1])
            if h is None:
                hosts[host[1]] = h = ids.host_of(host[1])
            if not h:
                continue
            out = process(h, pid[1])
            topo = topology
        else:
            out = host[1]
            if not out:
                continue
            topo = topology
        slot = children.get(out)
        if slot is None:
            if out not in nodes:
                nodes[out] = make_node(out, topo)
            children[out] = {eid: n}
        else:
            slot[eid] = n
        mapped[eid] = out
        if n.adjacency:
            sources.append(out)
            edges.append(n.adjacency)
    return hostless


def _host_ids() -> Callable[[str], str]:
    cache: dict[str, str] = {}

    def host_id(host_node_id: str) -> str:
        got = cache.get(host_node_id)
        if got is None:
            cache[host_node_id] = got = ids.host_of(host_node_id)
        return got

    return host_id


def to_process(ctx: RenderContext, endpoints: Mapping[str, Node]) -> EndpointMap:
    """Endpoint -> process `host;pid`, for endpoints with a pid and a single connection."""
    host_id = _host_ids()

    def f(n: AnyNode, latest: Mapping[str, tuple[int, str]]) -> str:
        pid = latest.get(PID)
        if pid is None:
            return ""
        if len(n.adjacency) > 1 and more_than_one_connection(n, endpoints):
            return ""
        host = latest.get(HOST_NODE_ID)
        if host is None:
            return ""
        h = host_id(host[1])
        return ids.process(h, pid[1]) if h else ""

    return f


def to_host(ctx: RenderContext, endpoints: Mapping[str, Node]) -> EndpointMap:
    """Endpoint -> its host node, by `host_node_id`."""

    def f(n: AnyNode, latest: Mapping[str, tuple[int, str]]) -> str:
        e = latest.get(HOST_NODE_ID)
        return e[1] if e is not None else ""

    return f


_PORT_MAPPING = re.compile(r"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}):([0-9]+)->([0-9]+)/tcp")


def container_ips(n: AnyNode) -> list[str]:
    """The scoped addresses (`scope;ip;`) and host port mappings (`;ip;port`) a container is reachable on.

    Containers that make no connections (pause containers) or share the host's network are skipped: their
    addresses would attribute other processes' connections to them. Loopback addresses are shared by every
    network namespace, so they are skipped too."""
    latest = n.latest
    if DOES_NOT_MAKE_CONNECTIONS in latest or DOCKER_IS_IN_HOST_NETWORK in latest:
        return []
    out = []
    for addr in n.sets.get(DOCKER_CONTAINER_IPS_WITH_SCOPES):
        parts = ids.parse_address(addr)
        if parts is None or parts[1].startswith("127.") or parts[1] == "::1":
            continue
        out.append(ids.endpoint(parts[0], parts[1], ""))
    for mapping in n.sets.get(DOCKER_CONTAINER_PORTS):
        m = _PORT_MAPPING.search(mapping)
        if m is not None:
            out.append(ids.endpoint("", m.group(1), m.group(2)))
    return out


def pod_ips(n: AnyNode) -> list[str]:
    """The (unscoped) address of a pod, unless it shares the host's network."""
    if KUBERNETES_IS_IN_HOST_NETWORK in n.latest:
        return []
    ip = n.latest.get(KUBERNETES_IP)
    return [ids.endpoint("", ip, "")] if ip else []


def claims(nodes: Iterable[AnyNode], to_ips: Callable[[AnyNode], list[str]]) -> dict[str, str]:
    """Address -> the node claiming it ("" if two do: a connection to it cannot be attributed)."""
    out: dict[str, str] = {}
    for n in nodes:
        for ip in to_ips(n):
            cur = out.get(ip)
            out[ip] = n.id if cur is None or cur == n.id else ""
    return out


def connection_join(name: str, to_ips: Callable[[AnyNode], list[str]], kind: TopologyKind) -> MapEndpoints:
    """Endpoints joined to `kind` nodes by address (Scope's ConnectionJoin): an address claimed by two nodes is
    ignored, as a connection to it cannot be attributed."""

    def mapper(ctx: RenderContext, endpoints: Mapping[str, Node]) -> EndpointMap | None:
        ip_nodes = claims(ctx.nodes(kind).values(), to_ips) if ctx.window is None else ctx.window.ip_nodes(kind)
        if not ip_nodes:
            return None

        def f(n: AnyNode, latest: Mapping[str, tuple[int, str]]) -> str:
            parts = ids.parse_endpoint(n.id)
            if parts is None:
                return ""
            got = ip_nodes.get(ids.endpoint(parts.scope, parts.address, ""))
            if got is None:
                # Host addresses port-mapped to a container are told apart only by port.
                got = ip_nodes.get(ids.endpoint(parts.scope, parts.address, parts.port))
            return got or ""

        return f

    return MapEndpoints(name, mapper, kind)

"""Endpoint nodes and edges from the socket scan (Scope's procspy reporter).

An edge goes from the endpoint that connected to the one that listened. Scope guessed the direction from port
numbers when conntrack could not tell (the lower port listens); we know which sockets listen in each network
namespace, and fall back to Scope's guess only for a socket whose listener we could not see.
"""

import ipaddress
from collections.abc import Iterable, Mapping

from scopecore.report import LatestMap, Node, ReportBuilder, TopologyKind, ids
from scopeprobe.conntrack import Direction, Flow, nat_mappings
from scopeprobe.procfs import NetworkSnapshot
from scopeprobe.procfs.records import Connection
from scopeprobe.stamps import Stamper


def plain_ip(ip: str) -> str:
    """An IPv4 peer of an IPv6 socket as Scope writes it: "::ffff:10.0.0.1" -> "10.0.0.1"."""
    return ip[7:] if ip.startswith("::ffff:") and "." in ip else ip


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def endpoint_id(host_id: str, netns: int, ip: str, port: int, local_ips: frozenset[str]) -> str:
    """Scope's endpoint ID: scoped by host for local addresses, by host and namespace for loopback."""
    scope = ids.address_scope(host_id, ip in local_ips, _is_loopback(ip), str(netns))
    return ids.endpoint(scope, ip, port)


def add_endpoints(builder: ReportBuilder, net: NetworkSnapshot, host_id: str, now: int, stamper: Stamper,
                  local_ips: frozenset[str] = frozenset(),
                  directions: Mapping[tuple[str, int, str, int], Direction] | None = None) -> None:
    """Two endpoint nodes per connection, joined by an edge from the connecting side. `local_ips` are the
    addresses Scope would call local (docker bridge networks); others are not scoped, so both probes of a
    cross-host connection name its endpoints alike and the halves join."""
    host_node = ids.host(host_id)
    listening = {(c.netns, c.local_port) for c in net.listening}
    for c in net.connections:
        local_ip, remote_ip = plain_ip(c.local_ip), plain_ip(c.remote_ip)
        local = endpoint_id(host_id, c.netns, local_ip, c.local_port, local_ips)
        remote = endpoint_id(host_id, c.netns, remote_ip, c.remote_port, local_ips)
        values = {"host_node_id": host_node}
        if c.pid is not None:
            values["pid"] = str(c.pid)
        mine = Node(local, "endpoint", stamper.stamp(local, values, now))
        other = Node(remote, "endpoint")
        known = directions.get((local_ip, c.local_port, remote_ip, c.remote_port)) if directions else None
        incoming = known is Direction.INCOMING if known is not None else _incoming(c, listening)
        if incoming:
            other = Node(remote, "endpoint", adjacency=frozenset({local}))
        else:
            mine = Node(local, "endpoint", mine.latest, adjacency=frozenset({remote}))
        builder.add(TopologyKind.ENDPOINT, mine)
        builder.add(TopologyKind.ENDPOINT, other)


def _incoming(c: Connection, listening: set[tuple[int, int]]) -> bool:
    if (c.netns, c.local_port) in listening:
        return True
    if (c.netns, c.remote_port) in listening and _is_loopback(c.remote_ip):
        return False  # both ends are ours: the one on the listening port accepted
    return c.local_port < c.remote_port  # Scope's guess


def add_flows(builder: ReportBuilder, flows: Iterable[Flow], host_id: str, now: int,
              local_ips: frozenset[str] = frozenset()) -> None:
    """Endpoints and edges from conntrack flows, including connections that opened and closed between two ticks
    (which a /proc scan never sees). No pids: the render joins these to processes through the socket scan's
    endpoints with the same IDs. A NATed address gets a node that says which endpoint it is a copy of (Scope's
    `copy_of`)."""
    flows = list(flows)
    for f in flows:
        o = f.original
        src = endpoint_id(host_id, f.netns, plain_ip(o.src), o.sport, local_ips)
        dst = endpoint_id(host_id, f.netns, plain_ip(o.dst), o.dport, local_ips)
        builder.add(TopologyKind.ENDPOINT, Node(src, "endpoint", adjacency=frozenset({dst})))
        builder.add(TopologyKind.ENDPOINT, Node(dst, "endpoint"))
    for m in nat_mappings(flows):
        copy = endpoint_id(host_id, m.netns, plain_ip(m.rewritten_addr), m.rewritten_port, local_ips)
        real = endpoint_id(host_id, m.netns, plain_ip(m.original_addr), m.original_port, local_ips)
        builder.add(TopologyKind.ENDPOINT, Node(copy, "endpoint", LatestMap({"copy_of": (now, real)})))

"""Pseudo nodes for endpoints no probe owns: the Internet (inbound and outbound) and known cloud services.

Scope's rule (render/theinternet.go): an endpoint without a `host_node_id` becomes
  * `service-<name>` if one of its DNS names (snooped first, then reverse) is a known cloud service, or (ours)
    a Kubernetes service's in-cluster name `<service>.<namespace>.svc`, which our probe records for each cluster
    IP: connections to a ClusterIP are attributed to the service instead of being dropped;
  * otherwise, if its address is an IPv4 address outside every local network, `in-theinternet` when it has
    edges (it connected to us) or `out-theinternet` when it has none (we connected to it);
  * otherwise nothing: it is dropped (Scope #1323).
"Local" is every host's and overlay peer's `local_networks`, plus the smallest network holding every
Kubernetes service IP (services' cluster IPs are virtual, and edges to them are not to the Internet).
"""

import ipaddress
import re
from collections.abc import Iterable, Mapping

from ..report import ids
from ..report.dns import DNSRecord
from ..report.kinds import TopologyKind
from .base import AnyNode, RenderContext

_KNOWN_SERVICE = re.compile(
    r"^.+\.(amazonaws\.com|googleapis\.com|weave\.works|core\.windows\.net|servicebus\.windows\.net"
    r"|azure-api\.net|onmicrosoft\.com|cloudapp\.azure\.com|database\.windows\.net|documents\.azure\.com)$"
)
# A Kubernetes service's in-cluster DNS name: <service>.<namespace>.svc[.<cluster domain>].
KUBERNETES_SERVICE_NAME = re.compile(
    r"^(?P<name>[a-z0-9]([-a-z0-9]*[a-z0-9])?)\.(?P<namespace>[a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[-a-z0-9.]+)?$")
# EC2 machine names are too generic to be a service of their own (Scope excludes them).
_KNOWN_SERVICE_EXCLUDED = re.compile(r"^(ec2.*\.amazonaws\.com)$")
LOCAL_NETWORKS = "local_networks"
KUBERNETES_IP = "kubernetes_ip"


def is_known_service(hostname: str) -> bool:
    """True if a DNS name is a cloud service Scope shows as a node of its own."""
    if KUBERNETES_SERVICE_NAME.match(hostname):
        return True
    return bool(_KNOWN_SERVICE.match(hostname)) and not _KNOWN_SERVICE_EXCLUDED.match(hostname)


def ipv4(address: str) -> int | None:
    """An IPv4 address as an int, or None: "10.0.0.1" -> 167772161 (Scope parses only IPv4 here)."""
    parts = address.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for p in parts:
        if not p.isdigit() or len(p) > 3:
            return None
        b = int(p)
        if b > 255:
            return None
        value = value << 8 | b
    return value


class Networks:
    """A set of IPv4 networks (CIDRs), with a per-address memo of membership."""

    __slots__ = ("_memo", "cidrs", "nets")

    def __init__(self, cidrs: Iterable[str] = ()) -> None:
        self.cidrs: frozenset[str] = frozenset(cidrs)
        nets: set[tuple[int, int]] = set()
        for c in self.cidrs:
            try:
                net = ipaddress.ip_network(c, strict=False)
            except ValueError:
                continue  # Scope skips what net.ParseCIDR rejects
            if net.version == 4:
                nets.add((int(net.network_address), int(net.netmask)))
        self.nets = tuple(sorted(nets))
        self._memo: dict[str, bool] = {}

    def contains(self, address: str) -> bool:
        """True if the IPv4 address lies in one of the networks."""
        got = self._memo.get(address)
        if got is None:
            ip = ipv4(address)
            got = ip is not None and any(ip & mask == net for net, mask in self.nets)
            if len(self._memo) < 65536:
                self._memo[address] = got
        return got

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Networks) and self.cidrs == other.cidrs

    def __hash__(self) -> int:
        return hash(self.cidrs)


def containing_network(addresses: Iterable[int]) -> str | None:
    """The smallest IPv4 network (as a CIDR) holding all these addresses, or None if there are none."""
    addrs = list(addresses)
    if not addrs:
        return None
    lo, hi = min(addrs), max(addrs)
    prefix = 32 - (lo ^ hi).bit_length()
    net = lo & (((1 << 32) - 1) << (32 - prefix)) & ((1 << 32) - 1)
    return f"{ipaddress.IPv4Address(net)}/{prefix}"


def network_cidrs(ctx: RenderContext) -> list[str]:
    """The CIDRs a report declares local: hosts' and overlay peers' local networks, and the service network."""
    cidrs: list[str] = []
    for kind in (TopologyKind.HOST, TopologyKind.OVERLAY):
        for n in ctx.nodes(kind).values():
            cidrs.extend(n.sets.get(LOCAL_NETWORKS))
    service_ips = []
    for n in ctx.nodes(TopologyKind.SERVICE).values():
        ip = ipv4(n.latest.get(KUBERNETES_IP) or "")
        if ip is not None:
            service_ips.append(ip)
    extra = containing_network(service_ips)
    if extra is not None:
        cidrs.append(extra)
    return cidrs


def local_networks(ctx: RenderContext) -> Networks:
    """The networks local to the report (or to its whole window, when rendering a part of one)."""
    if ctx.window is not None:
        return ctx.window.networks()
    nets: Networks = ctx.derived("local_networks", lambda: Networks(network_cidrs(ctx)))
    return nets


def dns_records(ctx: RenderContext) -> Mapping[str, DNSRecord]:
    """The DNS records of the report (or its window)."""
    if ctx.window is not None:
        return ctx.window.dns()
    return ctx.report.dns


def first_known_service(dns: Mapping[str, DNSRecord], address: str) -> str | None:
    """The first known-service name of an address, snooped (forward) names before reverse ones, each sorted."""
    rec = dns.get(address)
    if rec is None:
        return None
    for names in (rec.forward, rec.reverse):
        for name in sorted(names):
            if is_known_service(name):
                return name
    return None


def external_id(ctx: RenderContext, endpoint: AnyNode) -> str | None:
    """The pseudo node an endpoint without a host belongs to, or None (not external: dropped)."""
    parts = ids.parse_endpoint(endpoint.id)
    if parts is None:
        return None
    address = parts.address
    dns = dns_records(ctx)
    if dns:
        name = first_known_service(dns, address)
        if name is not None:
            return ids.service(name)
    if ipv4(address) is None or local_networks(ctx).contains(address):
        return None
    window = ctx.window
    has_edges = bool(endpoint.adjacency) or (window is not None and window.has_adjacency(endpoint.id))
    return ids.INCOMING_INTERNET if has_edges else ids.OUTGOING_INTERNET

"""NAT mappings from conntrack flows: what Scope's NAT walker (probe/endpoint/nat.go) feeds its `copy_of` endpoints.

A DNATed flow (a docker port mapping, a kube Service, an iptables DNAT rule) was sent to one address and served
by another: clients connect to the original destination, the server's socket holds the reply source. The probe
copies the server's endpoint node to the address clients use, with `copy_of` naming the real one, so the edge
from the client joins the server. An SNATed flow (MASQUERADE) maps the other way: the address the peer sees is
the reply destination, the real one the original source.

Scope derived one mapping per flow and took the SNAT branch whenever the source was rewritten, so a flow with
both rewrites lost its DNAT mapping; here each rewrite gives its own mapping.
"""

from collections.abc import Iterable
from enum import Enum
from typing import NamedTuple

from scopeprobe.conntrack.schema import Flow, Status


class NatKind(Enum):
    """Which rewrite a mapping comes from."""

    DNAT = "dnat"
    SNAT = "snat"


class NatMapping(NamedTuple):
    """rewritten addr:port (what the peer uses) -> original addr:port (the real socket), in one namespace."""

    kind: NatKind
    protocol: int
    rewritten_addr: str
    rewritten_port: int
    original_addr: str
    original_port: int
    netns: int


def flow_mappings(flow: Flow) -> list[NatMapping]:
    """The mappings one flow implies: none without NAT, one per rewrite.

    A client 10.0.0.5:40000 -> 172.17.0.1:8080 DNATed to 172.17.0.2:80 (reply tuple 172.17.0.2:80 ->
    10.0.0.5:40000) gives NatMapping(DNAT, 6, '172.17.0.1', 8080, '172.17.0.2', 80, netns).
    """
    out: list[NatMapping] = []
    o, r = flow.original, flow.reply
    if flow.status & Status.DST_NAT:
        out.append(NatMapping(NatKind.DNAT, flow.protocol, o.dst, o.dport, r.src, r.sport, flow.netns))
    if flow.status & Status.SRC_NAT:
        out.append(NatMapping(NatKind.SNAT, flow.protocol, r.dst, r.dport, o.src, o.sport, flow.netns))
    return out


def nat_mappings(flows: Iterable[Flow]) -> list[NatMapping]:
    """The distinct mappings of many flows (e.g. both lists from FlowTracker.drain()), in first-seen order.

    Many client connections through one port mapping collapse into one DNAT mapping, since the client side is
    not part of it; SNAT mappings stay one per connection (each has its own rewritten port).
    """
    return list(dict.fromkeys(m for f in flows for m in flow_mappings(f)))

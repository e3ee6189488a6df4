"""The records of the conntrack flow source: `Flow`, its parts, and `FlowEvent`.

Field meanings follow the kernel's ctnetlink (include/uapi/linux/netfilter/nfnetlink_conntrack.h): the
*original* tuple is the first packet as the initiator sent it (before NAT), the *reply* tuple is what the
responder sends back (after NAT). So the original source is the side that opened the flow: that is how the probe
knows a connection's direction, which /proc alone cannot tell (Scope guessed from port numbers).
"""

from collections.abc import Iterable
from enum import Enum, IntEnum, IntFlag
from typing import NamedTuple


class TcpCtState(IntEnum):
    """conntrack's own TCP state machine (enum tcp_conntrack, uapi nf_conntrack_tcp.h), not the socket states."""

    NONE = 0
    SYN_SENT = 1
    SYN_RECV = 2
    ESTABLISHED = 3
    FIN_WAIT = 4
    CLOSE_WAIT = 5
    LAST_ACK = 6
    TIME_WAIT = 7
    CLOSE = 8
    SYN_SENT2 = 9  # simultaneous open; called LISTEN before kernel 2.6.31


class Status(IntFlag):
    """enum ip_conntrack_status (uapi nf_conntrack_common.h). Unknown future bits are kept (IntFlag KEEP)."""

    EXPECTED = 1 << 0
    SEEN_REPLY = 1 << 1
    ASSURED = 1 << 2
    CONFIRMED = 1 << 3
    SRC_NAT = 1 << 4
    DST_NAT = 1 << 5
    SEQ_ADJUST = 1 << 6
    SRC_NAT_DONE = 1 << 7
    DST_NAT_DONE = 1 << 8
    DYING = 1 << 9
    FIXED_TIMEOUT = 1 << 10
    TEMPLATE = 1 << 11
    UNTRACKED = 1 << 12  # also NAT_CLASH since 5.7: the kernel reuses this bit
    HELPER = 1 << 13
    OFFLOAD = 1 << 14
    HW_OFFLOAD = 1 << 15


NAT_MASK = Status.SRC_NAT | Status.DST_NAT


class EventType(Enum):
    """What a conntrack event reports. A dump yields flows with no event type."""

    NEW = "new"
    UPDATE = "update"
    DESTROY = "destroy"


class Direction(Enum):
    """Which way a connection goes, seen from one of its local endpoints."""

    OUTGOING = "outgoing"  # this endpoint initiated it
    INCOMING = "incoming"  # this endpoint accepted it


class FlowTuple(NamedTuple):
    """One direction of a flow. Ports are 0 for protocols without them (ICMP, GRE...)."""

    src: str
    dst: str
    sport: int
    dport: int


class Counters(NamedTuple):
    """Packets and bytes in one direction, IP headers included (nf_conntrack_acct=1 only)."""

    packets: int
    bytes: int


class Flow(NamedTuple):
    """One conntrack entry as last reported by a dump or an event.

    `tcp_state` and the counters are None when the message did not carry them: update events carry the TCP state
    only when it changed and never carry counters (ctnetlink_conntrack_event); counters exist only with
    net.netfilter.nf_conntrack_acct=1 set before the flow was created.
    """

    family: int  # socket.AF_INET or AF_INET6
    protocol: int  # IPPROTO_*
    original: FlowTuple
    reply: FlowTuple
    status: Status
    tcp_state: TcpCtState | None
    orig_counters: Counters | None
    reply_counters: Counters | None
    id: int  # CTA_ID: stable for the entry's life, may repeat after it (nf_ct_get_id hashes its address)
    zone: int
    mark: int
    netns: int  # inode of the network namespace the flow was read from

    @property
    def key(self) -> "FlowKey":
        """The identity of this entry within its namespace, the same in dumps and in every event."""
        return FlowKey(self.protocol, self.original, self.zone, self.id)


class FlowKey(NamedTuple):
    """What identifies a conntrack entry: its original tuple and zone (the kernel's hash key) plus CTA_ID, so
    a new entry reusing the tuple right after the old one died is a different flow."""

    protocol: int
    original: FlowTuple
    zone: int
    id: int


class FlowEvent(NamedTuple):
    """A conntrack event: what happened to which flow."""

    type: EventType
    flow: Flow


def is_nat(flow: Flow) -> bool:
    """Whether the kernel rewrote this flow's source or destination (SNAT, DNAT, MASQUERADE, REDIRECT)."""
    return bool(flow.status & NAT_MASK)


def is_closed(flow: Flow) -> bool:
    """Whether a TCP flow is over although still in the table (TIME_WAIT lasts 120 s by default)."""
    return flow.tcp_state is TcpCtState.TIME_WAIT or flow.tcp_state is TcpCtState.CLOSE


def initiator(flow: Flow) -> tuple[str, int]:
    """The address and port that opened the flow: the original tuple's source, e.g. ('10.0.0.5', 40000) for a
    client at 10.0.0.5:40000 connecting to 10.0.0.9:80, whichever side's conntrack table it is read from."""
    return flow.original.src, flow.original.sport


def direction(flow: Flow, addr: str, port: int) -> Direction | None:
    """The direction of `flow` seen from the local endpoint addr:port, or None if it is not one of its ends.

    The initiator's socket holds the original source; the responder's holds the reply source, which differs
    from the original destination when the flow was DNATed (a docker port mapping, a kube Service).
    """
    if (addr, port) == (flow.original.src, flow.original.sport):
        return Direction.OUTGOING
    if (addr, port) == (flow.reply.src, flow.reply.sport) or (addr, port) == (flow.original.dst, flow.original.dport):
        return Direction.INCOMING
    return None


def direction_index(flows: Iterable[Flow]) -> dict[tuple[str, int, str, int], Direction]:
    """(local addr, local port, remote addr, remote port) of a socket -> the direction of its connection, for
    the sockets at both ends of these flows: what the probe looks its /proc connections up in.

    The initiator's socket sees the original tuple (before DNAT); the responder's sees the reply tuple (after
    NAT). A connection over loopback has both ends here, each with its own direction.
    """
    index: dict[tuple[str, int, str, int], Direction] = {}
    for f in flows:
        o, r = f.original, f.reply
        index[(o.src, o.sport, o.dst, o.dport)] = Direction.OUTGOING
        index[(r.src, r.sport, r.dst, r.dport)] = Direction.INCOMING
    return index

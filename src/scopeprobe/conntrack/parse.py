"""ctnetlink messages -> `Flow` records: pure functions over the wire bytes, and the only module that knows the
CTA_* attributes (include/uapi/linux/netfilter/nfnetlink_conntrack.h).

Why bytes and not pyroute2's decoded `nfct_msg`: pyroute2 0.9 spends 200-750 us decoding one message (its
split plus the nested attributes, decoded lazily on access; measured here), which caps a tracker at 1,300-4,000
events/s, a few hundred TCP connections/s (6 events each). Walking the attributes with `struct` costs 12-15 us
(bench/bench_conntrack.py). pyroute2 still opens, binds and reads the sockets, and the golden tests check this
parser against pyroute2's decoder on the same bytes (`from_pyroute2` accepts its messages too).

A message is a netlink header, an nfgenmsg, then nested attributes. For example (abridged) the dump entry of
a TCP connection 127.0.0.1:37982 -> 127.0.0.1:34075::

    nlmsghdr{len 268, type 0x100 (CTNETLINK|CT_NEW), flags MULTI} nfgenmsg{AF_INET}
    CTA_TUPLE_ORIG{CTA_TUPLE_IP{V4_SRC 127.0.0.1, V4_DST 127.0.0.1}, CTA_TUPLE_PROTO{NUM 6, SRC 37982, DST 34075}}
    CTA_TUPLE_REPLY{...} CTA_STATUS 14 CTA_ID 3755527805 CTA_PROTOINFO{CTA_PROTOINFO_TCP{STATE 3, ...}}
    CTA_COUNTERS_ORIG{PACKETS 3, BYTES 264} CTA_COUNTERS_REPLY{PACKETS 2, BYTES 112}

becomes ``Flow(family=2, protocol=6, original=FlowTuple('127.0.0.1', '127.0.0.1', 37982, 34075), ...,
status=SEEN_REPLY|ASSURED|CONFIRMED, tcp_state=ESTABLISHED, orig_counters=Counters(3, 264), ...)``.
"""

import functools
import socket
import struct
from collections.abc import Iterator
from enum import IntEnum
from typing import Any, NamedTuple

from scopeprobe.conntrack.errors import BadMessage
from scopeprobe.conntrack.schema import Counters, EventType, Flow, FlowEvent, FlowTuple, Status, TcpCtState


class CTA(IntEnum):
    """Top-level attributes of a conntrack message (enum ctattr_type), those the parser reads."""

    TUPLE_ORIG = 1
    TUPLE_REPLY = 2
    STATUS = 3
    PROTOINFO = 4
    MARK = 8
    COUNTERS_ORIG = 9
    COUNTERS_REPLY = 10
    ID = 12
    ZONE = 18


# Nested attribute types (enum ctattr_tuple, ctattr_ip, ctattr_l4proto, ctattr_protoinfo(_tcp), ctattr_counters,
# ctattr_stats_global).
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST = 1, 2, 3, 4
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_PROTOINFO_TCP, CTA_PROTOINFO_TCP_STATE = 1, 1
CTA_COUNTERS_PACKETS, CTA_COUNTERS_BYTES, CTA_COUNTERS32_PACKETS, CTA_COUNTERS32_BYTES = 1, 2, 3, 4
CTA_STATS_GLOBAL_ENTRIES = 1

# Netlink message types and flags (linux/netlink.h, nfnetlink.h, nfnetlink_conntrack.h).
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_DUMP = 0x1, 0x2, 0x300
NLM_F_CREATE, NLM_F_EXCL = 0x400, 0x200
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_NEW, IPCTNL_MSG_CT_GET, IPCTNL_MSG_CT_DELETE, IPCTNL_MSG_CT_GET_STATS = 0, 1, 2, 5
MSG_NEW = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW
MSG_DELETE = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE
# ctnetlink_conntrack_event sets CREATE|EXCL on the message of a new entry; updates are CT_NEW without them.
_CREATED = NLM_F_CREATE | NLM_F_EXCL

_NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid: host byte order
_NFGENMSG_FAMILY = 16  # nfgenmsg follows the header: family u8, version u8, res_id be16
_ATTRS = 20
_NLA = struct.Struct("=HH")  # nla_len, nla_type (host order); payloads are big-endian
_NLA_TYPE_MASK = 0x3FFF  # without NLA_F_NESTED / NLA_F_NET_BYTEORDER
_BE16 = struct.Struct(">H").unpack_from
_BE32 = struct.Struct(">I").unpack_from
_BE64 = struct.Struct(">Q").unpack_from
_I32 = struct.Struct("=i").unpack_from

_TCP_STATES = {int(s): s for s in TcpCtState}


class Header(NamedTuple):
    """A netlink message header (struct nlmsghdr) and where its message starts in the datagram."""

    offset: int
    length: int
    type: int
    flags: int
    seq: int


def messages(datagram: bytes) -> Iterator[Header]:
    """The headers of the netlink messages packed in one datagram (NLMSG_ALIGN'ed)."""
    offset, end = 0, len(datagram)
    while offset + _NLMSGHDR.size <= end:
        length, mtype, flags, seq, _pid = _NLMSGHDR.unpack_from(datagram, offset)
        if length < _NLMSGHDR.size or offset + length > end:
            raise BadMessage(f"netlink message of length {length} at offset {offset} in a {end}-byte datagram")
        yield Header(offset, length, mtype, flags, seq)
        offset += (length + 3) & ~3


def error_code(datagram: bytes, header: Header) -> int:
    """The errno of an NLMSG_ERROR message (0 is an ACK). The kernel sends it negated, pyroute2's own
    synthesized errors (ENOBUFS, ECONNRESET) positive: both come out positive."""
    code: int = _I32(datagram, header.offset + _NLMSGHDR.size)[0]
    return abs(code)


def _attrs(buf: bytes, start: int, end: int) -> dict[int, tuple[int, int]]:
    """Attribute type -> (payload start, payload end) for the attributes in buf[start:end]."""
    out: dict[int, tuple[int, int]] = {}
    unpack = _NLA.unpack_from
    while start + 4 <= end:
        length, atype = unpack(buf, start)
        if length < 4:
            raise BadMessage(f"attribute of length {length} at offset {start}")
        out[atype & _NLA_TYPE_MASK] = (start + 4, start + length)
        start += (length + 3) & ~3
    return out


@functools.lru_cache(maxsize=65536)
def _addr_text(raw: bytes) -> str:
    """inet_ntop, memoized: a busy table repeats a few addresses many times, and the flows then share one str."""
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


def _addr(buf: bytes, span: tuple[int, int]) -> str:
    return _addr_text(buf[span[0] : span[1]])


def _tuple(buf: bytes, span: tuple[int, int]) -> tuple[int, FlowTuple]:
    """(protocol, FlowTuple) of a CTA_TUPLE_ORIG/REPLY (ctnetlink_dump_tuples). Ports are 0 without ports."""
    parts = _attrs(buf, *span)
    ip = _attrs(buf, *parts[CTA_TUPLE_IP])
    proto = _attrs(buf, *parts[CTA_TUPLE_PROTO])
    if CTA_IP_V4_SRC in ip:
        src, dst = _addr(buf, ip[CTA_IP_V4_SRC]), _addr(buf, ip[CTA_IP_V4_DST])
    else:
        src, dst = _addr(buf, ip[CTA_IP_V6_SRC]), _addr(buf, ip[CTA_IP_V6_DST])
    sport = proto.get(CTA_PROTO_SRC_PORT)
    dport = proto.get(CTA_PROTO_DST_PORT)
    return buf[proto[CTA_PROTO_NUM][0]], FlowTuple(
        src,
        dst,
        0 if sport is None else _BE16(buf, sport[0])[0],
        0 if dport is None else _BE16(buf, dport[0])[0],
    )


def _counters(buf: bytes, span: tuple[int, int] | None) -> Counters | None:
    """CTA_COUNTERS_{ORIG,REPLY}: 64-bit since 2.6.27, the 32-bit variants only from older kernels."""
    if span is None:
        return None
    c = _attrs(buf, *span)
    if CTA_COUNTERS_PACKETS in c:
        return Counters(_BE64(buf, c[CTA_COUNTERS_PACKETS][0])[0], _BE64(buf, c[CTA_COUNTERS_BYTES][0])[0])
    return Counters(_BE32(buf, c[CTA_COUNTERS32_PACKETS][0])[0], _BE32(buf, c[CTA_COUNTERS32_BYTES][0])[0])


def _tcp_state(buf: bytes, span: tuple[int, int] | None) -> TcpCtState | None:
    """CTA_PROTOINFO -> CTA_PROTOINFO_TCP -> CTA_PROTOINFO_TCP_STATE, when present."""
    if span is None:
        return None
    tcp = _attrs(buf, *span).get(CTA_PROTOINFO_TCP)
    if tcp is None:
        return None
    state = _attrs(buf, *tcp).get(CTA_PROTOINFO_TCP_STATE)
    return None if state is None else _TCP_STATES.get(buf[state[0]], TcpCtState.NONE)


@functools.lru_cache(maxsize=1024)
def _status(value: int) -> Status:
    """Status(value), memoized: building a composite IntFlag is slow, and a handful of values recur."""
    return Status(value)


def parse_flow(buf: bytes, header: Header, netns: int) -> Flow:
    """The Flow in one conntrack message (a dump entry or an event), read from the namespace with inode netns.

    Raises BadMessage when the message is truncated or lacks what every entry has (both tuples, status, id).
    """
    start = header.offset
    try:
        a = _attrs(buf, start + _ATTRS, start + header.length)
        protocol, original = _tuple(buf, a[CTA.TUPLE_ORIG])
        _, reply = _tuple(buf, a[CTA.TUPLE_REPLY])
        zone, mark = a.get(CTA.ZONE), a.get(CTA.MARK)
        return Flow(
            family=buf[start + _NFGENMSG_FAMILY],
            protocol=protocol,
            original=original,
            reply=reply,
            status=_status(_BE32(buf, a[CTA.STATUS][0])[0]),
            tcp_state=_tcp_state(buf, a.get(CTA.PROTOINFO)),
            orig_counters=_counters(buf, a.get(CTA.COUNTERS_ORIG)),
            reply_counters=_counters(buf, a.get(CTA.COUNTERS_REPLY)),
            id=_BE32(buf, a[CTA.ID][0])[0],
            # Zone 0 and mark 0 are left out of events (ctnetlink_dump_zone_id, ctnetlink_dump_mark).
            zone=0 if zone is None else _BE16(buf, zone[0])[0],
            mark=0 if mark is None else _BE32(buf, mark[0])[0],
            netns=netns,
        )
    except KeyError as e:
        raise BadMessage(f"conntrack message at offset {start}: no attribute {e.args[0]}") from e
    except (struct.error, IndexError, ValueError) as e:
        raise BadMessage(f"conntrack message at offset {start}: {e}") from e


def event_type(header: Header) -> EventType:
    """The event a ctnetlink multicast message reports, from its header's type and flags.

    type 0x100 flags 0x600 -> NEW, type 0x100 flags 0 -> UPDATE, type 0x102 -> DESTROY.
    """
    if header.type == MSG_DELETE:
        return EventType.DESTROY
    if header.type == MSG_NEW:
        return EventType.NEW if header.flags & _CREATED == _CREATED else EventType.UPDATE
    raise BadMessage(f"not a conntrack event: type {header.type:#x}")


def parse_event(buf: bytes, header: Header, netns: int) -> FlowEvent:
    """The FlowEvent in one message received on a socket joined to the NFNLGRP_CONNTRACK_* groups."""
    return FlowEvent(event_type(header), parse_flow(buf, header, netns))


def parse_count(buf: bytes, header: Header) -> int:
    """The number of entries in an IPCTNL_MSG_CT_GET_STATS answer (CTA_STATS_GLOBAL_ENTRIES)."""
    a = _attrs(buf, header.offset + _ATTRS, header.offset + header.length)
    span = a.get(CTA_STATS_GLOBAL_ENTRIES)
    return 0 if span is None else int(_BE32(buf, span[0])[0])


def request(msg_type: int, seq: int, family: int = socket.AF_UNSPEC) -> bytes:
    """A ctnetlink dump request with no attributes: CT_GET dumps the table (AF_UNSPEC: IPv4 and IPv6),
    CT_GET_STATS counts it."""
    return _NLMSGHDR.pack(_ATTRS, (NFNL_SUBSYS_CTNETLINK << 8) | msg_type, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + bytes(
        (family, 0, 0, 0)
    )


def from_pyroute2(msg: Any) -> tuple[bytes, Header]:
    """The wire bytes and header of one message pyroute2 decoded (e.g. from NFCTSocket().dump()), to parse."""
    h = msg["header"]
    raw: bytes = msg.data[msg.offset : msg.offset + h["length"]]
    return raw, Header(0, h["length"], h["type"], h["flags"], h["sequence_number"])

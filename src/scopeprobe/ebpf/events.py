"""The records of the eBPF tracker, and the ABI they are decoded from.

`bpf/scope_events.h` is fed verbatim to `ffi.cdef` (pyca/cryptography's build_padding.py pattern): the loader
sizes and writes the config through it. Records are decoded with the `struct` formats below, which
tests/unit/test_ebpf_abi.py holds to the header's layout field by field.
"""

import functools
import os
import socket
import struct
from enum import IntEnum
from pathlib import Path
from typing import Any, NamedTuple

import cffi  # type: ignore[import-untyped]

from scopeprobe.ebpf.errors import NotSupported

HEADER = "scope_events.h"
OBJECT = "scope_tcp.bpf.o"

# Native byte order, no implicit padding ("="): the header's explicit pad fields are the "x"s.
EVENT = struct.Struct("=QII16s16sHHBB2xI4x")  # struct scope_tcp_event
FLOW_KEY = struct.Struct("=16s16sIHHBB6x")  # struct scope_flow_key
FLOW_STATS = struct.Struct("=QQIIII")  # struct scope_flow_stats
CONFIG = struct.Struct("=IIBBBBI")  # struct scope_config
SHARED = struct.Struct("=I4xQQQ")  # struct scope_shared

# The kernel types the header uses, for cdef (in the BPF build they come from vmlinux.h).
_PRELUDE = "typedef uint8_t __u8; typedef uint16_t __u16; typedef uint32_t __u32; typedef uint64_t __u64;\n"


def find_file(name: str) -> Path:
    """`name` in $SCOPE_BPF_DIR, beside this package (installed copies), or in the checkout's bpf/ directory."""
    here = Path(__file__).resolve().parent
    dirs = [Path(d) for d in (os.environ.get("SCOPE_BPF_DIR"),) if d] + [here / "bpf", here.parents[2] / "bpf"]
    for d in dirs:
        if (d / name).is_file():
            return d / name
    where = ", ".join(str(d) for d in dirs)
    hint = " (run `make -C bpf`)" if name.endswith(".o") else ""
    raise NotSupported("eBPF tracker", f"{name} not found in {where}{hint}")


@functools.cache
def ffi() -> Any:
    """The cffi FFI holding the ABI structs (and, once _libbpf is imported, libbpf's declarations)."""
    f = cffi.FFI()
    f.cdef(_PRELUDE + find_file(HEADER).read_text())
    return f


class EventType(IntEnum):
    """enum scope_event_type."""

    CONNECT = 1
    ACCEPT = 2
    CLOSE = 3
    FAILED = 4


class Protocol(IntEnum):
    """The IP protocol of a flow."""

    TCP = socket.IPPROTO_TCP
    UDP = socket.IPPROTO_UDP


class TcpEvent(NamedTuple):
    """A TCP connection opened, was accepted, closed or failed to open. "s" is the local end."""

    type: EventType
    pid: int  # 0: not known (the socket predates the tracker)
    netns: int  # network namespace inode
    family: socket.AddressFamily
    saddr: str
    daddr: str
    sport: int
    dport: int
    ts_ns: int  # CLOCK_MONOTONIC
    error: int  # FAILED: the errno (ECONNREFUSED...), 0 if unknown


class FlowKey(NamedTuple):
    """A flow as the local socket sees it. Unconnected UDP sockets have daddr "0.0.0.0"/"::" and dport 0."""

    netns: int
    protocol: Protocol
    family: socket.AddressFamily
    saddr: str
    sport: int
    daddr: str
    dport: int


class FlowStats(NamedTuple):
    """What one flow did since the last drain."""

    key: FlowKey
    pid: int  # the last process that sent or received on it; 0 if only retransmits were seen
    bytes_sent: int
    bytes_received: int
    retransmits: int
    sends: int
    receives: int


# The decoders run for every event and flow: enum members by dict rather than by calling the enum class, and
# address text cached (a host talks to few addresses). Each costs about 350 ns otherwise.
_TYPES = {m.value: m for m in EventType}
_PROTOCOLS = {m.value: m for m in Protocol}
_FAMILIES = {socket.AF_INET.value: socket.AF_INET, socket.AF_INET6.value: socket.AF_INET6}
_ADDRS: dict[bytes, str] = {}
_ADDRS_MAX = 4096


def ntop(family: int, addr: bytes) -> str:
    """Text form of a 16-byte address field: (2, b"\\x7f\\0\\0\\x01" + 12 zero bytes) -> "127.0.0.1"."""
    key = addr[:4] if family == socket.AF_INET else addr
    text = _ADDRS.get(key)
    if text is None:
        text = socket.inet_ntop(socket.AF_INET if family == socket.AF_INET else socket.AF_INET6, key)
        if len(_ADDRS) >= _ADDRS_MAX:
            _ADDRS.clear()
        _ADDRS[key] = text
    return text


def decode_event(data: bytes) -> TcpEvent:
    """One ring buffer record (struct scope_tcp_event) as a TcpEvent."""
    ts, pid, netns, saddr, daddr, sport, dport, typ, family, error = EVENT.unpack_from(data)
    return TcpEvent(_TYPES[typ], pid, netns, _FAMILIES[family], ntop(family, saddr), ntop(family, daddr), sport,
                    dport, ts, error)


def decode_flow(key: bytes, value: bytes) -> FlowStats:
    """One flow map entry (struct scope_flow_key, struct scope_flow_stats) as FlowStats."""
    saddr, daddr, netns, sport, dport, family, protocol = FLOW_KEY.unpack_from(key)
    sent, received, retransmits, pid, sends, receives = FLOW_STATS.unpack_from(value)
    fkey = FlowKey(netns, _PROTOCOLS[protocol], _FAMILIES[family], ntop(family, saddr), sport, ntop(family, daddr),
                   dport)
    return FlowStats(fkey, pid, sent, received, retransmits, sends, receives)

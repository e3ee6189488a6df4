"""bpf/scope_events.h is an ABI: cffi's layout of each struct (the header fed verbatim to cdef) must match the
struct.Struct formats scopeprobe.ebpf.events decodes with, field by field (house style §7). No root needed."""

import re
import socket
import struct

import pytest

from scopeprobe.ebpf import events
from scopeprobe.ebpf.events import EventType, FlowKey, FlowStats, Protocol, TcpEvent

pytestmark = pytest.mark.unit

# (field, offset, size) in declaration order.
EVENT = [("ts_ns", 0, 8), ("pid", 8, 4), ("netns", 12, 4), ("saddr", 16, 16), ("daddr", 32, 16), ("sport", 48, 2),
         ("dport", 50, 2), ("type", 52, 1), ("family", 53, 1), ("_pad0", 54, 2), ("error", 56, 4), ("_pad1", 60, 4)]
FLOW_KEY = [("saddr", 0, 16), ("daddr", 16, 16), ("netns", 32, 4), ("sport", 36, 2), ("dport", 38, 2),
            ("family", 40, 1), ("protocol", 41, 1), ("_pad", 42, 6)]
FLOW_STATS = [("bytes_sent", 0, 8), ("bytes_received", 8, 8), ("retransmits", 16, 4), ("pid", 20, 4),
              ("sends", 24, 4), ("receives", 28, 4)]
CONFIG = [("netns", 0, 4), ("self_pid", 4, 4), ("track_bytes", 8, 1), ("track_udp", 9, 1),
          ("track_retransmits", 10, 1), ("close_untracked", 11, 1), ("wakeup_bytes", 12, 4)]
SHARED = [("flow_buffer", 0, 4), ("_pad", 4, 4), ("events_lost", 8, 8), ("flows_lost", 16, 8),
          ("socks_lost", 24, 8)]


def struct_layout(fmt: str) -> list[tuple[int, int]]:
    """(offset, size) of each item of a "=" struct format (no implicit padding); "16s" and "6x" are one item."""
    out, offset = [], 0
    for count, code in re.findall(r"(\d*)([a-zA-Z?])", fmt.lstrip("=")):
        size = struct.calcsize(f"={code}") * int(count or 1)
        out.append((offset, size))
        offset += size
    return out


@pytest.mark.parametrize(
    ("ctype", "fields", "fmt"),
    [
        ("struct scope_tcp_event", EVENT, events.EVENT.format),
        ("struct scope_flow_key", FLOW_KEY, events.FLOW_KEY.format),
        ("struct scope_flow_stats", FLOW_STATS, events.FLOW_STATS.format),
        ("struct scope_config", CONFIG, events.CONFIG.format),
        ("struct scope_shared", SHARED, events.SHARED.format),
    ],
    ids=["event", "flow_key", "flow_stats", "config", "shared"],
)
def test_layout_matches_struct(ctype: str, fields: list[tuple[str, int, int]], fmt: str) -> None:
    ffi = events.ffi()
    ctype_fields = dict(ffi.typeof(ctype).fields)
    assert list(ctype_fields) == [name for name, _, _ in fields]
    for name, offset, size in fields:
        assert (ffi.offsetof(ctype, name), ffi.sizeof(ctype_fields[name].type)) == (offset, size), name
    assert ffi.sizeof(ctype) == struct.calcsize(fmt) == fields[-1][1] + fields[-1][2]
    # Every format item is a field, except that "x" pads are a field too: compare the non-pad items' layout.
    data_fields = [(offset, size) for name, offset, size in fields if not name.startswith("_pad")]
    items = struct_layout(fmt)
    assert [item for item in items if item in data_fields] == data_fields
    assert ffi.sizeof(ctype) % 8 == 0  # arrays of them, and ring buffer records, stay 8-byte aligned


def test_event_type_values_match_the_header() -> None:
    values = events.ffi().typeof("enum scope_event_type").relements
    assert values == {f"SCOPE_EVENT_{m.name}": m.value for m in EventType}


def test_decode_event_from_ffi_bytes() -> None:
    ffi = events.ffi()
    e = ffi.new("struct scope_tcp_event *")
    e.ts_ns, e.pid, e.netns, e.sport, e.dport = 7, 1234, 4026531840, 40000, 80
    e.type, e.family, e.error = EventType.FAILED, socket.AF_INET6, 111
    e.saddr = list(socket.inet_pton(socket.AF_INET6, "fd00::1"))
    e.daddr = list(socket.inet_pton(socket.AF_INET6, "::1"))
    got = events.decode_event(bytes(ffi.buffer(e)))
    assert got == TcpEvent(EventType.FAILED, 1234, 4026531840, socket.AF_INET6, "fd00::1", "::1", 40000, 80, 7, 111)


def test_decode_flow_from_ffi_bytes() -> None:
    ffi = events.ffi()
    k = ffi.new("struct scope_flow_key *")
    k.saddr = list(socket.inet_aton("10.0.0.1") + bytes(12))
    k.netns, k.sport, k.dport, k.family, k.protocol = 5, 53000, 0, socket.AF_INET, socket.IPPROTO_UDP
    v = ffi.new("struct scope_flow_stats *")
    v.bytes_sent, v.bytes_received, v.retransmits, v.pid, v.sends, v.receives = 1 << 40, 2, 3, 99, 4, 5
    got = events.decode_flow(bytes(ffi.buffer(k)), bytes(ffi.buffer(v)))
    key = FlowKey(5, Protocol.UDP, socket.AF_INET, "10.0.0.1", 53000, "0.0.0.0", 0)
    assert got == FlowStats(key, 99, 1 << 40, 2, 3, 4, 5)


def test_header_has_no_constructs_cdef_or_the_abi_rules_forbid() -> None:
    text = events.find_file(events.HEADER).read_text()
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for banned in ("#include", "#define", "union", "__int128", "bool ", "long", "int "):
        assert banned not in code, banned

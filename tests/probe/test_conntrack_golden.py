"""Golden tests of the ctnetlink parser: real messages of this machine's kernel (tests/fixtures/conntrack/*.dump,
hex bytes then the expected flows as JSON), recorded by `python tests/probe/test_conntrack_golden.py capture
tests/fixtures/conntrack` (as root: it makes the traffic in a namespace of its own).

Each file is checked twice: against its JSON, and against pyroute2's own decoder of the same bytes (its
declarative nfct_msg schema), so the two independent readings of the wire format must agree.
"""

import asyncio
import errno
import json
import platform
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from pyroute2.netlink.nfnetlink.nfctsocket import AsyncNFCTSocket, NFCTAttrTuple
from pyroute2.netlink.nlsocket import Marshal

from scopeprobe.conntrack import EventType, parse
from scopeprobe.conntrack.schema import Counters, Flow, FlowTuple, Status, TcpCtState
from scopeprobe.conntrack.socket import DumpSocket, EventSocket

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "conntrack"
DUMPS = sorted(FIXTURES.glob("*.dump"))
JSON_MARKER = "\n#: application/json\n"


def load_dump(path: Path) -> tuple[bytes, list[dict[str, Any]]]:
    """(datagram, expected entries) of a golden file: '#' comments and colon-separated hex, then JSON."""
    text = path.read_text()
    hex_part, marker, json_part = text.partition(JSON_MARKER)
    assert marker, f"{path}: no {JSON_MARKER.strip()!r} line"
    lines = [line for line in hex_part.splitlines() if line and not line.startswith("#")]
    return bytes.fromhex("".join(lines).replace(":", "")), json.loads(json_part)


def flow_json(flow: Flow) -> dict[str, Any]:
    """A Flow as the golden files write it (enums by name; status also as its flag names, for reviewers)."""
    return {
        "family": flow.family,
        "protocol": flow.protocol,
        "original": flow.original._asdict(),
        "reply": flow.reply._asdict(),
        "status": int(flow.status),
        "status_flags": [s.name for s in Status if s in flow.status],
        "tcp_state": None if flow.tcp_state is None else flow.tcp_state.name,
        "orig_counters": None if flow.orig_counters is None else flow.orig_counters._asdict(),
        "reply_counters": None if flow.reply_counters is None else flow.reply_counters._asdict(),
        "id": flow.id,
        "zone": flow.zone,
        "mark": flow.mark,
        "netns": flow.netns,
    }


def pyroute2_messages(datagram: bytes) -> list[Any]:
    marshal = Marshal()
    marshal.msg_map.update(AsyncNFCTSocket.policy)
    return list(marshal.parse(datagram))


def oracle(msg: Any, netns: int) -> Flow:
    """The Flow read through pyroute2's decoder (get_attr by name): the independent reading."""

    def tup(nla: Any) -> tuple[int, FlowTuple]:
        ip, proto = nla.get_attr("CTA_TUPLE_IP"), nla.get_attr("CTA_TUPLE_PROTO")
        src = ip.get_attr("CTA_IP_V4_SRC") or ip.get_attr("CTA_IP_V6_SRC")
        dst = ip.get_attr("CTA_IP_V4_DST") or ip.get_attr("CTA_IP_V6_DST")
        ports = (proto.get_attr("CTA_PROTO_SRC_PORT") or 0, proto.get_attr("CTA_PROTO_DST_PORT") or 0)
        return proto.get_attr("CTA_PROTO_NUM"), FlowTuple(src, dst, *ports)

    def counters(name: str) -> Counters | None:
        c = msg.get_attr(name)
        return None if c is None else Counters(c.get_attr("CTA_COUNTERS_PACKETS"), c.get_attr("CTA_COUNTERS_BYTES"))

    protoinfo = msg.get_attr("CTA_PROTOINFO")
    tcp = None if protoinfo is None else protoinfo.get_attr("CTA_PROTOINFO_TCP")
    protocol, original = tup(msg.get_attr("CTA_TUPLE_ORIG"))
    return Flow(
        family=msg["nfgen_family"],
        protocol=protocol,
        original=original,
        reply=tup(msg.get_attr("CTA_TUPLE_REPLY"))[1],
        status=Status(msg.get_attr("CTA_STATUS")),
        tcp_state=None if tcp is None else TcpCtState(tcp.get_attr("CTA_PROTOINFO_TCP_STATE")),
        orig_counters=counters("CTA_COUNTERS_ORIG"),
        reply_counters=counters("CTA_COUNTERS_REPLY"),
        id=msg.get_attr("CTA_ID"),
        zone=msg.get_attr("CTA_ZONE") or 0,
        mark=msg.get_attr("CTA_MARK") or 0,
        netns=netns,
    )


def test_fixtures_exist() -> None:
    assert len(DUMPS) >= 7, f"golden files missing in {FIXTURES}"


@pytest.mark.parametrize("path", DUMPS, ids=[p.stem for p in DUMPS])
def test_golden_dump(path: Path) -> None:
    datagram, expected = load_dump(path)
    headers = list(parse.messages(datagram))
    assert len(headers) == len(expected)
    for header, want in zip(headers, expected, strict=True):
        netns = want["flow"]["netns"]
        if want["event"] is None:
            flow = parse.parse_flow(datagram, header, netns)
        else:
            event = parse.parse_event(datagram, header, netns)
            assert event.type.value == want["event"]
            flow = event.flow
        assert flow_json(flow) == want["flow"]


@pytest.mark.parametrize("path", DUMPS, ids=[p.stem for p in DUMPS])
def test_golden_dump_agrees_with_pyroute2(path: Path) -> None:
    datagram, expected = load_dump(path)
    msgs = pyroute2_messages(datagram)
    assert len(msgs) == len(expected)
    ours = [parse.parse_flow(datagram, h, 1) for h in parse.messages(datagram)]
    assert ours == [oracle(m, 1) for m in msgs]
    # pyroute2's messages can be parsed directly too (e.g. from its NFCTSocket().dump()).
    assert [parse.parse_flow(*parse.from_pyroute2(m), 1) for m in msgs] == ours


# ---- capturing them: python tests/probe/test_conntrack_golden.py capture tests/fixtures/conntrack --------------


async def _capture(out: Path) -> None:
    """Record real messages of this kernel into out/*.dump, each with the Flows the parser reads from them."""
    from test_conntrack_live import create_netns, remove_netns  # the live tests' namespace helpers

    ns = create_netns()
    events: list[bytes] = []
    try:
        inode = ns.inode
        ev = await EventSocket.open(ns.name, set(EventType), 1 << 20, events.append)
        dump = await DumpSocket.open(ns.name)
        try:
            await _scenarios(ns, ev, dump, events, inode, out)
        finally:
            ev.close()
            dump.close()
    finally:
        remove_netns(ns)


async def _dump_messages(dump: DumpSocket) -> list[tuple[bytes, parse.Header]]:
    return [(d[h.offset : h.offset + h.length], h._replace(offset=0)) async for d, h in dump.dump()]


async def _scenarios(ns: Any, ev: EventSocket, dump: DumpSocket, events: list[bytes], inode: int, out: Path) -> None:
    from test_conntrack_live import tcp_pair, udp_exchange

    def save(name: str, description: str, datagram: bytes, is_event: bool) -> None:
        entries = []
        for h in parse.messages(datagram):
            entry: dict[str, Any] = {"event": parse.event_type(h).value if is_event else None}
            entry["flow"] = flow_json(parse.parse_flow(datagram, h, inode))
            entries.append(entry)
        hexed = "\n".join(datagram[i : i + 32].hex(":") for i in range(0, len(datagram), 32))
        header = (f"# scope conntrack golden sample: {description}\n# captured on Linux {platform.release()}, "
                  f"netns inode {inode}\n")
        (out / f"{name}.dump").write_text(f"{header}{hexed}\n\n#: application/json\n{json.dumps(entries, indent=2)}\n")

    async def settle() -> None:
        await asyncio.sleep(0.2)

    # A TCP connection with 100 bytes out and 50 back, kept open: its dump entry has counters.
    socks = ns.call(lambda: tcp_pair(payload=b"x" * 100, answer=b"y" * 50))
    ns.keep(*socks)
    await settle()
    [(raw, _)] = await _dump_messages(dump)
    save("tcp4_dump_established", "dump entry of an established TCP connection, 100 bytes out, 50 back", raw, False)
    for s in socks:
        s.close()
    await settle()
    tcp_events = list(events)
    save("tcp4_event_new", "NEW event of that connection (SYN_SENT)", tcp_events[0], True)
    save("tcp4_event_update_established", "UPDATE event: ESTABLISHED, SEEN_REPLY", tcp_events[2], True)
    save("tcp4_event_update_time_wait", "UPDATE event: TIME_WAIT after both sides closed", tcp_events[-1], True)
    events.clear()

    # UDP in zone 7 with mark 42, deleted at once: its DESTROY carries the final counters.
    ns.sh("iptables", "-t", "raw", "-A", "OUTPUT", "-p", "udp", "-j", "CT", "--zone", "7")
    ns.sh("iptables", "-t", "mangle", "-A", "OUTPUT", "-p", "udp", "-j", "CONNMARK", "--set-mark", "42")
    cport, sport = ns.call(lambda: udp_exchange(b"q" * 64, b"a" * 32))
    await settle()
    sock = AsyncNFCTSocket(netns=ns.name, flags=0)
    try:
        await sock.entry("del", zone=7, tuple_orig=NFCTAttrTuple(
            saddr="127.0.0.1", daddr="127.0.0.1", proto=socket.IPPROTO_UDP, sport=cport, dport=sport))
    finally:
        sock.close()
    await settle()
    save("udp4_event_new_zone_mark", "NEW event of a UDP flow in zone 7 with mark 42", events[0], True)
    save("udp4_event_destroy", "DESTROY event of that flow (conntrack -D): 64+28 bytes out, 32+28 back",
         events[-1], True)
    events.clear()

    # DNAT and IPv6: both dump entries packed into one datagram, as the kernel packs a dump.
    ns.sh("ip", "addr", "add", "198.18.0.1/32", "dev", "lo")
    ns.sh("ip", "addr", "add", "198.18.0.2/32", "dev", "lo")
    server = ns.call(lambda: socket.create_server(("198.18.0.2", 0)))
    port = server.getsockname()[1]
    ns.sh("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "198.18.0.1", "--dport", "80",
          "-j", "DNAT", "--to-destination", f"198.18.0.2:{port}")
    client = ns.call(lambda: socket.create_connection(("198.18.0.1", 80), timeout=5))
    ns.keep(server, client, server.accept()[0])
    ns.keep(*ns.call(lambda: tcp_pair("::1")))
    await settle()
    datagrams: dict[bytes, list[parse.Header]] = {}
    async for d, h in dump.dump():
        datagrams.setdefault(d, []).append(h)
    live = [(d, h) for d, hs in datagrams.items() for h in hs
            if parse.parse_flow(d, h, inode).tcp_state is TcpCtState.ESTABLISHED]
    assert len(live) == 2, live
    both = b"".join(d[h.offset : h.offset + ((h.length + 3) & ~3)] for d, h in live)
    save("dump_dnat4_and_tcp6", "two dump entries in one datagram: a DNATed TCP flow and an IPv6 one", both, False)


def _main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "capture":
        print("usage: test_conntrack_golden.py capture OUTDIR", file=sys.stderr)
        return 2
    from test_conntrack_live import _why_not

    reason = _why_not()
    if reason:
        print(reason, file=sys.stderr)
        return errno.EPERM
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(_capture(out))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

"""Unit tests of the conntrack flow source's pure parts: records, NAT mappings, parser edge cases, errors and the
flow table (its event/resync races, with a Hypothesis model of the kernel table)."""

import errno
import socket
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyroute2.netlink.exceptions import NetlinkError
from test_conntrack_golden import FIXTURES, load_dump

from scopeprobe.conntrack import (
    BadMessage,
    Counters,
    Direction,
    EventType,
    Flow,
    FlowEvent,
    FlowKey,
    FlowTable,
    FlowTracker,
    FlowTuple,
    NamespaceGone,
    NatKind,
    NatMapping,
    NotSupported,
    Status,
    TcpCtState,
    direction,
    direction_index,
    flow_mappings,
    initiator,
    is_closed,
    is_nat,
    nat_mappings,
    parse,
)
from scopeprobe.conntrack.socket import raise_for_error, translate_errors

pytestmark = pytest.mark.unit

TCP, UDP = socket.IPPROTO_TCP, socket.IPPROTO_UDP
ASSURED = Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED


def flow(
    sport: int = 40000,
    *,
    state: TcpCtState | None = TcpCtState.ESTABLISHED,
    status: Status = ASSURED,
    ct_id: int = 1,
    protocol: int = TCP,
    original: FlowTuple | None = None,
    reply: FlowTuple | None = None,
    counters: Counters | None = None,
) -> Flow:
    original = original or FlowTuple("10.0.0.5", "10.0.0.9", sport, 80)
    reply = reply or FlowTuple(original.dst, original.src, original.dport, original.sport)
    return Flow(socket.AF_INET, protocol, original, reply, status, state, counters, counters, ct_id, 0, 0, 7)


def ev(kind: EventType, f: Flow) -> FlowEvent:
    return FlowEvent(kind, f)


# ---- records -------------------------------------------------------------------------------------------------


def test_direction_initiator_and_nat_flags() -> None:
    dnat = flow(
        original=FlowTuple("10.0.0.5", "172.17.0.1", 40000, 8080),
        reply=FlowTuple("172.17.0.2", "10.0.0.5", 80, 40000),
        status=ASSURED | Status.DST_NAT,
    )
    assert initiator(dnat) == ("10.0.0.5", 40000)
    assert direction(dnat, "10.0.0.5", 40000) is Direction.OUTGOING
    assert direction(dnat, "172.17.0.2", 80) is Direction.INCOMING  # the container's socket
    assert direction(dnat, "172.17.0.1", 8080) is Direction.INCOMING  # the address the client used
    assert direction(dnat, "10.0.0.5", 80) is None
    assert is_nat(dnat) and not is_nat(flow())
    assert is_closed(flow(state=TcpCtState.TIME_WAIT)) and is_closed(flow(state=TcpCtState.CLOSE))
    assert not is_closed(flow()) and not is_closed(flow(state=None, protocol=UDP))


def test_direction_index_covers_both_ends() -> None:
    dnat = flow(
        original=FlowTuple("10.0.0.5", "172.17.0.1", 40000, 8080),
        reply=FlowTuple("172.17.0.2", "10.0.0.5", 80, 40000),
        status=ASSURED | Status.DST_NAT,
    )
    index = direction_index([dnat])
    assert index == {
        ("10.0.0.5", 40000, "172.17.0.1", 8080): Direction.OUTGOING,  # the client's socket
        ("172.17.0.2", 80, "10.0.0.5", 40000): Direction.INCOMING,  # the container's socket
    }


def test_flow_key_tells_reused_tuples_apart() -> None:
    assert flow(ct_id=1).key != flow(ct_id=2).key
    assert flow(state=TcpCtState.SYN_SENT).key == flow(state=TcpCtState.TIME_WAIT).key
    assert flow().key == FlowKey(TCP, FlowTuple("10.0.0.5", "10.0.0.9", 40000, 80), 0, 1)


def test_unknown_status_bits_are_kept() -> None:
    assert int(Status(ASSURED | (1 << 20))) == int(ASSURED) | (1 << 20)


# ---- NAT -----------------------------------------------------------------------------------------------------


def test_nat_mappings_like_scopes_nat_walker() -> None:
    dnat = flow(
        original=FlowTuple("10.0.0.5", "172.17.0.1", 40000, 8080),
        reply=FlowTuple("172.17.0.2", "10.0.0.5", 80, 40000),
        status=ASSURED | Status.DST_NAT,
    )
    snat = flow(
        original=FlowTuple("172.17.0.2", "1.1.1.1", 50000, 443),
        reply=FlowTuple("1.1.1.1", "10.0.0.5", 443, 61000),
        status=ASSURED | Status.SRC_NAT,
    )
    both = flow(
        original=FlowTuple("172.17.0.3", "10.0.0.5", 50001, 53),
        reply=FlowTuple("172.17.0.9", "10.0.0.5", 53, 61001),
        status=ASSURED | Status.SRC_NAT | Status.DST_NAT,
    )
    assert flow_mappings(flow()) == []
    assert flow_mappings(dnat) == [NatMapping(NatKind.DNAT, TCP, "172.17.0.1", 8080, "172.17.0.2", 80, 7)]
    assert flow_mappings(snat) == [NatMapping(NatKind.SNAT, TCP, "10.0.0.5", 61000, "172.17.0.2", 50000, 7)]
    assert [m.kind for m in flow_mappings(both)] == [NatKind.DNAT, NatKind.SNAT]
    # Many clients through one port mapping give one DNAT mapping.
    other_client = dnat._replace(original=dnat.original._replace(src="10.0.0.6"),
                                 reply=dnat.reply._replace(dst="10.0.0.6"))
    assert nat_mappings([dnat, other_client, flow()]) == flow_mappings(dnat)


# ---- parser edge cases ---------------------------------------------------------------------------------------


def golden(name: str) -> bytes:
    return load_dump(FIXTURES / f"{name}.dump")[0]


def test_event_type_from_header() -> None:
    def h(mtype: int, flags: int) -> parse.Header:
        return parse.Header(0, 20, mtype, flags, 0)

    assert parse.event_type(h(0x100, 0x600)) is EventType.NEW
    assert parse.event_type(h(0x100, 0x400)) is EventType.UPDATE  # CREATE alone is not a new entry
    assert parse.event_type(h(0x100, 0)) is EventType.UPDATE
    assert parse.event_type(h(0x102, 0)) is EventType.DESTROY
    with pytest.raises(BadMessage, match="not a conntrack event"):
        parse.event_type(h(0x101, 0))


def test_truncated_datagram_is_a_bad_message() -> None:
    data = golden("tcp4_event_new")
    with pytest.raises(BadMessage, match="length"):
        list(parse.messages(data[:-8]))
    assert list(parse.messages(b"")) == []


def test_missing_attribute_is_a_bad_message() -> None:
    data = bytearray(golden("tcp4_event_new"))
    [header] = parse.messages(bytes(data))
    # Retype the CTA_ID attribute (a top-level NLA: len 8, type 12) as an unknown one.
    at = bytes(data).index(struct.pack("=HH", 8, parse.CTA.ID), 20)
    data[at + 2 : at + 4] = struct.pack("=H", 0x3FF0)
    with pytest.raises(BadMessage, match="no attribute"):
        parse.parse_flow(bytes(data), header, 1)


def test_broken_attribute_length_is_a_bad_message() -> None:
    data = bytearray(golden("tcp4_event_new"))
    [header] = parse.messages(bytes(data))
    data[20:22] = struct.pack("=H", 2)  # the first attribute claims 2 bytes: shorter than its own header
    with pytest.raises(BadMessage):
        parse.parse_flow(bytes(data), header, 1)


def test_error_messages_and_requests() -> None:
    kernel = struct.pack("=IHHIIi", 36, parse.NLMSG_ERROR, 0, 5, 0, -errno.EPERM) + bytes(16)
    pyroute2_own = struct.pack("IHHQIQQ", 28, 2, 0, 0, errno.ENOBUFS, 0, 0)  # what it enqueues on ENOBUFS
    for data, code in ((kernel, errno.EPERM), (pyroute2_own, errno.ENOBUFS)):
        [h] = parse.messages(data)
        assert h.type == parse.NLMSG_ERROR and parse.error_code(data, h) == code
    req = parse.request(parse.IPCTNL_MSG_CT_GET, 9)
    assert struct.unpack("=IHHII4B", req) == (20, 0x101, 0x301, 9, 0, socket.AF_UNSPEC, 0, 0, 0)


# ---- errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "match"),
    [
        (NetlinkError(errno.EPERM), "CAP_NET_ADMIN"),
        (PermissionError(errno.EPERM, "x"), "CAP_NET_ADMIN"),
        (OSError(errno.EPROTONOSUPPORT, "x"), "nfnetlink"),
        (NetlinkError(errno.EINVAL), "ctnetlink is not available"),
        (KeyError("no free address available"), "event groups"),
    ],
)
def test_errors_become_not_supported(raised: Exception, match: str) -> None:
    with pytest.raises(NotSupported, match=match), translate_errors(None):
        raise raised


def test_other_errors_pass_through() -> None:
    with pytest.raises(FileNotFoundError), translate_errors(None):
        raise FileNotFoundError(errno.ENOENT, "x")
    with pytest.raises(NamespaceGone, match="gone-ns"), translate_errors("gone-ns"):
        raise FileNotFoundError(errno.ENOENT, "x")
    raise_for_error(0, None)  # an ACK
    with pytest.raises(NotSupported):
        raise_for_error(errno.EPERM, None)


async def test_missing_namespace(tmp_path: Path) -> None:
    with pytest.raises(NamespaceGone):
        await FlowTracker(netns=str(tmp_path / "no-such-netns")).start()


# ---- the flow table ------------------------------------------------------------------------------------------


def test_lifecycle_ends_once_at_time_wait() -> None:
    t = FlowTable()
    t.apply(ev(EventType.NEW, flow(state=TcpCtState.SYN_SENT, status=Status.CONFIRMED)))
    t.apply(ev(EventType.UPDATE, flow(state=TcpCtState.ESTABLISHED)))
    assert t.drain() == ([flow()], [])
    t.apply(ev(EventType.UPDATE, flow(state=TcpCtState.TIME_WAIT)))
    t.apply(ev(EventType.UPDATE, flow(state=None)))  # an update without protoinfo keeps the state
    assert t.drain() == ([], [flow(state=TcpCtState.TIME_WAIT)])
    t.apply(ev(EventType.DESTROY, flow(state=TcpCtState.TIME_WAIT, counters=Counters(9, 900))))
    assert t.drain() == ([], []) and len(t) == 0


def test_destroy_ends_with_final_counters_and_unknown_flows_too() -> None:
    t = FlowTable()
    t.apply(ev(EventType.NEW, flow(protocol=UDP, state=None)))
    t.apply(ev(EventType.DESTROY, flow(protocol=UDP, state=None, counters=Counters(1, 92))))
    t.apply(ev(EventType.DESTROY, flow(2, protocol=UDP, state=None)))  # never seen: its NEW was lost
    live, ended = t.drain()
    assert live == [] and [f.original.sport for f in ended] == [40000, 2]
    assert ended[0].orig_counters == Counters(1, 92)


def test_merge_keeps_what_updates_leave_out() -> None:
    t = FlowTable()
    t.finish_resync([flow(counters=Counters(3, 300))])  # a dump: state and counters
    t.apply(ev(EventType.UPDATE, flow(state=None)))  # an event: neither
    [f] = t.live()
    assert f.tcp_state is TcpCtState.ESTABLISHED and f.orig_counters == Counters(3, 300)


def test_resync_adds_and_removes() -> None:
    t = FlowTable()
    t.apply(ev(EventType.NEW, flow(1)))
    t.apply(ev(EventType.NEW, flow(2)))
    t.begin_resync()
    t.finish_resync([flow(2), flow(3), flow(4, state=TcpCtState.TIME_WAIT)])
    live, ended = t.drain()
    assert sorted(f.original.sport for f in live) == [2, 3]
    assert sorted(f.original.sport for f in ended) == [1, 4]  # 1 gone unseen; 4 already closed when first seen
    assert (t.stats.resync_added, t.stats.resync_removed) == (2, 1)
    t.apply(ev(EventType.DESTROY, flow(1)))  # its DESTROY arriving late does not end it twice
    assert t.drain()[1] == []


def test_events_during_a_resync_win_over_the_dump() -> None:
    t = FlowTable()
    t.apply(ev(EventType.NEW, flow(1)))
    t.begin_resync()
    t.apply(ev(EventType.NEW, flow(2)))  # after the dump walked its bucket: not in the dump
    t.apply(ev(EventType.DESTROY, flow(1)))  # before the dump got there... or after: either way, gone
    t.finish_resync([flow(1)])
    live, ended = t.drain()
    assert [f.original.sport for f in live] == [2]
    assert [f.original.sport for f in ended] == [1]


def test_a_dump_racing_an_update_still_gives_counters() -> None:
    t = FlowTable()
    t.apply(ev(EventType.NEW, flow(protocol=UDP, state=None, status=Status.CONFIRMED)))
    t.begin_resync()
    t.apply(ev(EventType.UPDATE, flow(protocol=UDP, state=None)))  # SEEN_REPLY, no counters
    t.finish_resync([flow(protocol=UDP, state=None, status=Status.CONFIRMED, counters=Counters(2, 200))])
    [f] = t.live()
    assert f.status == ASSURED and f.orig_counters == Counters(2, 200)


def test_abort_resync_keeps_the_table() -> None:
    t = FlowTable()
    t.apply(ev(EventType.NEW, flow(1)))
    t.begin_resync()
    t.abort_resync()
    t.finish_resync([flow(1)])
    assert t.stats.resync_removed == 0 and len(t) == 1


def test_ended_list_is_bounded() -> None:
    t = FlowTable(max_ended=2)
    for port in range(5):
        t.apply(ev(EventType.DESTROY, flow(port)))
    assert len(t.drain()[1]) == 2 and t.stats.ended_dropped == 3


# ---- a model of the kernel table: any interleaving of events, losses and resyncs ------------------------------

N_FLOWS = 4
OPS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["open", "establish", "close", "destroy"]), st.integers(0, N_FLOWS - 1),
                  st.booleans()),
        st.tuples(st.sampled_from(["deliver", "begin", "finish"]), st.integers(0, 2**N_FLOWS - 1), st.booleans()),
    ),
    max_size=40,
)


@given(OPS)
def test_table_converges_and_ends_each_seen_flow_once(ops: list[tuple[str, int, bool]]) -> None:
    """The kernel table changes; each change's event is queued, or lost (`delivered` False); the reader applies
    queued events in order; a dump is not atomic: it shows each slot as it was when the resync began or when it
    finished (a bitmask). After a final quiet resync: the live set is the kernel's, and every flow the tracker
    ever saw and the kernel ended is ended exactly once, none other."""
    kernel: dict[int, Flow] = {}  # slot -> current entry
    generation = [0] * N_FLOWS  # a slot's entries get new ids: reused tuples are new flows
    queue: list[tuple[FlowEvent, int]] = []  # events not yet read, with the resync count when queued
    table = FlowTable()
    seen: set[FlowKey] = set()
    ended_in_kernel: set[FlowKey] = set()
    ended: list[Flow] = []
    resyncs, snapshot = 0, dict[int, Flow]()

    def emit(kind: EventType, f: Flow, delivered: bool) -> None:
        if delivered:
            queue.append((FlowEvent(kind, f), resyncs))

    def deliver(count: int) -> None:
        for e, _ in queue[:count]:
            seen.add(e.flow.key)
            table.apply(e)
        del queue[:count]

    def begin() -> None:
        nonlocal snapshot
        # The reader keeps up within a resync period: what was queued before the last resync is read by now.
        deliver(sum(1 for _, r in queue if r < resyncs))
        table.begin_resync()
        snapshot = dict(kernel)

    def finish(early: int) -> None:
        nonlocal resyncs
        dumped = [f for slot in range(N_FLOWS) if (f := (snapshot if early >> slot & 1 else kernel).get(slot))]
        seen.update(f.key for f in dumped)
        table.finish_resync(dumped)
        resyncs += 1

    in_resync = False
    for op, arg, flag in ops:
        if op == "open" and arg not in kernel:
            generation[arg] += 1
            kernel[arg] = flow(arg, state=TcpCtState.SYN_SENT, status=Status.CONFIRMED, ct_id=generation[arg])
            emit(EventType.NEW, kernel[arg], flag)
        elif op in ("establish", "close") and arg in kernel and not is_closed(kernel[arg]):
            state = TcpCtState.ESTABLISHED if op == "establish" else TcpCtState.TIME_WAIT
            kernel[arg] = kernel[arg]._replace(tcp_state=state)
            if state is TcpCtState.TIME_WAIT:
                ended_in_kernel.add(kernel[arg].key)
            emit(EventType.UPDATE, kernel[arg], flag)
        elif op == "destroy" and arg in kernel:
            gone = kernel.pop(arg)
            ended_in_kernel.add(gone.key)
            emit(EventType.DESTROY, gone, flag)
        elif op == "deliver":
            deliver(arg)
        elif op == "begin" and not in_resync:
            begin()
            in_resync = True
        elif op == "finish" and in_resync:
            finish(arg)
            in_resync = False
        ended.extend(table.drain()[1])
    if in_resync:
        finish(0)
    begin()
    finish(0)
    live, last = table.drain()
    ended.extend(last)

    assert sorted(f.key for f in live) == sorted(f.key for f in kernel.values() if not is_closed(f))
    ended_keys = [f.key for f in ended]
    assert len(ended_keys) == len(set(ended_keys)), "a flow ended twice"
    assert set(ended_keys) == seen & ended_in_kernel

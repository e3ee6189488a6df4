"""Live tests of the eBPF tracker: real connections between two test processes in a network namespace each
test creates (unique name, removed by that name), the tracker filtering on that namespace's inode (tracepoints
are global). Skipped, with the reason, without root, kernel BTF, the built object (make -C bpf) or iproute2.
"""

import errno
import shutil
import socket
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest
from ebpf_world import (
    FAILING_CLIENT,
    TCP_CLIENT,
    TCP_SERVER,
    UDP_CLIENT,
    UDP_SERVER,
    Netns,
    detach_behind_its_back,
    netns,
    read_line,
    running,
    tracefs_as_found,
    why_not,
)

from scopeprobe.ebpf import Attach, EventType, FlowKey, FlowStats, Protocol, TcpEvent, Tracker

pytestmark = [pytest.mark.privileged, pytest.mark.skipif(why_not() is not None, reason=why_not() or "")]

N = 1000
REQ, REP = 1234, 4321  # bytes each way per connection: distinct, and more than one segment's worth is not needed
MODES: dict[str, Sequence[Attach] | None] = {"auto": None, "tracepoint": (Attach.TRACEPOINT,)}
HOST = {socket.AF_INET: "127.0.0.1", socket.AF_INET6: "::1"}


@dataclass
class Seen:
    """Everything a tracker reported over several drains, flow counts summed per flow."""

    events: list[TcpEvent] = field(default_factory=list)
    flows: dict[FlowKey, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))

    def add(self, drained: tuple[list[TcpEvent], list[FlowStats]]) -> None:
        evs, flows = drained
        self.events += evs
        for f in flows:
            acc = self.flows[f.key]
            acc[0] += f.bytes_sent
            acc[1] += f.bytes_received
            acc[2] += f.retransmits
            acc[3] = f.pid or acc[3]

    def of(self, kind: EventType, pid: int | None = None) -> list[TcpEvent]:
        return [e for e in self.events if e.type is kind and (pid is None or e.pid == pid)]


def follow(tracker: Tracker, *procs: subprocess.Popen[str], seconds: float = 20.0) -> Seen:
    """Drain `tracker` every quarter second until every process in `procs` exited, then once more after the
    last FINs have settled."""
    seen = Seen()
    deadline = time.monotonic() + seconds
    while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        tracker.poll(0.25)
        seen.add(tracker.drain())
    time.sleep(0.1)
    seen.add(tracker.drain())
    return seen


@pytest.fixture(scope="module", autouse=True)
def _tracefs() -> Iterator[None]:
    with tracefs_as_found():
        yield


@pytest.fixture
def ns() -> Iterator[Netns]:
    with netns() as n:
        yield n


@pytest.fixture(params=list(MODES), ids=list(MODES))
def mode(request: pytest.FixtureRequest) -> Sequence[Attach] | None:
    return MODES[request.param]


def start_tracker(ns: Netns, attach: Sequence[Attach] | None = None) -> Tracker:
    tracker = Tracker(netns=ns.inode, attach=attach)
    tracker.start()
    if attach is not None:
        assert set(tracker.attached.values()) <= set(attach)
    return tracker


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["ipv4", "ipv6"])
def test_short_connections_pids_and_exact_bytes(ns: Netns, mode: Sequence[Attach] | None,
                                                family: socket.AddressFamily) -> None:
    host = HOST[family]
    tracker = start_tracker(ns, mode)
    try:
        server = ns.popen(TCP_SERVER, int(family), host, N, REQ, REP)
        with running(server):
            port = int(read_line(server))
            client = ns.popen(TCP_CLIENT, int(family), host, port, N, REQ, REP)
            with running(client):
                seen = follow(tracker, client, server)
                assert client.returncode == 0 and server.returncode == 0
        stats = tracker.stats()
    finally:
        tracker.close()
    assert stats.events_lost == stats.flows_lost == 0

    assert {e.netns for e in seen.events} == {ns.inode}
    assert {e.family for e in seen.events} == {family}
    # Every connection event belongs to exactly those two processes.
    assert Counter((e.type, e.pid) for e in seen.events if e.type is not EventType.FAILED).keys() == {
        (EventType.CONNECT, client.pid), (EventType.ACCEPT, server.pid),
        (EventType.CLOSE, client.pid), (EventType.CLOSE, server.pid)}
    connects = Counter((e.saddr, e.sport, e.daddr, e.dport) for e in seen.of(EventType.CONNECT, client.pid))
    accepts = Counter((e.daddr, e.dport, e.saddr, e.sport) for e in seen.of(EventType.ACCEPT, server.pid))
    matched = connects & accepts  # the same connection seen from both ends
    assert sum(matched.values()) >= 0.99 * N, (sum(connects.values()), sum(accepts.values()))
    assert all(dport == port for _, _, _, dport in matched)

    # Exact bytes each way, for every matched connection. A 4-tuple the kernel reused (tw_reuse on loopback)
    # is one flow key, so it carries k connections' bytes.
    for (caddr, cport, saddr, sport), k in matched.items():
        c = seen.flows[FlowKey(ns.inode, Protocol.TCP, family, caddr, cport, saddr, sport)]
        s = seen.flows[FlowKey(ns.inode, Protocol.TCP, family, saddr, sport, caddr, cport)]
        assert c == [k * REQ, k * REP, 0, client.pid], (caddr, cport)
        assert s == [k * REP, k * REQ, 0, server.pid], (caddr, cport)
    closes = Counter(e.pid for e in seen.of(EventType.CLOSE))
    assert closes[client.pid] >= 0.99 * N and closes[server.pid] >= 0.99 * N


def test_udp_bytes(ns: Netns) -> None:
    sizes = [1, 100, 512, 1400] * 25
    tracker = start_tracker(ns)
    try:
        server = ns.popen(UDP_SERVER, int(socket.AF_INET), "127.0.0.1", len(sizes))
        with running(server):
            port = int(read_line(server))
            client = ns.popen(UDP_CLIENT, int(socket.AF_INET), "127.0.0.1", port, ",".join(map(str, sizes)))
            with running(client):
                client_port = int(read_line(client))
                seen = follow(tracker, client, server)
    finally:
        tracker.close()
    sent, answered = sum(sizes), sum(2 * k + 1 for k in sizes)
    # The client's socket is connected: its flow names the server.
    c = seen.flows[FlowKey(ns.inode, Protocol.UDP, socket.AF_INET, "127.0.0.1", client_port, "127.0.0.1", port)]
    assert c == [sent, answered, 0, client.pid]
    # The server's socket is not: the peer is per datagram, so its flow has no remote end.
    s = seen.flows[FlowKey(ns.inode, Protocol.UDP, socket.AF_INET, "127.0.0.1", port, "0.0.0.0", 0)]
    assert s == [answered, sent, 0, server.pid]
    assert not seen.events  # UDP has no connection events


def test_failed_connects(ns: Netns) -> None:
    closed = 9  # nothing listens in a fresh namespace
    tracker = start_tracker(ns)
    try:
        client = ns.popen(FAILING_CLIENT, closed)
        with running(client):
            lines = [read_line(client).split() for _ in range(4)]
            seen = follow(tracker, client)
    finally:
        tracker.close()
    assert lines == [["refused", str(closed), str(errno.ECONNREFUSED)],
                     ["refused_nonblocking", str(closed), str(errno.ECONNREFUSED)],
                     ["unreachable", "4242", str(errno.ENETUNREACH)],
                     ["unreachable6", "4343", str(errno.ENETUNREACH)]]
    failed = [(e.pid, e.daddr, e.dport, e.error) for e in seen.of(EventType.FAILED)]
    # One event per failed connect: the refused ones from SYN_SENT -> CLOSE (errno from sk_err), the
    # unreachable one from connect()'s return (its destination from the sockaddr: the socket never got one).
    assert failed == [(client.pid, "127.0.0.1", closed, errno.ECONNREFUSED)] * 2 + [
        (client.pid, "10.9.8.7", 4242, errno.ENETUNREACH), (client.pid, "fd00::7", 4343, errno.ENETUNREACH)]
    assert not seen.of(EventType.CONNECT) and not seen.of(EventType.CLOSE)


def test_detached_programs_make_alive_false(ns: Netns) -> None:
    tracker = start_tracker(ns)
    try:
        server = ns.popen(TCP_SERVER, int(socket.AF_INET), "127.0.0.1", 40, 10, 10)
        with running(server):
            port = int(read_line(server))
            first = ns.popen(TCP_CLIENT, int(socket.AF_INET), "127.0.0.1", port, 20, 10, 10)
            with running(first):
                before = follow(tracker, first)
            assert tracker.alive
            assert len(before.of(EventType.CONNECT, first.pid)) == 20

            # Detach behind the tracker's back: replace every link fd (found by the kernel link ids the tracker
            # publishes) with /dev/null, which drops the last reference to each link.
            detach_behind_its_back(tracker)
            assert not tracker.alive

            second = ns.popen(TCP_CLIENT, int(socket.AF_INET), "127.0.0.1", port, 20, 10, 10)
            with running(second):
                after = follow(tracker, second)
            assert second.returncode == 0
            assert not after.events and not after.flows  # really detached: nothing more arrives
    finally:
        tracker.close()
    assert not tracker.alive


@pytest.mark.skipif(shutil.which("nft") is None, reason="needs nft (apt-get install nftables) to drop a segment")
def test_retransmits(ns: Netns) -> None:
    tracker = start_tracker(ns)
    try:
        server = ns.popen(TCP_SERVER, int(socket.AF_INET), "127.0.0.1", 1, REQ, REP)
        with running(server):
            port = int(read_line(server))
            # Drop the client's first data segment on input (about 1.3 kB; the quota lets the retransmission
            # through). On output TCP would see the drop and send again without counting a retransmission.
            ns.sh("nft", "add table inet scope_test")
            ns.sh("nft", "add chain inet scope_test in { type filter hook input priority 0; }")
            ns.sh("nft", f"add rule inet scope_test in tcp dport {port} meta length > 500 quota until 1500 bytes drop")
            client = ns.popen(TCP_CLIENT, int(socket.AF_INET), "127.0.0.1", port, 1, REQ, REP)
            with running(client):
                seen = follow(tracker, client, server)
            assert client.returncode == 0
    finally:
        tracker.close()
    (connect,) = seen.of(EventType.CONNECT, client.pid)
    c = seen.flows[FlowKey(ns.inode, Protocol.TCP, socket.AF_INET, "127.0.0.1", connect.sport, "127.0.0.1", port)]
    assert c[:2] == [REQ, REP] and c[2] >= 1 and c[3] == client.pid  # bytes are counted once, retransmitted or not


def test_self_pid_is_ignored(ns: Netns) -> None:
    server = ns.popen(TCP_SERVER, int(socket.AF_INET), "127.0.0.1", 20, 10, 10)
    with running(server):
        port = int(read_line(server))
        tracker = Tracker(netns=ns.inode, self_pid=server.pid)
        tracker.start()
        try:
            client = ns.popen(TCP_CLIENT, int(socket.AF_INET), "127.0.0.1", port, 20, 10, 10)
            with running(client):
                seen = follow(tracker, client, server)
        finally:
            tracker.close()
    assert {(e.type, e.pid) for e in seen.events} == {(EventType.CONNECT, client.pid), (EventType.CLOSE, client.pid)}
    assert {acc[3] for acc in seen.flows.values()} == {client.pid}

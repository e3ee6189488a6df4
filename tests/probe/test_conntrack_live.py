"""Live tests of the conntrack flow source, each in a network namespace it creates and deletes.

Traffic goes only to the loopback of that namespace. conntrack is switched on there by a rule that uses it
(`-m conntrack`), with byte counters (nf_conntrack_acct=1). Skipped, with the reason, without root, iproute2 or
iptables, or when the kernel has no conntrack.
"""

import asyncio
import errno
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import pytest
from pyroute2 import netns as pyroute2_netns
from pyroute2.netlink.nfnetlink.nfctsocket import AsyncNFCTSocket, NFCTAttrTuple

from scopeprobe.conntrack import (
    Counters,
    Direction,
    EventType,
    FlowEvent,
    FlowTracker,
    NatKind,
    NatMapping,
    NotSupported,
    Status,
    TcpCtState,
    direction,
    nat_mappings,
)
from scopeprobe.conntrack.schema import Flow

pytestmark = pytest.mark.privileged

T = TypeVar("T")
IPV4_UDP_HEADERS = 20 + 8  # conntrack counts IP-layer bytes: IPv4 header + UDP header + payload


CAP_NET_ADMIN, CAP_SYS_ADMIN = 12, 21


def _why_not() -> str | None:
    with open("/proc/self/status") as f:
        caps = int(next(line for line in f if line.startswith("CapEff:")).split()[1], 16)
    if caps & (1 << CAP_SYS_ADMIN | 1 << CAP_NET_ADMIN) != 1 << CAP_SYS_ADMIN | 1 << CAP_NET_ADMIN:
        return "needs root (CAP_SYS_ADMIN to create network namespaces, CAP_NET_ADMIN for conntrack)"
    for tool in ("ip", "iptables", "ip6tables"):
        if shutil.which(tool) is None:
            return f"needs {tool} (apt-get install iproute2 iptables)"
    return None


class Netns:
    """A network namespace this test created, with conntrack and its counters on."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sockets: list[socket.socket] = []

    @property
    def inode(self) -> int:
        return os.stat(f"/var/run/netns/{self.name}").st_ino

    def sh(self, *cmd: str) -> str:
        """Run a command inside the namespace (checked, 10 s at most)."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.name, *cmd], capture_output=True, text=True, timeout=10, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")
        return done.stdout

    def keep(self, *socks: socket.socket) -> None:
        """Close these sockets at teardown."""
        self.sockets.extend(socks)

    def call(self, fn: Callable[[], T]) -> T:
        """fn() in a fresh thread that entered the namespace (setns is per thread); the thread then exits."""
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                pyroute2_netns.setns(self.name, flags=0)
                box["result"] = fn()
            except BaseException as e:
                box["error"] = e

        thread = threading.Thread(target=target, name=f"in-{self.name}")
        thread.start()
        thread.join(30)
        if "error" in box:
            raise box["error"]
        return box["result"]  # type: ignore[no-any-return]

    async def run(self, fn: Callable[[], T]) -> T:
        """call(), without blocking the event loop (the tracker keeps reading meanwhile)."""
        return await asyncio.to_thread(self.call, fn)


def create_netns() -> Netns:
    """A new namespace with lo up, a conntrack rule and accounting; the caller removes it (remove_netns)."""
    ns = Netns(f"scope-ct-{uuid.uuid4().hex[:10]}")
    subprocess.run(["ip", "netns", "add", ns.name], check=True, capture_output=True, timeout=10)
    try:
        ns.sh("ip", "link", "set", "lo", "up")
        ns.sh("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1")
        for tool in ("iptables", "ip6tables"):
            ns.sh(tool, "-A", "INPUT", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED", "-j", "ACCEPT")
    except BaseException:
        remove_netns(ns)
        raise
    return ns


def remove_netns(ns: Netns) -> None:
    for s in ns.sockets:
        s.close()
    subprocess.run(["ip", "netns", "delete", ns.name], check=True, capture_output=True, timeout=10)


@pytest.fixture
def netns() -> Iterator[Netns]:
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    try:
        ns = create_netns()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"cannot set up a conntrack namespace: {e}")
    try:
        yield ns
    finally:
        remove_netns(ns)


@pytest.fixture
async def tracked(netns: Netns) -> AsyncIterator[tuple[Netns, FlowTracker, list[FlowEvent]]]:
    """A started tracker of the test namespace, recording its events."""
    seen: list[FlowEvent] = []
    tracker = FlowTracker(netns.name, on_event=seen.append)
    try:
        await tracker.start()
    except NotSupported as e:
        pytest.skip(str(e))
    try:
        yield netns, tracker, seen
    finally:
        await tracker.close()


async def until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until cond() holds (polling; the tracker works in the background)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s")
        await asyncio.sleep(0.01)


# ---- traffic, run inside the namespace ---------------------------------------------------------------------


def tcp_pair(host: str = "127.0.0.1", payload: bytes = b"", answer: bytes = b"") -> tuple[socket.socket, ...]:
    """A listening server, a connected client and the accepted socket; payload sent and answered."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = socket.socket(family)
    server.bind((host, 0))
    server.listen()
    client = socket.create_connection(server.getsockname()[:2], timeout=5)
    accepted, _ = server.accept()
    if payload:
        client.sendall(payload)
        assert accepted.recv(len(payload), socket.MSG_WAITALL) == payload
    if answer:
        accepted.sendall(answer)
        assert client.recv(len(answer), socket.MSG_WAITALL) == answer
    return server, client, accepted


def short_connections(n: int) -> tuple[int, list[int]]:
    """n TCP connections opened, used and closed one after the other: (server port, client ports)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    port = server.getsockname()[1]
    ports = []
    try:
        for _ in range(n):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                ports.append(c.getsockname()[1])
                a, _ = server.accept()
                with a:
                    c.sendall(b"ping")
                    a.recv(4)
    finally:
        server.close()
    return port, ports


def udp_exchange(payload: bytes, answer: bytes) -> tuple[int, int]:
    """One datagram each way on 127.0.0.1: (client port, server port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server, socket.socket(
        socket.AF_INET, socket.SOCK_DGRAM
    ) as client:
        server.bind(("127.0.0.1", 0))
        client.settimeout(5)
        server.settimeout(5)
        client.sendto(payload, server.getsockname())
        data, peer = server.recvfrom(65536)
        assert data == payload
        server.sendto(answer, peer)
        assert client.recv(65536) == answer
        return client.getsockname()[1], server.getsockname()[1]


async def delete_flow(ns: Netns, proto: int, sport: int, dport: int) -> None:
    """conntrack -D for one 127.0.0.1 flow: the kernel sends its DESTROY at once (no TIME_WAIT, no GC delay)."""
    sock = AsyncNFCTSocket(netns=ns.name, flags=0)
    try:
        await sock.entry(
            "del",
            tuple_orig=NFCTAttrTuple(saddr="127.0.0.1", daddr="127.0.0.1", proto=proto, sport=sport, dport=dport),
        )
    finally:
        sock.close()


def by_ports(flows: list[Flow], sport: int, dport: int) -> list[Flow]:
    return [f for f in flows if (f.original.sport, f.original.dport) == (sport, dport)]


# ---- tests ---------------------------------------------------------------------------------------------------


async def test_dump_sees_established_flows(netns: Netns) -> None:
    """Flows opened before the tracker started come from its first dump, IPv4 and IPv6, with direction."""
    server, client, accepted = netns.call(lambda: tcp_pair(payload=b"x" * 100))
    netns.keep(server, client, accepted)
    six = netns.call(lambda: tcp_pair("::1"))
    netns.keep(*six)
    try:
        tracker = FlowTracker(netns.name)
        await tracker.start()
    except NotSupported as e:
        pytest.skip(str(e))
    try:
        live, ended = tracker.drain()
    finally:
        await tracker.close()
    cport, sport = client.getsockname()[1], server.getsockname()[1]
    [flow] = by_ports(live, cport, sport)
    assert flow.protocol == socket.IPPROTO_TCP and flow.family == socket.AF_INET
    assert flow.tcp_state is TcpCtState.ESTABLISHED
    assert Status.SEEN_REPLY | Status.ASSURED in flow.status
    assert flow.netns == netns.inode == tracker.netns_inode
    assert flow.orig_counters is not None and flow.orig_counters.bytes > 100
    assert direction(flow, "127.0.0.1", cport) is Direction.OUTGOING
    assert direction(flow, "127.0.0.1", sport) is Direction.INCOMING
    [flow6] = by_ports(live, six[1].getsockname()[1], six[0].getsockname()[1])
    assert flow6.family == socket.AF_INET6 and flow6.original.src == "::1"
    assert ended == []
    assert tracker.stats.resync_added == 2 and tracker.stats.dropped == 0


async def test_short_lived_connection_events(tracked: tuple[Netns, FlowTracker, list[FlowEvent]]) -> None:
    """NEW, UPDATEs to TIME_WAIT (the flow ends then, once), and DESTROY when the entry goes."""
    ns, tracker, seen = tracked
    sport, [cport] = await ns.run(lambda: short_connections(1))
    await until(lambda: any(e.flow.tcp_state is TcpCtState.TIME_WAIT for e in seen))
    live, ended = tracker.drain()
    assert by_ports(live, cport, sport) == []
    [flow] = by_ports(ended, cport, sport)
    assert flow.tcp_state is TcpCtState.TIME_WAIT
    mine = [e for e in seen if e.flow.key == flow.key]
    assert mine[0].type is EventType.NEW and mine[0].flow.tcp_state is TcpCtState.SYN_SENT
    assert {e.type for e in mine[1:]} == {EventType.UPDATE}

    await delete_flow(ns, socket.IPPROTO_TCP, cport, sport)
    await until(lambda: seen[-1].type is EventType.DESTROY)
    destroy = seen[-1].flow
    assert destroy.key == flow.key
    assert destroy.orig_counters is not None and destroy.orig_counters.packets >= 4  # SYN, ACK, data, FIN...
    assert tracker.drain() == ([], [])  # ended once, at TIME_WAIT; DESTROY only removed it
    assert len(tracker) == 0


async def test_udp_counters_are_exact(tracked: tuple[Netns, FlowTracker, list[FlowEvent]]) -> None:
    """One 1000-byte datagram out and one 300-byte answer: exact packets and IP-layer bytes each way."""
    ns, tracker, seen = tracked
    cport, sport = await ns.run(lambda: udp_exchange(b"q" * 1000, b"a" * 300))
    expected = (Counters(1, 1000 + IPV4_UDP_HEADERS), Counters(1, 300 + IPV4_UDP_HEADERS))
    await until(lambda: any(e.type is EventType.NEW for e in seen))
    await tracker.resync()  # events carry no counters; a dump does
    [flow] = by_ports(tracker.live(), cport, sport)
    assert (flow.orig_counters, flow.reply_counters) == expected
    assert flow.protocol == socket.IPPROTO_UDP and Status.SEEN_REPLY in flow.status

    await delete_flow(ns, socket.IPPROTO_UDP, cport, sport)
    await until(lambda: seen[-1].type is EventType.DESTROY)
    live, ended = tracker.drain()
    [gone] = by_ports(ended, cport, sport)
    assert (gone.orig_counters, gone.reply_counters) == expected
    assert by_ports(live, cport, sport) == []


async def test_dnat_gives_the_nat_mapping(tracked: tuple[Netns, FlowTracker, list[FlowEvent]]) -> None:
    """Connections to 198.18.0.1:80, DNATed to the server at 198.18.0.2:<port>, map the one to the other."""
    ns, tracker, seen = tracked
    ns.sh("ip", "addr", "add", "198.18.0.1/32", "dev", "lo")
    ns.sh("ip", "addr", "add", "198.18.0.2/32", "dev", "lo")
    server = ns.call(lambda: socket.create_server(("198.18.0.2", 0)))
    ns.keep(server)
    port = server.getsockname()[1]
    ns.sh("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "198.18.0.1", "--dport", "80",
          "-j", "DNAT", "--to-destination", f"198.18.0.2:{port}")
    for _ in range(3):
        client = ns.call(lambda: socket.create_connection(("198.18.0.1", 80), timeout=5))
        ns.keep(client, server.accept()[0])
    await until(lambda: sum(e.type is EventType.NEW for e in seen) >= 3)
    live, _ = tracker.drain()
    nat = [f for f in live if f.original.dport == 80]
    assert len(nat) == 3 and all(Status.DST_NAT in f.status for f in nat)
    assert nat_mappings(live) == [NatMapping(NatKind.DNAT, socket.IPPROTO_TCP, "198.18.0.1", 80, "198.18.0.2", port,
                                             ns.inode)]
    assert direction(nat[0], "198.18.0.2", port) is Direction.INCOMING  # the server's own socket address


async def test_burst_of_short_connections_is_fully_accounted(
    tracked: tuple[Netns, FlowTracker, list[FlowEvent]],
) -> None:
    """2000 connections opened and closed as fast as a thread can: each one ends exactly once."""
    ns, tracker, _ = tracked
    n = 2000
    sport, cports = await ns.run(lambda: short_connections(n))
    ended: list[Flow] = []

    def settled() -> bool:
        ended.extend(tracker.drain()[1])
        return len(ended) >= n

    await until(settled, timeout=10)
    mine = sorted(f.original.sport for f in ended if f.original.dport == sport)
    assert mine == sorted(cports)
    stats = tracker.stats
    if stats.dropped:  # then a resync must have recovered them
        assert stats.resyncs > 1
    else:
        assert stats.events_new == n and stats.resync_added == 0


async def test_lost_events_are_recovered_by_resync(netns: Netns) -> None:
    """With a tiny buffer and a busy loop, the kernel drops events; the resync it triggers finds the flows."""
    tracker = FlowTracker(netns.name, rcvbuf=4096, min_resync_interval=0.0)
    try:
        await tracker.start()
    except NotSupported as e:
        pytest.skip(str(e))
    try:
        n = 300
        sport, cports = netns.call(lambda: short_connections(n))  # blocks the loop: nobody reads meanwhile
        ended: list[Flow] = []

        def settled() -> bool:
            ended.extend(tracker.drain()[1])
            return len(ended) >= n

        await until(settled)
        assert tracker.stats.dropped > 0
        assert tracker.stats.resyncs >= 2 and tracker.stats.resync_added > 0
        assert sorted(f.original.sport for f in ended if f.original.dport == sport) == sorted(cports)
    finally:
        await tracker.close()


async def test_protocol_filter(netns: Netns) -> None:
    """protocols={TCP}: UDP flows are neither dumped nor followed."""
    tracker = FlowTracker(netns.name, protocols={socket.IPPROTO_TCP})
    try:
        await tracker.start()
    except NotSupported as e:
        pytest.skip(str(e))
    try:
        netns.call(lambda: udp_exchange(b"q", b"a"))
        netns.keep(*netns.call(tcp_pair))
        await until(lambda: tracker.stats.events_new >= 1)
        await tracker.resync()
        assert {f.protocol for f in tracker.live()} == {socket.IPPROTO_TCP}
    finally:
        await tracker.close()


async def test_enobufs_reopens_the_socket_and_resyncs(
    tracked: tuple[Netns, FlowTracker, list[FlowEvent]],
) -> None:
    """If the kernel ever reports ENOBUFS (NO_ENOBUFS unset), pyroute2 poisons the socket: it is replaced, the
    table resynced, and events flow again. The error is injected the way pyroute2 delivers it."""
    ns, tracker, seen = tracked
    tracker.min_resync_interval = 0.0
    resyncs = tracker.stats.resyncs
    tracker._on_datagram(struct.pack("IHHQIQQ", 28, 2, 0, 0, errno.ENOBUFS, 0, 0))
    await until(lambda: tracker.stats.resyncs > resyncs)
    assert tracker.stats.enobufs == 1
    _, [cport] = await ns.run(lambda: short_connections(1))
    await until(lambda: any(e.flow.original.sport == cport and e.flow.tcp_state is TcpCtState.TIME_WAIT
                            for e in seen))
    assert [f.original.sport for f in tracker.drain()[1]] == [cport]


async def test_close_releases_everything(netns: Netns) -> None:
    """Opening and closing a tracker leaves no file descriptor or task behind."""
    before = len(os.listdir("/proc/self/fd"))
    tasks = len(asyncio.all_tasks())
    try:
        await FlowTracker(netns.name).close()  # closing an unstarted tracker is fine too
        async with FlowTracker(netns.name):
            pass
    except NotSupported as e:
        pytest.skip(str(e))
    for _ in range(3):
        async with FlowTracker(netns.name) as tracker:
            assert len(tracker) == 0
    assert len(os.listdir("/proc/self/fd")) == before
    assert len(asyncio.all_tasks()) == tasks


async def test_unprivileged_is_not_supported() -> None:
    """Without CAP_NET_ADMIN over the namespace, start() raises NotSupported (the probe falls back to /proc)."""
    if _why_not():
        with pytest.raises(NotSupported, match="CAP_NET_ADMIN"):
            await FlowTracker().start()
        return
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) to drop privileges")
    # A new user namespace: root inside it has no capability over the host's network namespace.
    code = (
        "import asyncio\nfrom scopeprobe.conntrack import FlowTracker, NotSupported\n"
        "try:\n    asyncio.run(FlowTracker().start())\nexcept NotSupported as e:\n    print('NotSupported:', e)\n"
    )
    done = subprocess.run(["unshare", "--user", sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, check=False)
    if "unshare failed" in done.stderr:
        pytest.skip(f"cannot create a user namespace: {done.stderr.strip()}")
    assert done.stdout.strip() == (
        "NotSupported: conntrack (ctnetlink) not supported: needs CAP_NET_ADMIN in the network namespace"
    ), done.stderr

"""The socket scanner: golden connections from the captured tree, the fd budget and its cache, a live TCP pair
found with both pids and its namespace, and what an unprivileged scan still sees."""

import os
import pickle
import socket
from pathlib import Path

import pytest
from procfixture import CLIENT, FIXTURE, NETNS, SERVER, USERS, TcpPair, needs_root

from scopeprobe.procfs.native import PYTHON, FdScan
from scopeprobe.procfs.reader import ProcessWalker
from scopeprobe.procfs.records import Connection, Process, Proto, TcpState
from scopeprobe.procfs.sockets import SocketScanner, read_net_tables


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CountingBackend:
    """The Python backend, recording which pids each scan_fds call was asked for."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.parse_net_table = PYTHON.parse_net_table

    def scan_fds(self, root: Path, pids: list[int]) -> list[FdScan]:
        self.calls.append(list(pids))
        return PYTHON.scan_fds(root, pids)


def fixture_processes(root: Path = FIXTURE) -> tuple[Process, ...]:
    return ProcessWalker(root, user_name=USERS, fd_count_from_size=False).walk().processes


def conn(pid: int | None, proto: Proto, fam: int, local: tuple[str, int], remote: tuple[str, int], state: int,
         uid: int, inode: int) -> Connection:  # fmt: skip
    return Connection(pid, NETNS, proto, fam, *local, *remote, state, uid, inode)


V4, V6, TCP, UDP, EST = socket.AF_INET, socket.AF_INET6, Proto.TCP, Proto.UDP, TcpState.ESTABLISHED


@pytest.mark.unit
def test_scan_of_the_fixture() -> None:
    snap = SocketScanner(FIXTURE, backend=PYTHON).scan(fixture_processes())
    assert snap.connections == (
        conn(SERVER, TCP, V4, ("127.0.0.1", 47123), ("127.0.0.1", 35942), EST, 0, 25728),
        conn(CLIENT, TCP, V4, ("127.0.0.1", 35942), ("127.0.0.1", 47123), EST, 65534, 25731),
        conn(CLIENT, TCP, V6, ("::1", 58968), ("::1", 47123), EST, 65534, 25732),
        conn(SERVER, TCP, V6, ("::1", 47123), ("::1", 58968), EST, 0, 25735),
        conn(CLIENT, UDP, V4, ("127.0.0.1", 56715), ("127.0.0.1", 47123), EST, 65534, 25733),
    )  # the client's TIME_WAIT connection (inode 0) is not one: Scope's states only
    assert snap.listening == (
        conn(SERVER, TCP, V4, ("127.0.0.1", 47123), ("0.0.0.0", 0), TcpState.LISTEN, 0, 25725),
        conn(SERVER, TCP, V6, ("::1", 47123), ("::", 0), TcpState.LISTEN, 0, 25726),
        conn(SERVER, UDP, V4, ("127.0.0.1", 47123), ("0.0.0.0", 0), TcpState.CLOSE, 0, 25727),
    )
    # The zombie has no netns link, so it is in no namespace.
    assert snap.namespaces == {NETNS: (SERVER, CLIENT)}
    assert (snap.denied, snap.fds_scanned, snap.stale) == ((), 8 + 6, 0)


@pytest.mark.unit
def test_wider_states() -> None:
    scanner = SocketScanner(FIXTURE, backend=PYTHON, connection_states=frozenset(TcpState))
    time_wait = [c for c in scanner.scan(fixture_processes()).connections if c.state == TcpState.TIME_WAIT]
    assert time_wait == [conn(None, TCP, V4, ("127.0.0.1", 35950), ("127.0.0.1", 47123), TcpState.TIME_WAIT, 0, 0)]


@pytest.mark.unit
def test_fd_budget_order_and_cache() -> None:
    procs = fixture_processes()
    server, zombie, client = procs
    clock, backend = Clock(), CountingBackend()
    scanner = SocketScanner(FIXTURE, fd_budget=7, refresh_period=10.0, clock=clock, backend=backend)
    # New processes first; the budget (7 links) takes the server (8) alone: at least one process per scan.
    first = scanner.scan(procs)
    assert backend.calls == [[SERVER]] and first.stale == 1
    assert {c.pid for c in first.connections} == {SERVER, None}
    clock.now = 1.0
    second = scanner.scan(procs)
    assert backend.calls[-1] == [CLIENT] and second.stale == 0
    assert {c.pid for c in second.connections} == {SERVER, CLIENT}  # the server's inodes came from the cache
    clock.now = 2.0
    assert scanner.scan(procs).fds_scanned == 0 and backend.calls[-1] == []  # nothing due
    # A changed fd count makes a process due before the refresh period.
    clock.now = 3.0
    scanner.scan((server, zombie, client._replace(open_files=7)))
    assert backend.calls[-1] == [CLIENT]
    # After the refresh period everything is due again, oldest scan first.
    clock.now = 12.5
    scanner.scan(procs)
    assert backend.calls[-1] == [SERVER]
    # A process that exited is forgotten; a pid reused (another starttime) is a new process.
    clock.now = 13.0
    scanner.scan((server, zombie, client._replace(start_ticks=client.start_ticks + 1)))
    assert backend.calls[-1] == [CLIENT]


@pytest.mark.unit
def test_unlimited_budget_scans_everything_due() -> None:
    backend = CountingBackend()
    SocketScanner(FIXTURE, fd_budget=None, backend=backend).scan(fixture_processes())
    assert backend.calls == [[SERVER, CLIENT]]


@pytest.mark.unit
def test_vanished_namespace_member_is_skipped(proc_copy: Path) -> None:
    procs = fixture_processes(proc_copy)
    for name in ("net", "fd"):  # the server exits after the walk: its tables and fds are gone
        for entry in sorted((proc_copy / str(SERVER) / name).iterdir()):
            entry.unlink()
        (proc_copy / str(SERVER) / name).rmdir()
    snap = SocketScanner(proc_copy, backend=PYTHON).scan(procs)
    assert snap.namespaces == {NETNS: (SERVER, CLIENT)}
    assert {c.pid for c in snap.connections} == {CLIENT, None}  # tables read through the client instead
    assert len(snap.connections) == 5 and snap.denied == ()


@pytest.mark.unit
def test_read_net_tables_without_ipv6(proc_copy: Path) -> None:
    for name in ("tcp6", "udp6"):
        (proc_copy / str(CLIENT) / "net" / name).unlink()  # IPv6 disabled at boot
    sockets = read_net_tables(proc_copy, CLIENT, PYTHON)
    assert {s.family for s in sockets} == {V4} and len(sockets) == 6


def test_live_pair_with_pids_and_netns(tcp_pair: TcpPair) -> None:
    walk = ProcessWalker().walk()
    snap = SocketScanner(fd_budget=None).scan(walk.processes)
    netns = os.stat("/proc/self/ns/net").st_ino
    ours = {(c.pid, c.local_port, c.remote_port, c.netns, c.state) for c in snap.connections if c.proto is Proto.TCP}
    assert (tcp_pair.client_pid, tcp_pair.client_port, tcp_pair.server_port, netns, EST) in ours
    assert (tcp_pair.server_pid, tcp_pair.server_port, tcp_pair.client_port, netns, EST) in ours
    listener = [c for c in snap.listening if c.local_port == tcp_pair.server_port]
    assert [(c.pid, c.local_ip, c.netns) for c in listener] == [(tcp_pair.server_pid, "127.0.0.1", netns)]
    assert tcp_pair.server_pid in snap.namespaces[netns] and tcp_pair.client_pid in snap.namespaces[netns]


def _unprivileged_scan(read_fd: int, write_fd: int) -> None:
    """In a forked child: drop to nobody, walk and scan, send the results back."""
    os.close(read_fd)
    try:
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        walk = ProcessWalker(user_name=str).walk()
        snap = SocketScanner(fd_budget=None, backend=PYTHON).scan(walk.processes)
        result = (os.getpid(), walk.processes, walk.denied, snap.connections, snap.listening, snap.denied)
        with os.fdopen(write_fd, "wb") as out:
            pickle.dump(result, out)
    finally:
        os._exit(0)


@pytest.mark.privileged
@needs_root
def test_unprivileged_scan_reports_what_it_can(tcp_pair: TcpPair) -> None:
    read_fd, write_fd = os.pipe()
    child = os.fork()
    if child == 0:
        _unprivileged_scan(read_fd, write_fd)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as inp:
        me, processes, denied, connections, listening, scan_denied = pickle.load(inp)
    os.waitpid(child, 0)
    pids = {p.pid for p in processes}
    # Every process is still there (stat, status, cmdline are world-readable) ...
    assert {tcp_pair.server_pid, tcp_pair.client_pid, me} <= pids
    # ... but root's fds, cwd and namespace are not ours: recorded as denied, not dropped.
    server = next(p for p in processes if p.pid == tcp_pair.server_pid)
    assert server.cwd is None and server.netns is None
    assert (tcp_pair.server_pid, f"/proc/{tcp_pair.server_pid}/cwd") in denied
    # The connection is seen in our own namespace's tables, without the pid we may not look up.
    assert any(c.local_port == tcp_pair.client_port and c.pid is None for c in connections)
    assert any(c.local_port == tcp_pair.server_port and c.pid is None for c in listening)
    assert isinstance(scan_denied, tuple)

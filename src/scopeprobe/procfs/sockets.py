"""The socket scanner: connections and listening sockets per network namespace, with the pid that holds each
(Scope's probe/endpoint/procspy: proc_linux.go, background_reader_linux.go).

Each scan reads /proc/<pid>/net/{tcp,tcp6,udp,udp6} once per network namespace, through any one of its
processes, and maps socket inodes to pids from /proc/<pid>/fd links. Reading fd links is the expensive part
(Scope #812, #1544), so it is rate-limited like Scope's: at most `fd_budget` links per scan, new processes
first, then those whose fd count changed, then those whose last scan is older than `refresh_period` (Scope
aimed at a full walk every 10 s), oldest first. Results are cached per (pid, starttime), so a process that
opened and closed nothing costs one stat per walk (its fd count, read by the ProcessWalker).
"""

import errno
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from scopeprobe.errors import AccessDenied, NoSuchProcess, from_oserror
from scopeprobe.procfs._io import open_dir, read_proc
from scopeprobe.procfs.native import Backend, default_backend
from scopeprobe.procfs.reader import PROC_ROOT
from scopeprobe.procfs.records import Connection, Denied, NetSocket, NetworkSnapshot, Process, Proto, TcpState

# Scope keeps these TCP states as connections (procspy/procnet.go); LISTEN sockets are reported apart.
CONNECTED_STATES = frozenset({TcpState.ESTABLISHED, TcpState.FIN_WAIT1, TcpState.FIN_WAIT2, TcpState.CLOSE_WAIT})
FD_BUDGET = 3000  # fd links per scan: Scope read 300 per 50-250 ms tick, 1200-6000 a second
REFRESH_PERIOD = 10.0  # seconds: Scope's targetWalkTime
_TABLES = (("tcp", Proto.TCP), ("tcp6", Proto.TCP), ("udp", Proto.UDP), ("udp6", Proto.UDP))


class _FdEntry(NamedTuple):
    scanned_at: float
    nfds: int
    inodes: frozenset[int]


def read_net_tables(root: Path, pid: int, backend: Backend | None = None) -> list[NetSocket]:
    """Every socket of the network namespace of `pid`, from /proc/<pid>/net/{tcp,tcp6,udp,udp6}.

    Raises NoSuchProcess or AccessDenied. A missing tcp6/udp6 is an empty table (IPv6 disabled at boot).
    """
    parse = (backend or default_backend()).parse_net_table
    base = f"{root}/{pid}/net"
    out: list[NetSocket] = []
    try:
        dfd = open_dir(base)
    except OSError as e:
        raise from_oserror(e, pid, base) from e
    try:
        for name, proto in _TABLES:
            path = f"{base}/{name}"
            try:
                data = read_proc(dfd, name)
            except OSError as e:
                if e.errno == errno.ENOENT and name.endswith("6"):
                    continue
                raise from_oserror(e, pid, path) from e
            out.extend(parse(data, proto, path))
    finally:
        os.close(dfd)
    return out


class SocketScanner:
    """Scans sockets for the processes of a walk; keeps the per-process fd results between scans."""

    def __init__(
        self,
        root: Path = PROC_ROOT,
        *,
        fd_budget: int | None = FD_BUDGET,
        refresh_period: float = REFRESH_PERIOD,
        clock: Callable[[], float] = time.monotonic,
        backend: Backend | None = None,
        connection_states: frozenset[int] = CONNECTED_STATES,
    ) -> None:
        """fd_budget None: no limit (every due process is scanned at once)."""
        self.root = root
        self._budget = fd_budget
        self._refresh = refresh_period
        self._clock = clock
        self._backend = backend or default_backend()
        self._states = connection_states
        self._fds: dict[tuple[int, int], _FdEntry] = {}

    def scan(self, processes: Iterable[Process]) -> NetworkSnapshot:
        """Connections and listening sockets of every namespace the processes are in."""
        now = self._clock()
        procs = sorted((p for p in processes if p.netns is not None), key=lambda p: p.pid)
        namespaces: dict[int, list[int]] = {}
        for p in procs:
            assert p.netns is not None
            namespaces.setdefault(p.netns, []).append(p.pid)
        denied: list[Denied] = []
        tables = {ns: self._tables(pids, denied) for ns, pids in namespaces.items()}
        fds_scanned, stale = self._refresh_fds(procs, now, denied)
        owners = self._owners()
        connections: list[Connection] = []
        listening: list[Connection] = []
        for ns, sockets in tables.items():
            for s in sockets:
                if s.proto is Proto.TCP:
                    into = listening if s.state == TcpState.LISTEN else connections if s.state in self._states else None
                else:  # UDP: connected sockets show ESTABLISHED, bound unconnected ones CLOSE (udp_get_state)
                    into = connections if s.state == TcpState.ESTABLISHED else listening
                if into is not None:  # Connection is (pid, netns) followed by NetSocket's fields, in order
                    into.append(Connection(owners.get(s.inode) if s.inode else None, ns, *s))
        return NetworkSnapshot(
            connections=tuple(connections),
            listening=tuple(listening),
            namespaces={ns: tuple(pids) for ns, pids in namespaces.items()},
            denied=tuple(denied),
            fds_scanned=fds_scanned,
            stale=stale,
        )

    def _tables(self, pids: list[int], denied: list[Denied]) -> list[NetSocket]:
        """The namespace's sockets, read through the first of its pids that works."""
        for pid in pids:
            try:
                return read_net_tables(self.root, pid, self._backend)
            except NoSuchProcess:
                continue  # exited since the walk: any other process in the namespace will do
            except AccessDenied as e:
                denied.append(Denied(pid, e.path))
        return []

    def _refresh_fds(self, procs: list[Process], now: float, denied: list[Denied]) -> tuple[int, int]:
        """Rescan the fds of the processes that are due, within the budget.

        Returns the links read and how many due processes had to wait for a later scan.
        """
        live = {(p.pid, p.start_ticks) for p in procs}
        self._fds = {k: v for k, v in self._fds.items() if k in live}  # forget exited processes
        due: list[tuple[int, float, Process]] = []
        for p in procs:
            entry = self._fds.get((p.pid, p.start_ticks))
            if entry is None:
                due.append((0, 0.0, p))
            elif p.open_files is not None and p.open_files != entry.nfds:
                due.append((1, entry.scanned_at, p))
            elif now - entry.scanned_at >= self._refresh:
                due.append((2, entry.scanned_at, p))
        due.sort(key=lambda d: (d[0], d[1]))
        chosen: list[Process] = []
        cost = 0
        for _, _, p in due:
            entry = self._fds.get((p.pid, p.start_ticks))
            estimate = p.open_files if p.open_files is not None else entry.nfds if entry else 1
            if self._budget is not None and chosen and cost + estimate > self._budget:
                break  # the rest waits for the next scan, in the same order
            chosen.append(p)
            cost += estimate
        scanned = 0
        by_pid = {p.pid: p for p in chosen}
        for result in self._backend.scan_fds(self.root, list(by_pid)):
            p = by_pid[result.pid]
            key = (p.pid, p.start_ticks)
            scanned += result.nfds
            if isinstance(result.error, NoSuchProcess):
                self._fds.pop(key, None)  # exited since the walk
                continue
            nfds = result.nfds
            if isinstance(result.error, AccessDenied):
                denied.append(Denied(result.pid, result.error.path))
                if nfds == 0 and p.open_files is not None:
                    # Not ours to list (the walker still counted its fds): retry at the refresh period, not
                    # on every scan because the count "changed".
                    nfds = p.open_files
            self._fds[key] = _FdEntry(now, nfds, result.inodes)
        return scanned, len(due) - len(chosen)

    def _owners(self) -> dict[int, int]:
        """socket inode -> the lowest pid holding it (a forked server's workers share its listening socket)."""
        owners: dict[int, int] = {}
        for (pid, _), entry in sorted(self._fds.items(), reverse=True):
            for inode in entry.inodes:
                owners[inode] = pid
        return owners

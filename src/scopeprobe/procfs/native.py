"""The two hot paths, in C when the cffi extension (cext/) is built and in Python otherwise: parsing a whole
/proc/net/{tcp,udp}{,6} table, and scanning /proc/<pid>/fd directories for socket inodes.

Both backends return the same records; tests/probe/test_procfs_native.py holds them to it on the fixture tree
and on the live /proc. `default_backend()` is the C one when importable.
"""

import errno
import importlib
import os
import socket
import struct
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple, Protocol

from scopeprobe.errors import ParseError, ProbeError, from_oserror
from scopeprobe.procfs.parse import parse_link_inode, parse_net_table
from scopeprobe.procfs.records import NetSocket, Proto

_native: ModuleType | None
try:
    _native = importlib.import_module("scopeprobe.procfs._scopeproc")
except ImportError:  # not built (no compiler at install time) or no cffi backend: the Python twins serve
    _native = None

# The layout of the C structs in cext/scopeproc.h, native byte order, no implicit padding ("=" adds none; the
# header's explicit pad fields are the "x"s). tests/probe/test_procfs_abi.py checks these against ffi.offsetof.
SOCK = struct.Struct("=16s16sQIHHBB6x")
FDSCAN = struct.Struct("=iiIIQ")


class FdScan(NamedTuple):
    """What one /proc/<pid>/fd directory held."""

    pid: int
    nfds: int  # entries read: the fd budget's unit
    inodes: frozenset[int]  # socket inodes
    error: ProbeError | None  # NoSuchProcess (gone), AccessDenied (not ours, or some links refused), or None


class Backend(Protocol):
    """A pair of hot-path implementations."""

    name: str

    def parse_net_table(self, data: bytes, proto: Proto, path: str) -> list[NetSocket]:
        """Every socket row of one table (see parse_net.parse_net_table)."""
        ...

    def scan_fds(self, root: Path, pids: Sequence[int]) -> list[FdScan]:
        """One FdScan per pid, in order."""
        ...


def _error(err: int, pid: int, path: str) -> ProbeError | None:
    if err == 0:
        return None
    e = from_oserror(OSError(err, os.strerror(err), path), pid, path)
    return e if isinstance(e, ProbeError) else ProbeError(str(e))


class PythonBackend:
    """The pure-Python twins: os.listdir and os.readlink relative to the directory's fd."""

    name = "python"

    def parse_net_table(self, data: bytes, proto: Proto, path: str) -> list[NetSocket]:
        """See parse_net.parse_net_table."""
        return parse_net_table(data, proto, path)

    def scan_fds(self, root: Path, pids: Sequence[int]) -> list[FdScan]:
        """One FdScan per pid, in order."""
        out: list[FdScan] = []
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
        for pid in pids:
            path = f"{root}/{pid}/fd"
            try:
                dfd = os.open(path, flags)
            except OSError as e:
                out.append(FdScan(pid, 0, frozenset(), _error(e.errno or 0, pid, path)))
                continue
            err = 0
            try:
                names = os.listdir(dfd)
                inodes: list[int] = []
                for name in names:
                    try:
                        target = os.readlink(name, dir_fd=dfd)
                    except OSError as e:
                        # ENOENT: closed since listdir. EACCES: an LSM refused (even root); keep the rest.
                        if e.errno in (errno.EACCES, errno.EPERM):
                            err = e.errno
                        continue
                    if target.startswith("socket:["):
                        inode = parse_link_inode(target, "socket")
                        if inode is not None:
                            inodes.append(inode)
            finally:
                os.close(dfd)
            out.append(FdScan(pid, len(names), frozenset(inodes), _error(err, pid, path)))
        return out


class CBackend:
    """cext/scopeproc.c through cffi (API mode)."""

    name = "c"

    def __init__(self, module: ModuleType) -> None:
        self._ffi: Any = module.ffi
        self._lib: Any = module.lib

    def parse_net_table(self, data: bytes, proto: Proto, path: str) -> list[NetSocket]:
        """See parse_net.parse_net_table."""
        cap = data.count(b"\n") + 1
        rows = self._ffi.new("struct scope_sock[]", cap)
        err_line = self._ffi.new("uint32_t *")
        n = self._lib.scope_parse_net(data, len(data), rows, cap, err_line)
        if n < 0:
            line = err_line[0]
            row = data.split(b"\n")[line - 1][:80]
            raise ParseError(path, line, f"bad socket row: {row!r}")
        out: list[NetSocket] = []
        append, make, ntop = out.append, NetSocket._make, socket.inet_ntop  # _make: no keyword handling
        names: dict[bytes, str] = {}  # most rows share a handful of addresses: convert each once
        for local, remote, inode, uid, lport, rport, family, state in SOCK.iter_unpack(
            self._ffi.buffer(rows, n * SOCK.size)
        ):
            if family == 2:  # the key's length tells the families apart: 0.0.0.0 is not ::
                local, remote = local[:4], remote[:4]
            try:
                lip = names[local]
            except KeyError:
                lip = names[local] = ntop(family, local)
            try:
                rip = names[remote]
            except KeyError:
                rip = names[remote] = ntop(family, remote)
            append(make((proto, family, lip, lport, rip, rport, state, uid, inode)))
        return out

    def scan_fds(self, root: Path, pids: Sequence[int]) -> list[FdScan]:
        """One FdScan per pid, in order. Grows the inode array and resumes if it fills up."""
        ffi, lib = self._ffi, self._lib
        root_b = os.fsencode(str(root))
        out: list[FdScan] = []
        cap = max(256, 16 * len(pids))
        while len(out) < len(pids):
            todo = pids[len(out) :]
            results = ffi.new("struct scope_fdscan[]", len(todo))
            inodes = ffi.new("uint64_t[]", cap)
            done = lib.scope_scan_fds(root_b, ffi.new("int32_t[]", list(todo)), len(todo), results, inodes, cap)
            scanned = list(FDSCAN.iter_unpack(ffi.buffer(results, done * FDSCAN.size)))
            used = scanned[-1][4] + scanned[-1][3] if scanned else 0
            found: list[int] = ffi.unpack(inodes, used)
            for pid, err, nfds, nsockets, first in scanned:
                path = f"{root}/{pid}/fd"
                out.append(FdScan(pid, nfds, frozenset(found[first : first + nsockets]), _error(err, pid, path)))
            if done < len(todo):
                cap *= 4
        return out


PYTHON = PythonBackend()
C: CBackend | None = CBackend(_native) if _native is not None else None


def default_backend() -> Backend:
    """The C backend when the extension is importable, else the Python one."""
    return C if C is not None else PYTHON

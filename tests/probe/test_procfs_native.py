"""The C extension and its pure-Python twins agree: on the captured tree, on malformed tables, and on the
live /proc. Skipped (with the reason) when the extension is not built."""

import os
import socket
from pathlib import Path

import pytest
from procfixture import CLIENT, FIXTURE, SERVER, ZOMBIE, TcpPair

from scopeprobe.errors import ParseError
from scopeprobe.procfs import native
from scopeprobe.procfs.native import FdScan
from scopeprobe.procfs.reader import ProcessWalker
from scopeprobe.procfs.records import Proto
from scopeprobe.procfs.sockets import SocketScanner

C = native.C
needs_c = pytest.mark.skipif(C is None, reason="C extension not built (python cext/build_scopeproc.py builds it)")
pytestmark = needs_c
TABLES = [("tcp", Proto.TCP), ("tcp6", Proto.TCP), ("udp", Proto.UDP), ("udp6", Proto.UDP)]


def _comparable(scans: list[FdScan]) -> list[tuple[object, ...]]:
    # Exceptions compare by identity: compare their type and path instead.
    return [(s.pid, s.nfds, s.inodes, type(s.error), getattr(s.error, "path", None)) for s in scans]


@pytest.mark.unit
@pytest.mark.parametrize(("name", "proto"), TABLES)
@pytest.mark.parametrize("pid", [SERVER, CLIENT])
def test_tables_agree_on_the_fixture(pid: int, name: str, proto: Proto) -> None:
    assert C is not None
    data = (FIXTURE / str(pid) / "net" / name).read_bytes()
    assert C.parse_net_table(data, proto, name) == native.PYTHON.parse_net_table(data, proto, name)


@pytest.mark.unit
def test_fd_scans_agree_on_the_fixture() -> None:
    assert C is not None
    pids = [SERVER, ZOMBIE, CLIENT, 999999]
    c, py = C.scan_fds(FIXTURE, pids), native.PYTHON.scan_fds(FIXTURE, pids)
    assert _comparable(c) == _comparable(py)
    assert c[0].inodes == frozenset({25725, 25726, 25727, 25728, 25735}) and c[0].nfds == 8
    assert c[3].error is not None and type(c[3].error).__name__ == "NoSuchProcess"


@pytest.mark.unit
def test_fd_scan_grows_its_inode_array(tmp_path: Path) -> None:
    # More sockets than the first guess of the array (16 per pid, at least 256): the scan resumes.
    assert C is not None
    fd = tmp_path / "7" / "fd"
    fd.mkdir(parents=True)
    for n in range(600):
        os.symlink(f"socket:[{100000 + n}]", fd / str(n))
    (scan,) = C.scan_fds(tmp_path, [7])
    assert scan.inodes == frozenset(range(100000, 100600)) and scan.nfds == 600
    assert _comparable(C.scan_fds(tmp_path, [7, 7, 7])) == _comparable(native.PYTHON.scan_fds(tmp_path, [7, 7, 7]))


HEADER = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
ROW = b"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1\n"
BAD_ROWS = [
    b"   1: 0100007F:1F90 00000000:0000 0A\n",
    ROW.replace(b"0100007F", b"0100Z07F"),
    ROW.replace(b"0100007F", b"00007F"),
    ROW.replace(b"0100007F:1F90", b"0100007F"),
    ROW.replace(b"00000000:0000", b"0" * 32 + b":0000"),
    ROW.replace(b"4242", b"42x2"),
]


@pytest.mark.unit
@pytest.mark.parametrize("bad", BAD_ROWS)
def test_both_reject_the_same_malformed_line(bad: bytes) -> None:
    assert C is not None
    data = HEADER + ROW + ROW + bad + ROW
    for backend in (C, native.PYTHON):
        with pytest.raises(ParseError) as e:
            backend.parse_net_table(data, Proto.TCP, "/proc/1/net/tcp")
        assert (e.value.path, e.value.line) == ("/proc/1/net/tcp", 4), backend.name


@pytest.mark.unit
def test_edge_rows_agree() -> None:
    assert C is not None
    data = (
        HEADER
        + b"\n"  # a blank line
        + ROW.replace(b"0100007F:1F90", b"FFFFFFFF:FFFF").replace(b"4242", b"18446744073709551615")
        + ROW.replace(b"  1000 ", b" 4294967295 ").replace(b"0A", b"0C")
        + b"   2: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 7\n"
    )
    rows = C.parse_net_table(data, Proto.TCP, "t")
    assert rows == native.PYTHON.parse_net_table(data, Proto.TCP, "t")
    assert rows[0].inode == 2**64 - 1 and rows[0].local_ip == "255.255.255.255" and rows[0].local_port == 65535
    assert rows[1].uid == 2**32 - 1 and rows[2].local_ip == "::ffff:127.0.0.1" and rows[2].family == socket.AF_INET6


def test_live_tables_and_fds_agree(tcp_pair: TcpPair) -> None:
    assert C is not None
    root = Path("/proc")
    for name, proto in TABLES:
        data = (root / str(tcp_pair.server_pid) / "net" / name).read_bytes()
        assert C.parse_net_table(data, proto, name) == native.PYTHON.parse_net_table(data, proto, name)
    # Processes that are not opening files meanwhile: ours (the pair) and the kernel threads.
    procs = ProcessWalker().walk().processes
    stable = [p.pid for p in procs if p.pid in tcp_pair[:2] or p.vsz_bytes == 0]
    assert _comparable(C.scan_fds(root, stable)) == _comparable(native.PYTHON.scan_fds(root, stable))
    (server,) = C.scan_fds(root, [tcp_pair.server_pid])
    assert len(server.inodes) == 2 and server.error is None


def test_live_scans_agree(tcp_pair: TcpPair) -> None:
    procs = ProcessWalker().walk().processes
    assert C is not None
    c = SocketScanner(backend=C, fd_budget=None).scan(procs)
    py = SocketScanner(backend=native.PYTHON, fd_budget=None).scan(procs)
    mine = {tcp_pair.server_pid, tcp_pair.client_pid}
    assert {x for x in c.connections if x.pid in mine} == {x for x in py.connections if x.pid in mine}
    assert len([x for x in c.connections if x.pid in mine]) == 2

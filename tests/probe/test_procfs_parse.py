"""The pure parsers on the captured /proc tree (golden values), on malformed input (errors name file and
line), and the docstring examples of every parser module."""

import doctest
import importlib
import socket

import pytest
from procfixture import CLIENT, FIXTURE, SERVER, ZOMBIE

from scopeprobe.errors import ParseError
from scopeprobe.procfs import parse
from scopeprobe.procfs.records import (
    RLIM_INFINITY,
    CpuTimes,
    Ids,
    LoadAvg,
    MemInfo,
    NetDev,
    NetSocket,
    PidStat,
    Proto,
    TcpState,
    Uptime,
)

pytestmark = pytest.mark.unit


def _read(*parts: object) -> bytes:
    return FIXTURE.joinpath(*map(str, parts)).read_bytes()


@pytest.mark.parametrize(
    "module",
    [
        "scopeprobe.procfs._text",
        "scopeprobe.procfs.parse",
        "scopeprobe.procfs.parse_net",
        "scopeprobe.procfs.parse_system",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_stat_with_spaces_and_parens_in_comm() -> None:
    assert parse.parse_stat(_read(SERVER, "stat")) == PidStat(
        pid=SERVER,
        comm="srv (test) x",
        state="S",
        ppid=13980,
        utime=1,
        stime=0,
        threads=1,
        starttime=144458,
        vsize=14557184,
        rss_pages=2420,
        rsslim=RLIM_INFINITY,
    )


def test_stat_of_a_zombie() -> None:
    stat = parse.parse_stat(_read(ZOMBIE, "stat"))
    assert (stat.state, stat.ppid, stat.vsize, stat.rss_pages, stat.jiffies) == ("Z", SERVER, 0, 0, 0)


def test_status() -> None:
    server = parse.parse_status(_read(SERVER, "status"))
    client = parse.parse_status(_read(CLIENT, "status"))
    assert (server.name, server.tgid, server.uids, server.nspid) == ("srv (test) x", SERVER, Ids(0, 0, 0, 0), (SERVER,))
    assert client.uids == Ids(65534, 65534, 65534, 65534) and client.gids == Ids(65534, 65534, 65534, 65534)


def test_cmdline_and_the_comm_fallback() -> None:
    client = parse.parse_cmdline(_read(CLIENT, "cmdline"), "python3")
    assert client.name == "/usr/bin/python3"
    assert client.args[:2] == ("/usr/bin/python3", "-c") and client.args[-1] == "47123"
    assert client.line == " ".join(client.args)
    zombie = parse.parse_cmdline(_read(ZOMBIE, "cmdline"), "srv (test) x")
    assert zombie == ("[srv (test) x]", "[srv (test) x]", ())


def test_limits() -> None:
    assert parse.parse_limits(_read(SERVER, "limits")) == (20000, 20000)


def test_links() -> None:
    assert parse.parse_link_inode("net:[4026531833]", "net") == 4026531833
    assert parse.parse_link_inode("socket:[25725]", "socket") == 25725
    for target in ("pipe:[25721]", "/dev/null", "socket:[]", "socket:[12", "socketx:[1]"):
        assert parse.parse_link_inode(target, "socket") is None


def test_tcp_table_ipv4() -> None:
    rows = parse.parse_net_table(_read(SERVER, "net", "tcp"), Proto.TCP)
    assert rows == [
        NetSocket(Proto.TCP, socket.AF_INET, "127.0.0.1", 47123, "0.0.0.0", 0, TcpState.LISTEN, 0, 25725),
        NetSocket(Proto.TCP, socket.AF_INET, "127.0.0.1", 47123, "127.0.0.1", 35942, TcpState.ESTABLISHED, 0, 25728),
        NetSocket(
            Proto.TCP, socket.AF_INET, "127.0.0.1", 35942, "127.0.0.1", 47123, TcpState.ESTABLISHED, 65534, 25731
        ),
        NetSocket(Proto.TCP, socket.AF_INET, "127.0.0.1", 35950, "127.0.0.1", 47123, TcpState.TIME_WAIT, 0, 0),
    ]


def test_tcp6_table_byte_order() -> None:
    rows = parse.parse_net_table(_read(SERVER, "net", "tcp6"), Proto.TCP)
    assert [(r.family, r.local_ip, r.local_port, r.remote_ip, r.remote_port, r.inode) for r in rows] == [
        (socket.AF_INET6, "::1", 47123, "::", 0, 25726),
        (socket.AF_INET6, "::1", 58968, "::1", 47123, 25732),
        (socket.AF_INET6, "::1", 47123, "::1", 58968, 25735),
    ]


def test_udp_tables() -> None:
    rows = parse.parse_net_table(_read(SERVER, "net", "udp"), Proto.UDP)
    assert rows == [
        NetSocket(
            Proto.UDP, socket.AF_INET, "127.0.0.1", 56715, "127.0.0.1", 47123, TcpState.ESTABLISHED, 65534, 25733
        ),
        NetSocket(Proto.UDP, socket.AF_INET, "127.0.0.1", 47123, "0.0.0.0", 0, TcpState.CLOSE, 0, 25727),
    ]
    assert parse.parse_net_table(_read(SERVER, "net", "udp6"), Proto.UDP) == []


def test_decode_address_ipv4_mapped() -> None:
    assert parse.decode_address(b"0000000000000000FFFF00000100007F:1F90") == ("::ffff:127.0.0.1", 8080)


def test_proc_stat() -> None:
    stat = parse.parse_proc_stat(_read("stat"))
    assert stat.cpu == CpuTimes(144004, 0, 13626, 130274, 204, 0, 52, 82, 0, 0)
    assert len(stat.cpus) == 2 and stat.cpus[1].user == 74477
    assert stat.boot_time == 1796420167
    assert stat.cpu.total == 144004 + 13626 + 130274 + 204 + 52 + 82
    assert stat.cpu.busy == stat.cpu.total - 130274 - 204


def test_meminfo_and_scopes_used_memory() -> None:
    mem = parse.parse_meminfo(_read("meminfo"))
    assert mem == MemInfo(
        total=24683792 * 1024,
        free=23275368 * 1024,
        available=23947792 * 1024,
        buffers=19148 * 1024,
        cached=839900 * 1024,
        swap_total=0,
        swap_free=0,
    )
    assert mem.used == (24683792 - 23275368 - 19148 - 839900) * 1024


def test_loadavg_uptime() -> None:
    assert parse.parse_loadavg(_read("loadavg")) == LoadAvg(2.35, 1.89, 1.19, 3, 112, 13983)
    assert parse.parse_uptime(_read("uptime")) == Uptime(1444.97, 1302.74)


def test_net_dev() -> None:
    devs = {d.name: d for d in parse.parse_net_dev(_read("net", "dev"))}
    assert list(devs) == ["lo", "ifb0", "ifb1", "eth0"]
    assert devs["eth0"] == NetDev("eth0", 82857566, 2408, 0, 0, 157571, 1504, 0, 0)


def test_diskstats() -> None:
    vda = next(d for d in parse.parse_diskstats(_read("diskstats")) if d.name == "vda")
    assert (vda.major, vda.minor, vda.reads, vda.writes, vda.io_ms) == (254, 0, 41990, 4996, 4356)
    assert vda.read_bytes == 2992522 * 512 and vda.written_bytes == 811232 * 512


def test_mountinfo_and_filesystems() -> None:
    mounts = parse.parse_mountinfo(_read("self", "mountinfo"))
    root = next(m for m in mounts if m.mount_point == "/")
    assert (root.fstype, root.source, root.major, root.minor, root.parent_id) == ("ext4", "/dev/vda", 254, 0, 1)
    block = {fs.name for fs in parse.parse_filesystems(_read("filesystems")) if not fs.nodev}
    assert {"ext4", "xfs", "btrfs"} <= block and "tmpfs" not in block


# ---- malformed input: every error names the file and the line -------------------------------------------------

TCP_HEADER = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
TCP_ROW = b"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1\n"

MALFORMED_TABLES = {
    "too few columns": TCP_HEADER + TCP_ROW + b"   1: 0100007F:1F90 00000000:0000 0A\n",
    "address not hex": TCP_HEADER + TCP_ROW + TCP_ROW.replace(b"0100007F", b"0100Z07F"),
    "address of 6 digits": TCP_HEADER + TCP_ROW + TCP_ROW.replace(b"0100007F", b"00007F"),
    "no port": TCP_HEADER + TCP_ROW + TCP_ROW.replace(b"0100007F:1F90", b"0100007F"),
    "families differ": TCP_HEADER + TCP_ROW + TCP_ROW.replace(b"00000000:0000", b"0" * 32 + b":0000"),
    "inode not a number": TCP_HEADER + TCP_ROW + TCP_ROW.replace(b"4242", b"42x2"),
}


@pytest.mark.parametrize("data", MALFORMED_TABLES.values(), ids=MALFORMED_TABLES.keys())
def test_malformed_socket_row_names_file_and_line(data: bytes) -> None:
    with pytest.raises(ParseError) as e:
        parse.parse_net_table(data, Proto.TCP, "/proc/42/net/tcp")
    assert (e.value.path, e.value.line) == ("/proc/42/net/tcp", 3)
    assert str(e.value).startswith("/proc/42/net/tcp:3: ")


MALFORMED = [
    (parse.parse_stat, b"42 (x) S 1 2", 1),
    (parse.parse_stat, b"42 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25", 1),
    (parse.parse_stat, _read(SERVER, "stat").replace(b" 144458 ", b" 14x458 "), 1),
    (parse.parse_status, b"Name:\tx\nUmask:\t0022\nUid:\t1 2 3\nGid:\t1 1 1 1\n", 3),
    (parse.parse_status, b"Name:\tx\nGid:\t1 1 1 1\n", None),
    (parse.parse_limits, b"Limit   Soft Limit   Hard Limit   Units\nMax open files   lots   4096   files\n", 2),
    (parse.parse_limits, b"Limit   Soft Limit   Hard Limit   Units\n", None),
    (parse.parse_proc_stat, b"cpu  1 2 3 4\nbtime 1\ncpu0 1 x 3 4\n", 3),
    (parse.parse_proc_stat, b"cpu0 1 2 3 4\n", None),
    (parse.parse_meminfo, b"MemTotal: 10 kB\nMemFree: ten kB\n", 2),
    (parse.parse_meminfo, b"MemTotal: 10 kB\n", None),
    (parse.parse_loadavg, b"0.1 0.2 0.3 4 5\n", 1),
    (parse.parse_uptime, b"12.5\n", 1),
    (parse.parse_net_dev, b"h1\nh2\n lo: 1 2 3\n", 3),
    (parse.parse_net_dev, b"h1\nh2\n lo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", 3),
    (parse.parse_diskstats, b" 8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n 8 1 sda1 1 2\n", 2),
    (parse.parse_mountinfo, b"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw\n", 1),
    (parse.parse_mountinfo, b"36 35 98-0 /mnt1 /mnt2 rw,noatime - ext3 /dev/root rw\n", 1),
    (parse.parse_filesystems, b"nodev\tsysfs\nwhat is\tthis\n", 2),
]


@pytest.mark.parametrize(("parser", "data", "line"), MALFORMED, ids=lambda v: getattr(v, "__name__", None))
def test_malformed_file_names_file_and_line(parser: object, data: bytes, line: int | None) -> None:
    with pytest.raises(ParseError) as e:
        parser(data, "/some/file")  # type: ignore[operator]
    assert (e.value.path, e.value.line) == ("/some/file", line)
    assert str(e.value).startswith("/some/file:" if line is None else f"/some/file:{line}: ")

"""Unit tests of the cgroup side of the Docker reporter: parsing /proc/<pid>/cgroup and counter files, the
cgroup reader and the metric sampler on fixture trees (v1 as on this project's machines, and v2), and
process -> container."""

import os
from pathlib import Path

import pytest

from scopeprobe.docker import ContainerMapper, container_of
from scopeprobe.docker import keys as k
from scopeprobe.docker.cgroupfs import CgroupReader
from scopeprobe.docker.cgroups import (
    container_ids_in_cgroup,
    parse_blkio_bytes,
    parse_flat_keyed,
    parse_io_stat,
    parse_proc_cgroup,
)
from scopeprobe.docker.humanize import NS
from scopeprobe.docker.sampler import ContainerSampler
from scopeprobe.errors import ParseError

pytestmark = pytest.mark.unit

ID_A = "07ff543733b59cce60018b30780bb13bc80c45928f062e3b8be43c37a94be6a9"
ID_B = "4ef98d31987fd3bc079e046cb5d3fd5bbf6200610dc9f9a616fef79071eadabe"


# ---- cgroup parsing -------------------------------------------------------------------------------------------

V1_CGROUP = (f"9:name=systemd:/docker/{ID_A}\n4:memory:/docker/{ID_A}\n2:cpuacct:/docker/{ID_A}\n"
             f"1:cpu:/docker/{ID_A}\n0::/docker/{ID_A}\n").encode()


@pytest.mark.parametrize(("data", "want"), [
    (V1_CGROUP, (ID_A,)),
    (f"0::/system.slice/docker-{ID_A}.scope\n".encode(), (ID_A,)),
    (f"4:memory:/kubepods/burstable/pod1234-ab/{ID_A}\n".encode(), (ID_A,)),
    (f"0::/kubepods.slice/kubepods-pod1.slice/docker-{ID_A}.scope\n".encode(), (ID_A,)),
    (f"0::/docker/{ID_A}/docker/{ID_B}\n".encode(), (ID_B, ID_A)),  # Docker in Docker: innermost first
    (f"0::/docker/{ID_A}/init.scope\n".encode(), (ID_A,)),  # systemd inside the container
    (f"0::/system.slice/cri-containerd-{ID_A}.scope\n".encode(), ()),  # not Docker's
    (b"4:memory:/process_api/e254cea0973d1c73f33751b9db992ad7\n0::/\n", ()),
    (b"0::/user.slice/user-0.slice/session-1.scope\n", ()),
])
def test_container_ids_in_cgroup(data: bytes, want: tuple[str, ...]) -> None:
    assert container_ids_in_cgroup(data) == want


def test_parse_proc_cgroup() -> None:
    lines = parse_proc_cgroup(b"12:cpu,cpuacct:/docker/x\n1:name=systemd:/\n0::/init.scope\n")
    assert [(x.hierarchy, x.controllers, x.path) for x in lines] == [
        (12, ("cpu", "cpuacct"), "/docker/x"), (1, ("name=systemd",), "/"), (0, (), "/init.scope")]
    with pytest.raises(ParseError, match=r"^f:2: "):
        parse_proc_cgroup(b"1:cpu:/\nrubbish\n", "f")


def test_counter_parsers() -> None:
    assert parse_flat_keyed(b"cache 4096\nrss 8192\n") == {"cache": 4096, "rss": 8192}
    assert parse_blkio_bytes(b"8:0 Read 4096\n8:0 Write 512\n8:0 Sync 1\n8:0 Total 4608\n8:16 Read 4\nTotal 9\n") \
        == (4100, 512)
    assert parse_blkio_bytes(b"Total 0\n") == (0, 0)
    assert parse_io_stat(b"8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n8:16 rbytes=4 wbytes=0\n") \
        == (4100, 512)
    with pytest.raises(ParseError, match=r"^io.stat:1: "):
        parse_io_stat(b"8:0 rbytes=x\n")
    with pytest.raises(ParseError, match=r"^memory.stat:2: "):
        parse_flat_keyed(b"cache 1\nrss many\n")


# ---- the cgroup reader and the sampler on fixture trees --------------------------------------------------------

MEMINFO = b"MemTotal: 24684116 kB\nMemFree: 1000 kB\nMemAvailable: 2000 kB\nBuffers: 0 kB\nCached: 0 kB\n"
NET_DEV = ("Inter-|   Receive                                                |  Transmit\n"
           " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
           "carrier compressed\n"
           "    lo:     {lo}       1    0    0    0     0          0         0     {lo}       1    0    0    0     0"
           "       0          0\n"
           "  eth0:    {rx}      42    0    0    0     0          0         0     {tx}      29    0    0    0     0"
           "       0          0\n")


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def _v1_tree(root: Path, pid: int, cpu_ns: int, rx: int, usage: int = 700416, limit: int = 64 << 20) -> None:
    """This machine's layout: cpu and cpuacct mounted apart, a v2 mount without controllers beside them."""
    _write(root / "proc/self/mountinfo",
           "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
           "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
           "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
           "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
           "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n")
    _write(root / f"proc/{pid}/cgroup", V1_CGROUP.decode() + f"7:blkio:/docker/{ID_A}\n")
    _write(root / "proc/meminfo", MEMINFO)
    _write(root / f"proc/{pid}/net/dev", NET_DEV.format(lo=999, rx=rx, tx=2 * rx))
    cg = root / "sys/fs/cgroup"
    _write(cg / f"cpuacct/docker/{ID_A}/cpuacct.usage", f"{cpu_ns}\n")
    _write(cg / f"memory/docker/{ID_A}/memory.usage_in_bytes", f"{usage}\n")
    _write(cg / f"memory/docker/{ID_A}/memory.limit_in_bytes", f"{limit}\n")
    _write(cg / f"memory/docker/{ID_A}/memory.stat", "cache 4096\nrss 49152\ntotal_cache 16384\n")
    _write(cg / f"blkio/docker/{ID_A}/blkio.throttle.io_service_bytes_recursive",
           f"8:0 Read {rx}\n8:0 Write 0\nTotal {rx}\n")
    (cg / f"unified/docker/{ID_A}").mkdir(parents=True, exist_ok=True)


def _v2_tree(root: Path, pid: int, usage_usec: int) -> None:
    """A pure v2 host with the systemd driver."""
    scope = f"system.slice/docker-{ID_A}.scope"
    _write(root / "proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n")
    _write(root / f"proc/{pid}/cgroup", f"0::/{scope}\n")
    _write(root / "proc/meminfo", MEMINFO)
    _write(root / f"proc/{pid}/net/dev", NET_DEV.format(lo=0, rx=100, tx=200))
    cg = root / "sys/fs/cgroup" / scope
    _write(cg / "cpu.stat", f"usage_usec {usage_usec}\nuser_usec 1\nsystem_usec 1\n")
    _write(cg / "memory.current", "1048576\n")
    _write(cg / "memory.max", "max\n")
    _write(cg / "memory.stat", "anon 524288\nfile 262144\n")
    _write(cg / "io.stat", "253:0 rbytes=8192 wbytes=4096 rios=2 wios=1 dbytes=0 dios=0\n")


def test_cgroup_reader_v1(tmp_path: Path) -> None:
    _v1_tree(tmp_path, 42, cpu_ns=1_165_218_400, rx=3470)
    reader = CgroupReader(tmp_path / "proc", tmp_path)
    files = reader.files(42)
    assert files is not None and not (files.cpu_v2 or files.memory_v2 or files.io_v2)
    c = reader.read(files)
    assert c is not None
    assert c.cpu_ns == 1_165_218_400
    assert (c.memory_bytes, c.memory_limit) == (700416 - 16384, 64 << 20)
    assert (c.read_bytes, c.write_bytes, c.rx_bytes, c.tx_bytes) == (3470, 0, 3470, 6940)
    assert reader.files(43) is None  # no such process


def test_cgroup_reader_v2(tmp_path: Path) -> None:
    _v2_tree(tmp_path, 7, usage_usec=2500)
    reader = CgroupReader(tmp_path / "proc", tmp_path)
    files = reader.files(7)
    assert files is not None and files.cpu_v2 and files.memory_v2 and files.io_v2
    assert reader.read(files) == (2_500_000, 1048576 - 262144, None, 8192, 4096, 100, 200)


def test_sampler_rates_and_limits(tmp_path: Path) -> None:
    _v1_tree(tmp_path, 42, cpu_ns=10 * NS, rx=1000)
    sampler = ContainerSampler(CgroupReader(tmp_path / "proc", tmp_path), ncpu=2, host_memory=24684116 * 1024)
    first = sampler.sample(ID_A, 42, 100 * NS)
    assert set(first) == {k.MEMORY_USAGE}  # rates need two readings
    mem = first.get(k.MEMORY_USAGE)
    assert mem is not None and list(mem.samples()) == [(100 * NS, 700416.0 - 16384)] and mem.max == 64 << 20
    _v1_tree(tmp_path, 42, cpu_ns=10 * NS + NS // 2, rx=3000, limit=(1 << 63) - 4096)  # unlimited now
    second = sampler.sample(ID_A, 42, 102 * NS)
    cpu = second.get(k.CPU_TOTAL_USAGE)
    assert cpu is not None and cpu.last() == pytest.approx(12.5) and cpu.max == 100.0  # 0.25 s/s of 2 CPUs
    assert second.entries[k.NETWORK_RX_RATE].last() == 1000.0
    assert second.entries[k.NETWORK_TX_RATE].last() == 2000.0
    assert second.entries[k.BLOCK_READ_RATE].last() == 1000.0
    assert second.entries[k.MEMORY_USAGE].max == 24684116 * 1024
    _v1_tree(tmp_path, 42, cpu_ns=1, rx=3000)  # the counters went back (cgroup re-created): no CPU sample
    assert k.CPU_TOTAL_USAGE not in sampler.sample(ID_A, 42, 103 * NS)
    assert k.NETWORK_RX_RATE not in sampler.sample(ID_A, 42, 104 * NS, network=False)
    sampler.retain([])
    assert set(sampler.sample(ID_A, 42, 105 * NS)) == {k.MEMORY_USAGE}  # forgotten: starts over


# ---- process -> container -------------------------------------------------------------------------------------


def test_container_mapper_caches_and_expires(tmp_path: Path) -> None:
    now = [0.0]
    mapper = ContainerMapper(tmp_path, negative_ttl=10.0, clock=lambda: now[0])
    _write(tmp_path / "5/cgroup", V1_CGROUP)
    _write(tmp_path / "6/cgroup", b"0::/init.scope\n")
    assert mapper.container_of(5) == ID_A
    assert mapper.container_of(6) is None
    assert mapper.container_of(7) is None  # no such process
    _write(tmp_path / "6/cgroup", f"0::/docker/{ID_B}\n")  # runc moved it into a container's cgroup
    assert mapper.container_of(6) is None  # cached "no container"...
    now[0] = 11.0
    assert mapper.container_of(6) == ID_B  # ...until it expires
    # pid 5 exits and a new process gets the pid: a new /proc/5 inode, so no stale answer.
    _write(tmp_path / "new5/cgroup", b"0::/\n")
    os.rename(tmp_path / "5", tmp_path / "old5")
    os.rename(tmp_path / "new5", tmp_path / "5")
    assert mapper.container_of(5) is None


def test_container_of_a_missing_process_is_none(tmp_path: Path) -> None:
    assert container_of(424242, tmp_path) is None

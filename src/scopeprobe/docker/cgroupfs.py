"""A running container's resource counters, read from its cgroup files and its network namespace.

Docker's stats API takes 1-2 s per container for a CPU sample (it waits for a second reading), and Scope kept a
stats stream open per container, which cost dockerd about 2 % of a core for six containers (reference notes §7).
The kernel has the same counters in a few small files: about six reads per container per report.

Where the files are comes from the container's init process: /proc/<pid>/cgroup names its cgroup per hierarchy
(any driver, v1 or v2), and the probe's mountinfo says where each hierarchy is mounted. `fs_root` prefixes every
mount point, so a test can point the reader at a fixture tree.
"""

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from scopeprobe.procfs._io import read_at
from scopeprobe.procfs.parse_net import parse_net_dev
from scopeprobe.procfs.parse_system import parse_mountinfo
from scopeprobe.procfs.records import Mount

from .cgroups import flat_keyed_value, parse_blkio_bytes, parse_int, parse_io_stat, parse_proc_cgroup

_V1_CONTROLLERS = frozenset(("cpu", "cpuacct", "memory", "blkio"))
# blkio files by preference: the throttle ones exist on every kernel (the others only with CFQ/BFQ schedulers).
_BLKIO_FILES = ("blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes",
                "blkio.io_service_bytes_recursive")


class Hierarchies(NamedTuple):
    """Where cgroup hierarchies are mounted: v1 controller -> (mount root, mount point); the v2 mount."""

    v1: Mapping[str, tuple[str, str]]
    v2: tuple[str, str] | None


def find_hierarchies(mounts: Iterable[Mount]) -> Hierarchies:
    """The cgroup mounts of a mountinfo: v1 ones by the controllers in their super options ("rw,cpu,cpuacct")."""
    v1: dict[str, tuple[str, str]] = {}
    v2: tuple[str, str] | None = None
    for m in mounts:
        if m.fstype == "cgroup":
            for opt in m.super_options.split(","):
                if opt in _V1_CONTROLLERS:
                    v1.setdefault(opt, (m.root, m.mount_point))
        elif m.fstype == "cgroup2" and v2 is None:
            v2 = (m.root, m.mount_point)
    return Hierarchies(v1, v2)


class CounterFiles(NamedTuple):
    """The files one container's counters are read from; None where no hierarchy has them."""

    cpu: str | None  # cpuacct.usage (ns) or v2 cpu.stat (usage_usec)
    memory: str | None  # directory holding memory.usage_in_bytes + limit_in_bytes + stat, or v2 memory.*
    blkio: str | None  # a v1 blkio file or v2 io.stat
    net_dev: str | None  # /proc/<pid>/net/dev: the container's network namespace
    cpu_v2: bool = False
    memory_v2: bool = False
    io_v2: bool = False


class Counters(NamedTuple):
    """One reading of a container's counters; None where unavailable."""

    cpu_ns: int | None  # CPU time used since the container started
    memory_bytes: int | None  # usage without page cache (what docker stats and Scope show)
    memory_limit: int | None  # bytes; None if unlimited
    read_bytes: int | None
    write_bytes: int | None
    rx_bytes: int | None  # all interfaces but loopback
    tx_bytes: int | None


def _join(fs_root: Path, mount: tuple[str, str], cg_path: str) -> str:
    root, point = mount
    # A mount of a sub-tree (root "/docker/x", as inside a container) holds paths relative to that root.
    rel = cg_path[len(root):] if root != "/" and cg_path.startswith(root) else cg_path
    return str(fs_root / point.lstrip("/") / rel.lstrip("/"))


def _first_existing(*paths: str) -> str | None:
    return next((p for p in paths if os.path.exists(p)), None)


class CgroupReader:
    """Finds and reads containers' counter files. Mounts are read once: cgroup hierarchies are mounted at boot."""

    def __init__(self, proc_root: Path = Path("/proc"), fs_root: Path = Path("/")) -> None:
        self.proc_root = proc_root
        self.fs_root = fs_root
        path = f"{proc_root}/self/mountinfo"
        try:
            self.hierarchies = find_hierarchies(parse_mountinfo(read_at(None, path), path))
        except OSError:
            self.hierarchies = Hierarchies({}, None)

    def files(self, pid: int) -> CounterFiles | None:
        """Where the counters of the container whose init process is pid are; None if the process is gone."""
        path = f"{self.proc_root}/{pid}/cgroup"
        try:
            lines = parse_proc_cgroup(read_at(None, path), path)
        except (FileNotFoundError, ProcessLookupError):
            return None  # the container stopped since it was inspected: normal
        v1 = self.hierarchies.v1
        by_controller = {c: line.path for line in lines for c in line.controllers}
        unified_path = next((line.path for line in lines if line.hierarchy == 0 and not line.controllers), None)
        unified = (_join(self.fs_root, self.hierarchies.v2, unified_path)
                   if self.hierarchies.v2 and unified_path is not None else None)

        def v1_dir(controller: str) -> str | None:
            if controller in v1 and controller in by_controller:
                return _join(self.fs_root, v1[controller], by_controller[controller])
            return None

        # Per resource, v1 when its controller is mounted there (hybrid systems mount v2 without controllers).
        cpuacct, memory, blkio = v1_dir("cpuacct"), v1_dir("memory"), v1_dir("blkio")
        cpu = f"{cpuacct}/cpuacct.usage" if cpuacct else None
        cpu_v2 = cpu is None and unified is not None and os.path.exists(f"{unified}/cpu.stat")
        memory_v2 = memory is None and unified is not None and os.path.exists(f"{unified}/memory.current")
        io = _first_existing(*(f"{blkio}/{name}" for name in _BLKIO_FILES)) if blkio else None
        io_v2 = io is None and unified is not None and os.path.exists(f"{unified}/io.stat")
        return CounterFiles(
            cpu=f"{unified}/cpu.stat" if cpu_v2 else cpu,
            memory=unified if memory_v2 else memory,
            blkio=f"{unified}/io.stat" if io_v2 else io,
            net_dev=f"{self.proc_root}/{pid}/net/dev",
            cpu_v2=cpu_v2,
            memory_v2=memory_v2,
            io_v2=io_v2,
        )

    @staticmethod
    def read(files: CounterFiles) -> Counters | None:
        """The counters now; None if the container's cgroup or process went away meanwhile."""
        try:
            return _read(files)
        except (FileNotFoundError, ProcessLookupError):
            return None  # stopped between two reads: the next report will not list it as running


def _read(f: CounterFiles) -> Counters:
    cpu_ns = memory = limit = rd = wr = rx = tx = None
    if f.cpu is not None:
        data = read_at(None, f.cpu)
        cpu_ns = (flat_keyed_value(data, b"usage_usec", f.cpu) or 0) * 1000 if f.cpu_v2 else parse_int(data, f.cpu)
    if f.memory is not None:
        memory, limit = _memory(f.memory, f.memory_v2)
    if f.blkio is not None:
        data = read_at(None, f.blkio)
        rd, wr = parse_io_stat(data, f.blkio) if f.io_v2 else parse_blkio_bytes(data, f.blkio)
    if f.net_dev is not None:
        rx = tx = 0
        for dev in parse_net_dev(read_at(None, f.net_dev), f.net_dev):
            if dev.name != "lo":
                rx += dev.rx_bytes
                tx += dev.tx_bytes
    return Counters(cpu_ns, memory, limit, rd, wr, rx, tx)


# v1's "unlimited" is PAGE_COUNTER_MAX pages rounded: anything this large means no limit.
_V1_UNLIMITED = 1 << 62


def _memory(directory: str, v2: bool) -> tuple[int, int | None]:
    # Scope showed usage minus cache (docker's MemoryStats.Stats.Cache): page cache is reclaimable.
    cache_keys: tuple[bytes, ...]
    if v2:
        usage_file, limit_file, cache_keys = "memory.current", "memory.max", (b"file",)
    else:
        usage_file, limit_file = "memory.usage_in_bytes", "memory.limit_in_bytes"
        cache_keys = (b"total_cache", b"cache")
    usage = parse_int(read_at(None, f"{directory}/{usage_file}"), f"{directory}/{usage_file}")
    limit = parse_int(read_at(None, f"{directory}/{limit_file}"), f"{directory}/{limit_file}")
    stat_path = f"{directory}/memory.stat"
    stat = read_at(None, stat_path)
    cache = next((v for k in cache_keys if (v := flat_keyed_value(stat, k, stat_path)) is not None), 0)
    return max(0, usage - cache), None if limit < 0 or limit >= _V1_UNLIMITED else limit


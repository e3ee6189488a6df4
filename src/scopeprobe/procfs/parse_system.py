"""Parsers of system-wide /proc files: stat, meminfo, loadavg, uptime, diskstats, mountinfo, filesystems."""

from scopeprobe.errors import ParseError
from scopeprobe.procfs._text import fields, number, text, unescape_octal
from scopeprobe.procfs.records import CpuTimes, DiskStat, FsType, LoadAvg, MemInfo, Mount, SystemStat, Uptime


def _cpu_times(values: list[bytes], path: str, line: int) -> CpuTimes:
    # Kernels before 2.6.33 print fewer than ten columns; the missing ones are zero.
    nums = [number(v, path, line, "cpu time") for v in values[:10]]
    return CpuTimes(*nums, *([0] * (10 - len(nums))))


def parse_proc_stat(data: bytes, path: str = "/proc/stat") -> SystemStat:
    """/proc/stat: the `cpu` totals, one `cpuN` per online CPU, btime, processes, procs_running/blocked.

    >>> s = parse_proc_stat(b"cpu  10 0 5 80 1 0 2 0 0 0\\ncpu0 10 0 5 80 1 0 2 0 0 0\\nintr 1 2\\nctxt 9\\n"
    ...                     b"btime 1700000000\\nprocesses 77\\nprocs_running 2\\nprocs_blocked 0\\n")
    >>> s.cpu.total, s.cpu.busy, len(s.cpus), s.boot_time, s.forks
    (98, 17, 1, 1700000000, 77)
    """
    cpu: CpuTimes | None = None
    cpus: list[CpuTimes] = []
    values: dict[bytes, int] = {}
    for lineno, line in enumerate(data.split(b"\n"), 1):
        parts = line.split()
        if not parts:
            continue
        key = parts[0]
        if key == b"cpu":
            cpu = _cpu_times(fields(line, path, lineno, 5)[1:], path, lineno)
        elif key.startswith(b"cpu"):
            cpus.append(_cpu_times(fields(line, path, lineno, 5)[1:], path, lineno))
        elif key in (b"btime", b"processes", b"procs_running", b"procs_blocked"):
            values[key] = number(fields(line, path, lineno, 2)[1], path, lineno, key.decode())
    if cpu is None or b"btime" not in values:
        raise ParseError(path, None, "missing the 'cpu' or 'btime' line")
    return SystemStat(
        cpu=cpu,
        cpus=tuple(cpus),
        boot_time=values[b"btime"],
        forks=values.get(b"processes", 0),
        procs_running=values.get(b"procs_running", 0),
        procs_blocked=values.get(b"procs_blocked", 0),
    )


_MEMINFO_KEYS = {
    b"MemTotal": "total",
    b"MemFree": "free",
    b"MemAvailable": "available",
    b"Buffers": "buffers",
    b"Cached": "cached",
    b"SwapTotal": "swap_total",
    b"SwapFree": "swap_free",
}
_MEMINFO_REQUIRED = ("total", "free", "buffers", "cached")


def parse_meminfo(data: bytes, path: str = "/proc/meminfo") -> MemInfo:
    """/proc/meminfo, converted from kB to bytes.

    >>> parse_meminfo(b"MemTotal:  1000 kB\\nMemFree:  200 kB\\nMemAvailable:  600 kB\\nBuffers:  50 kB\\n"
    ...               b"Cached:  300 kB\\nSwapTotal:  0 kB\\nSwapFree:  0 kB\\nHugePages_Total:  0\\n")
    ... # doctest: +NORMALIZE_WHITESPACE
    MemInfo(total=1024000, free=204800, available=614400, buffers=51200, cached=307200, swap_total=0,
            swap_free=0)
    """
    got: dict[str, int] = {}
    for lineno, line in enumerate(data.split(b"\n"), 1):
        key, sep, rest = line.partition(b":")
        name = _MEMINFO_KEYS.get(key)
        if name is None or not sep:
            continue
        parts = fields(rest, path, lineno, 1)
        # Every field we read is in kB ("kB" really means KiB: fs/proc/meminfo.c shifts by 10).
        got[name] = number(parts[0], path, lineno, key.decode()) * 1024
    missing = [k for k in _MEMINFO_REQUIRED if k not in got]
    if missing:
        raise ParseError(path, None, f"missing {', '.join(missing)}")
    if "available" not in got:  # kernels before 3.14
        got["available"] = got["free"] + got["buffers"] + got["cached"]
    return MemInfo(
        total=got["total"],
        free=got["free"],
        available=got["available"],
        buffers=got["buffers"],
        cached=got["cached"],
        swap_total=got.get("swap_total", 0),
        swap_free=got.get("swap_free", 0),
    )


def parse_loadavg(data: bytes, path: str = "/proc/loadavg") -> LoadAvg:
    """/proc/loadavg.

    >>> parse_loadavg(b"1.16 1.19 0.66 3/104 9606\\n")
    LoadAvg(load1=1.16, load5=1.19, load15=0.66, running=3, entities=104, last_pid=9606)
    """
    parts = fields(data, path, 1, 5)
    running, sep, entities = parts[3].partition(b"/")
    try:
        if not sep:
            raise ValueError("no running/total")
        return LoadAvg(float(parts[0]), float(parts[1]), float(parts[2]), int(running), int(entities), int(parts[4]))
    except ValueError as e:
        raise ParseError(path, 1, f"bad field: {e}") from None


def parse_uptime(data: bytes, path: str = "/proc/uptime") -> Uptime:
    """/proc/uptime: seconds since boot and idle seconds summed over CPUs.

    >>> parse_uptime(b"950.91 1148.31\\n")
    Uptime(seconds=950.91, idle_seconds=1148.31)
    """
    parts = fields(data, path, 1, 2)
    try:
        return Uptime(float(parts[0]), float(parts[1]))
    except ValueError as e:
        raise ParseError(path, 1, f"bad field: {e}") from None


def parse_diskstats(data: bytes, path: str = "/proc/diskstats") -> list[DiskStat]:
    """/proc/diskstats: 14 columns, 18 since 4.18 (discards) and 20 since 5.5 (flushes); we read the first 14.

    >>> parse_diskstats(b" 254       0 vda 5017 1432 379602 2004 2409 2120 125122 5210 0 5488 7215 0 0 0 0 0 0\\n")
    ... # doctest: +NORMALIZE_WHITESPACE
    [DiskStat(major=254, minor=0, name='vda', reads=5017, sectors_read=379602, read_ms=2004, writes=2409,
              sectors_written=125122, write_ms=5210, in_flight=0, io_ms=5488)]
    """
    out: list[DiskStat] = []
    for lineno, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        p = fields(line, path, lineno, 14)
        n = [number(p[i], path, lineno, "counter") if i != 2 else 0 for i in range(14)]
        out.append(DiskStat(n[0], n[1], text(p[2]), n[3], n[5], n[6], n[7], n[9], n[10], n[11], n[12]))
    return out


def parse_mountinfo(data: bytes, path: str = "/proc/self/mountinfo") -> list[Mount]:
    r"""/proc/<pid>/mountinfo: ten fixed fields around a variable list of optional fields ended by "-".

    >>> parse_mountinfo(b"36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n")
    ... # doctest: +NORMALIZE_WHITESPACE
    [Mount(mount_id=36, parent_id=35, major=98, minor=0, root='/mnt1', mount_point='/mnt/my disk',
           options='rw,noatime', fstype='ext3', source='/dev/root', super_options='rw,errors=continue')]
    """
    out: list[Mount] = []
    for lineno, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        p = fields(line, path, lineno, 10)
        try:
            dash = p.index(b"-", 6)
        except ValueError:
            raise ParseError(path, lineno, f"no '-' separator: {line[:80]!r}") from None
        if len(p) < dash + 4:
            raise ParseError(path, lineno, f"expected fstype, source and options after '-': {line[:80]!r}")
        major, sep, minor = p[2].partition(b":")
        if not sep:
            raise ParseError(path, lineno, f"bad major:minor {p[2]!r}")
        out.append(
            Mount(
                mount_id=number(p[0], path, lineno, "mount id"),
                parent_id=number(p[1], path, lineno, "parent id"),
                major=number(major, path, lineno, "major"),
                minor=number(minor, path, lineno, "minor"),
                root=unescape_octal(p[3]),
                mount_point=unescape_octal(p[4]),
                options=text(p[5]),
                fstype=text(p[dash + 1]),
                source=unescape_octal(p[dash + 2]),
                super_options=text(p[dash + 3]),
            )
        )
    return out


def parse_filesystems(data: bytes, path: str = "/proc/filesystems") -> list[FsType]:
    r"""/proc/filesystems: the filesystem types the kernel knows, "nodev" when no block device backs them.

    >>> parse_filesystems(b"nodev\tsysfs\n\text4\n")
    [FsType(name='sysfs', nodev=True), FsType(name='ext4', nodev=False)]
    """
    out: list[FsType] = []
    for lineno, line in enumerate(data.split(b"\n"), 1):
        p = line.split()
        if not p:
            continue
        if len(p) == 1:
            out.append(FsType(text(p[0]), nodev=False))
        elif len(p) == 2 and p[0] == b"nodev":
            out.append(FsType(text(p[1]), nodev=True))
        else:
            raise ParseError(path, lineno, f"expected '[nodev] name': {line[:80]!r}")
    return out

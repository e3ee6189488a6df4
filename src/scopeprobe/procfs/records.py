"""The records the procfs parsers and readers return: plain `NamedTuple`s (psutil `_ntuples.py`).

Units are stated per field. Clock ticks are USER_HZ (`os.sysconf("SC_CLK_TCK")`, 100 on every Linux ABI we run
on); byte counts are bytes unless a name says pages or sectors.
"""

from collections.abc import Mapping
from enum import IntEnum, StrEnum
from typing import NamedTuple

# What the kernel prints for an unlimited rlimit (RLIM_INFINITY, include/uapi/linux/resource.h), also the value
# of /proc/<pid>/stat's rsslim when unlimited: Scope reported it as is (1.8e19) as the memory metric's max.
RLIM_INFINITY = 2**64 - 1


class TcpState(IntEnum):
    """The `st` column of /proc/net/tcp* (include/net/tcp_states.h). UDP uses ESTABLISHED (connected) and CLOSE."""

    ESTABLISHED = 1
    SYN_SENT = 2
    SYN_RECV = 3
    FIN_WAIT1 = 4
    FIN_WAIT2 = 5
    TIME_WAIT = 6
    CLOSE = 7
    CLOSE_WAIT = 8
    LAST_ACK = 9
    LISTEN = 10
    CLOSING = 11
    NEW_SYN_RECV = 12


class Proto(StrEnum):
    """Which /proc/net table a socket came from."""

    TCP = "tcp"
    UDP = "udp"


# ---- per process ---------------------------------------------------------------------------------------------


class PidStat(NamedTuple):
    """/proc/<pid>/stat (proc(5)): the fields Scope reads plus start time and virtual size."""

    pid: int
    comm: str  # at most 15 bytes, may hold spaces and parentheses
    state: str  # R S D Z T t X I ...
    ppid: int
    utime: int  # clock ticks
    stime: int  # clock ticks
    threads: int
    starttime: int  # clock ticks after boot; (pid, starttime) identifies a process across pid reuse
    vsize: int  # bytes
    rss_pages: int
    rsslim: int  # bytes; RLIM_INFINITY when unlimited

    @property
    def jiffies(self) -> int:
        """CPU time used, user plus system, in clock ticks (Scope's `Jiffies`)."""
        return self.utime + self.stime


class Ids(NamedTuple):
    """The four ids of a `Uid:` or `Gid:` line of /proc/<pid>/status."""

    real: int
    effective: int
    saved: int
    filesystem: int


class PidStatus(NamedTuple):
    """The fields of /proc/<pid>/status that /proc/<pid>/stat lacks."""

    name: str
    tgid: int
    uids: Ids
    gids: Ids
    nspid: tuple[int, ...]  # the pid in each pid namespace it is in, outermost first (kernel >= 4.1)


class Cmdline(NamedTuple):
    """/proc/<pid>/cmdline, read the way Scope reads it (probe/process/walker_linux.go)."""

    name: str  # argv[0], or "[comm]" for kernel threads and zombies whose argv is empty
    line: str  # the arguments joined by spaces, or "[comm]" as ps(1) shows it when there are none
    args: tuple[str, ...]  # empty for kernel threads


class FileLimits(NamedTuple):
    """The `Max open files` row of /proc/<pid>/limits."""

    soft: int  # RLIM_INFINITY when unlimited
    hard: int


# ---- network -------------------------------------------------------------------------------------------------


class NetSocket(NamedTuple):
    """One row of /proc/<pid>/net/{tcp,tcp6,udp,udp6}."""

    proto: Proto
    family: int  # socket.AF_INET or socket.AF_INET6
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    state: int  # a TcpState value
    uid: int
    inode: int  # 0 for sockets no file refers to any more (TIME_WAIT, orphans)


class NetDev(NamedTuple):
    """One interface's counters from /proc/net/dev."""

    name: str
    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_dropped: int
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_dropped: int


# ---- system --------------------------------------------------------------------------------------------------


class CpuTimes(NamedTuple):
    """A `cpu` line of /proc/stat, in clock ticks. Older kernels print fewer columns; the missing ones are 0."""

    user: int
    nice: int
    system: int
    idle: int
    iowait: int
    irq: int
    softirq: int
    steal: int
    guest: int  # already counted in user (kernel/sched/cputime.c), so left out of total
    guest_nice: int  # already counted in nice

    @property
    def total(self) -> int:
        """All ticks, idle included (Scope's GetCPUUsagePercent sum)."""
        return self.user + self.nice + self.system + self.idle + self.iowait + self.irq + self.softirq + self.steal

    @property
    def busy(self) -> int:
        """Ticks not idle and not waiting for I/O."""
        return self.total - self.idle - self.iowait


class SystemStat(NamedTuple):
    """/proc/stat."""

    cpu: CpuTimes  # all CPUs together
    cpus: tuple[CpuTimes, ...]  # one per online CPU
    boot_time: int  # seconds since the epoch (btime)
    forks: int  # processes created since boot
    procs_running: int
    procs_blocked: int


class MemInfo(NamedTuple):
    """/proc/meminfo, in bytes."""

    total: int
    free: int
    available: int  # MemAvailable (kernel >= 3.14); free + buffers + cached before that
    buffers: int
    cached: int
    swap_total: int
    swap_free: int

    @property
    def used(self) -> int:
        """Scope's host memory usage: Total - Free - Buffers - Cached (probe/host/system_linux.go)."""
        return self.total - self.free - self.buffers - self.cached


class LoadAvg(NamedTuple):
    """/proc/loadavg."""

    load1: float
    load5: float
    load15: float
    running: int  # runnable scheduling entities now
    entities: int  # scheduling entities (threads) that exist
    last_pid: int


class Uptime(NamedTuple):
    """/proc/uptime, in seconds."""

    seconds: float
    idle_seconds: float  # summed over CPUs


class DiskStat(NamedTuple):
    """One device row of /proc/diskstats (Documentation/admin-guide/iostats.rst)."""

    major: int
    minor: int
    name: str
    reads: int  # completed
    sectors_read: int  # always 512-byte units, whatever the device's sector size
    read_ms: int
    writes: int
    sectors_written: int
    write_ms: int
    in_flight: int
    io_ms: int  # time the device had I/O in flight

    @property
    def read_bytes(self) -> int:
        """Bytes read since boot."""
        return self.sectors_read * 512

    @property
    def written_bytes(self) -> int:
        """Bytes written since boot."""
        return self.sectors_written * 512


class Mount(NamedTuple):
    """One line of /proc/<pid>/mountinfo (proc(5)), with octal escapes (\\040 for a space) decoded."""

    mount_id: int
    parent_id: int
    major: int
    minor: int
    root: str  # the directory of the filesystem that is mounted here
    mount_point: str
    options: str
    fstype: str
    source: str
    super_options: str


class FsType(NamedTuple):
    """One line of /proc/filesystems."""

    name: str
    nodev: bool  # not backed by a block device (proc, tmpfs, cgroup, overlay, ...)


# ---- reader results ------------------------------------------------------------------------------------------


class Denied(NamedTuple):
    """A part of a process the reader was not allowed to read (an unprivileged probe reports what it can)."""

    pid: int
    path: str  # e.g. "/proc/42/fd"


class Process(NamedTuple):
    """One process as the walker saw it: what Scope's walker reads, plus user, cwd, start time, VSZ and netns."""

    pid: int
    ppid: int
    name: str  # Scope's name: argv[0], or "[comm]"
    cmdline: str
    comm: str
    state: str
    threads: int
    uid: int  # real uid
    user: str  # the uid's name in the probe's passwd database, or the uid as digits
    cwd: str | None  # None when denied
    start_ticks: int  # starttime of /proc/<pid>/stat: with pid, the process's identity
    start_time: float  # seconds since the epoch
    jiffies: int  # utime + stime, clock ticks
    rss_bytes: int
    vsz_bytes: int
    rss_limit_bytes: int  # RLIM_INFINITY when unlimited (Scope's memory metric max)
    open_files: int | None  # None when denied
    open_files_limit: int | None  # soft limit; None when unreadable
    cpu_percent: float | None  # of one CPU (max 100 x ncpu); None on a process's first walk
    netns: int | None  # inode of its network namespace; None when denied


class ProcessSnapshot(NamedTuple):
    """The result of one walk of /proc."""

    processes: tuple[Process, ...]  # sorted by pid
    denied: tuple[Denied, ...]
    ncpu: int
    cpu_max: float  # 100 x ncpu: the max of every process's cpu_percent (Scope's maxCPU)
    boot_time: int  # seconds since the epoch


class Connection(NamedTuple):
    """A socket of a process (or of nobody we could see), in a network namespace."""

    pid: int | None  # the lowest pid holding the socket; None when no fd we could read refers to it
    netns: int
    proto: Proto
    family: int
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    state: int
    uid: int
    inode: int


class NetworkSnapshot(NamedTuple):
    """The result of one socket scan."""

    connections: tuple[Connection, ...]  # TCP in Scope's states, connected UDP
    listening: tuple[Connection, ...]  # TCP LISTEN and bound, unconnected UDP
    namespaces: Mapping[int, tuple[int, ...]]  # netns inode -> the pids in it
    denied: tuple[Denied, ...]
    fds_scanned: int  # fd links read this scan (the budget's unit)
    stale: int  # processes due for an fd scan (new, fd count changed, or older than the refresh period) that
    # the fd budget left for a later scan: their sockets show with an older pid mapping, or pid None

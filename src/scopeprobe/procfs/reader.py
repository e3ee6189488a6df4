"""The process walker: one `Process` per /proc/<pid>, with CPU % from the previous walk (Scope's
probe/process/walker_linux.go, reporter.go).

Per pid it reads stat, the fd count, cwd and the netns link every walk; cmdline and limits are cached 60 s like
Scope's, but keyed by (pid, starttime) so a reused pid never inherits a stale command line. The uid (status) is
cached with them and re-read when the owner of /proc/<pid> changes, which is how a setuid() shows.
Everything is relative to `root` (the probe's `--proc-root`: a host /proc mounted into a container).
"""

import os
import pwd
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from scopeprobe.errors import AccessDenied, NoSuchProcess, ProbeError, from_oserror
from scopeprobe.procfs._io import open_dir, read_at, read_proc
from scopeprobe.procfs.parse import (
    parse_cmdline,
    parse_limits,
    parse_link_inode,
    parse_mountinfo,
    parse_proc_stat,
    parse_stat,
    parse_status,
    parse_uptime,
)
from scopeprobe.procfs.records import Cmdline, Denied, Process, ProcessSnapshot

PROC_ROOT = Path("/proc")
CACHE_TTL = 60.0  # seconds; Scope's limitsCacheTimeout and cmdlineCacheTimeout


class _Static(NamedTuple):
    """What changes rarely enough to cache: cmdline, the open files limit and the uid (from status)."""

    taken_at: float
    owner: int  # st_uid of /proc/<pid> when read: procfs updates it on every lookup (pid_update_inode)
    cmdline: Cmdline
    open_files_limit: int | None
    uid: int


class _Optional(NamedTuple):
    """The parts of a process that may be denied (other users' processes) or gone (zombies)."""

    open_files: int | None
    cwd: str | None
    netns: int | None


def user_names() -> Callable[[int], str]:
    """A uid -> user name lookup in the probe's passwd database, memoised; unknown uids come back as digits."""
    names: dict[int, str] = {}

    def lookup(uid: int) -> str:
        name = names.get(uid)
        if name is None:
            try:
                name = pwd.getpwuid(uid).pw_name
            except KeyError:
                name = str(uid)
            names[uid] = name
        return name

    return lookup


def fd_dir_size_is_count(root: Path) -> bool:
    """Whether stat(<root>/<pid>/fd).st_size is the number of open fds: on procfs since Linux 6.2 (commit
    f1f1f2569901, "fs/proc: report open files as size in stat() for /proc/pid/fd"). One stat instead of a
    readdir, and it needs no permission on the fd directory. False for fixture trees, which are not procfs."""
    release = os.uname().release.split(".")
    try:
        if (int(release[0]), int(release[1].split("-")[0])) < (6, 2):
            return False
        # The probe's own mount table (not root's): it tells what the path `root` is, here.
        mounts = parse_mountinfo(read_at(None, "/proc/self/mountinfo"))
    except (OSError, ValueError, IndexError, ProbeError):
        return False
    where = os.path.realpath(root)
    return any(m.mount_point == where and m.fstype == "proc" for m in mounts)


class ProcessWalker:
    """Walks a /proc tree; keeps what the next walk needs (previous CPU times, the cmdline/limits cache)."""

    def __init__(
        self,
        root: Path = PROC_ROOT,
        *,
        clock: Callable[[], float] = time.monotonic,
        cache_ttl: float = CACHE_TTL,
        user_name: Callable[[int], str] | None = None,
        page_size: int | None = None,
        clock_ticks: int | None = None,
        fd_count_from_size: bool | None = None,
    ) -> None:
        self.root = root
        self._root = str(root)
        self._clock = clock
        self._ttl = cache_ttl
        self._user_name = user_name or user_names()
        self._page_size = page_size or os.sysconf("SC_PAGE_SIZE")
        self._hz = clock_ticks or os.sysconf("SC_CLK_TCK")
        self._fd_size = fd_dir_size_is_count(root) if fd_count_from_size is None else fd_count_from_size
        self._static: dict[tuple[int, int], _Static] = {}
        self._jiffies: dict[tuple[int, int], int] = {}  # (pid, starttime) -> jiffies at the previous walk
        self._prev_total: int | None = None  # all CPUs' ticks at the previous walk
        self._prev_uptime_ticks = 0.0

    def pids(self) -> list[int]:
        """The pids of the processes (not threads) under root, ascending."""
        return sorted(int(name) for name in os.listdir(self._root) if name.isdigit())

    def walk(self) -> ProcessSnapshot:
        """Read every process. Vanished pids are skipped; denied parts are None and listed in `denied`."""
        system = parse_proc_stat(read_at(None, f"{self._root}/stat"), f"{self._root}/stat")
        uptime_ticks = parse_uptime(read_at(None, f"{self._root}/uptime")).seconds * self._hz
        ncpu = max(1, len(system.cpus))
        total = system.cpu.total
        # Ticks one CPU lived through since the previous walk. Scope divided by all CPUs' ticks yet declared a max
        # of 100 x ncpu; per one CPU (top's convention) is what that max means.
        elapsed = (total - self._prev_total) / ncpu if self._prev_total is not None else 0.0
        now = self._clock()
        denied: list[Denied] = []
        out: list[Process] = []
        static: dict[tuple[int, int], _Static] = {}
        jiffies: dict[tuple[int, int], int] = {}
        for pid in self.pids():
            try:
                proc = self._read(pid, system.boot_time, now, static, denied)
            except NoSuchProcess:
                continue  # exited since listdir: a normal race, not an error (psutil does the same)
            except AccessDenied as e:
                denied.append(Denied(pid, e.path))
                continue
            key = (pid, proc.start_ticks)
            jiffies[key] = proc.jiffies
            prev = self._jiffies.get(key)
            if prev is None and self._prev_total is not None and proc.start_ticks >= self._prev_uptime_ticks:
                prev = 0  # started since the previous walk: all its CPU time falls in this interval
            if prev is not None and elapsed > 0:
                proc = proc._replace(cpu_percent=max(0.0, (proc.jiffies - prev) / elapsed * 100.0))
            out.append(proc)
        self._static, self._jiffies = static, jiffies  # forget processes that are gone
        self._prev_total, self._prev_uptime_ticks = total, uptime_ticks
        return ProcessSnapshot(
            processes=tuple(out),
            denied=tuple(denied),
            ncpu=ncpu,
            cpu_max=100.0 * ncpu,
            boot_time=system.boot_time,
        )

    def read(self, pid: int) -> Process:
        """One process, without CPU % (that needs two walks). Raises NoSuchProcess or AccessDenied."""
        system = parse_proc_stat(read_at(None, f"{self._root}/stat"), f"{self._root}/stat")
        return self._read(pid, system.boot_time, self._clock(), {}, [])

    def _read(
        self,
        pid: int,
        boot_time: int,
        now: float,
        static: dict[tuple[int, int], _Static],
        denied: list[Denied],
    ) -> Process:
        base = f"{self._root}/{pid}"
        path = base
        try:
            dfd = open_dir(base)
        except OSError as e:
            raise from_oserror(e, pid, base) from e
        try:
            path = f"{base}/stat"
            stat = parse_stat(read_proc(dfd, "stat"), path)
            owner = os.fstat(dfd).st_uid
            key = (pid, stat.starttime)
            cached = self._static.get(key)
            if cached is None or cached.owner != owner or now - cached.taken_at >= self._ttl:
                # The owner is the euid, or root for a non-dumpable process (task_dump_owner): a uid change
                # it cannot show waits for the TTL.
                path = f"{base}/status"
                uid = parse_status(read_proc(dfd, "status"), path).uids.real
                path = f"{base}/cmdline"
                cmdline = parse_cmdline(read_at(dfd, "cmdline"), stat.comm)
                cached = _Static(now, owner, cmdline, self._open_files_limit(dfd, base), uid)
            static[key] = cached
            opt = self._optional(pid, dfd, base, denied)
        except OSError as e:
            raise from_oserror(e, pid, path) from e
        finally:
            os.close(dfd)
        return Process(
            pid=pid,
            ppid=stat.ppid,
            name=cached.cmdline.name,
            cmdline=cached.cmdline.line,
            comm=stat.comm,
            state=stat.state,
            threads=stat.threads,
            uid=cached.uid,
            user=self._user_name(cached.uid),
            cwd=opt.cwd,
            start_ticks=stat.starttime,
            start_time=boot_time + stat.starttime / self._hz,
            jiffies=stat.jiffies,
            rss_bytes=stat.rss_pages * self._page_size,
            vsz_bytes=stat.vsize,
            rss_limit_bytes=stat.rsslim,
            open_files=opt.open_files,
            open_files_limit=cached.open_files_limit,
            cpu_percent=None,
            netns=opt.netns,
        )

    def _open_files_limit(self, dfd: int, base: str) -> int | None:
        try:
            return parse_limits(read_proc(dfd, "limits"), f"{base}/limits").soft
        except (OSError, ProbeError):
            return None  # limits is 0444, so this is a vanishing race or a kernel without the row

    def _optional(self, pid: int, dfd: int, base: str, denied: list[Denied]) -> _Optional:
        """fd count, cwd and netns: None when denied (recorded) or gone. A zombie has no fds, cwd or namespaces,
        though its stat and status stay readable until it is reaped. Inlined tries: this runs per pid per walk."""
        open_files: int | None = None
        cwd: str | None = None
        netns: int | None = None
        try:
            # A size of 0 is either no open fds or a kernel before 6.2: count the entries then.
            open_files = (os.stat("fd", dir_fd=dfd).st_size if self._fd_size else 0) or len(os.listdir(f"{base}/fd"))
        except OSError as e:
            _unless_gone(e, pid, f"{base}/fd", denied)
        try:
            cwd = os.readlink("cwd", dir_fd=dfd)
        except OSError as e:
            _unless_gone(e, pid, f"{base}/cwd", denied)
        try:
            netns = parse_link_inode(os.readlink("ns/net", dir_fd=dfd), "net")
        except OSError as e:
            _unless_gone(e, pid, f"{base}/ns/net", denied)
        return _Optional(open_files, cwd, netns)


def _unless_gone(e: OSError, pid: int, path: str, denied: list[Denied]) -> None:
    """Record a denial; let a vanished file pass; raise anything else."""
    err = from_oserror(e, pid, path)
    if isinstance(err, AccessDenied):
        denied.append(Denied(pid, path))
    elif not isinstance(err, NoSuchProcess):
        raise e

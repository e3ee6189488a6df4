"""Process -> container, by the process's cgroup (any cgroup driver, v1 or v2).

Scope walked the ppid tree up to a container's init process, which misses `docker exec` sessions (their parent is
containerd-shim, outside the container); the cgroup is the kernel's own answer and covers them.

    container_of(4576, Path("/proc")) -> "07ff543733b59cce60018b30780bb13bc80c45928f062e3b8be43c37a94be6a9"
    container_of(1, Path("/proc"))    -> None
"""

import os
import time
from collections.abc import Callable
from pathlib import Path

from scopeprobe.procfs._io import read_at

from .cgroups import container_ids_in_cgroup

PROC_ROOT = Path("/proc")


class ContainerMapper:
    """container_of with a cache, for one proc root.

    A hit costs one stat() instead of an open/read/close and a parse. The entry is checked against the inode
    of /proc/<pid>, which the kernel makes anew for a new process, so a reused pid is not mistaken for the old
    one. A "no container" answer expires after `negative_ttl` seconds: a process can move into a container's
    cgroup after we first look (runc's init joins it just before exec'ing the container's command), but
    never leaves one.
    """

    def __init__(self, proc_root: Path = PROC_ROOT, *, negative_ttl: float = 10.0, max_entries: int = 65536,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.proc_root = proc_root
        self._negative_ttl = negative_ttl
        self._max_entries = max_entries
        self._clock = clock
        # pid -> (inode of /proc/<pid>, innermost container ID or None, when the answer was read)
        self._cache: dict[int, tuple[int, str | None, float]] = {}

    def container_ids(self, pid: int) -> tuple[str, ...]:
        """Every Docker ID in the process's cgroup path, innermost first (uncached)."""
        try:
            return container_ids_in_cgroup(read_at(None, f"{self.proc_root}/{pid}/cgroup"))
        except (FileNotFoundError, ProcessLookupError):
            return ()  # the process exited: normal while walking /proc

    def container_of(self, pid: int) -> str | None:
        """The 64-hex ID of the Docker container the process is in, or None (no container, or no process)."""
        try:
            inode = os.stat(f"{self.proc_root}/{pid}").st_ino
        except (FileNotFoundError, ProcessLookupError):
            self._cache.pop(pid, None)
            return None
        now = self._clock()
        hit = self._cache.get(pid)
        if hit is not None and hit[0] == inode and (hit[1] is not None or now - hit[2] < self._negative_ttl):
            return hit[1]
        found = self.container_ids(pid)
        cid = found[0] if found else None
        if len(self._cache) >= self._max_entries:
            self._cache.clear()  # a crude bound: pids churn, and refilling costs one read per process
        self._cache[pid] = (inode, cid, now)
        return cid

    def forget(self, pids: set[int] | None = None) -> None:
        """Drop the cache (or these pids' entries), e.g. after a process walk found them gone."""
        if pids is None:
            self._cache.clear()
        else:
            for pid in pids:
                self._cache.pop(pid, None)


# The module-level function the probe asked for keeps one mapper per proc root. This is process-wide state on
# purpose: the cache is only worth having if every caller shares it.
_MAPPERS: dict[Path, ContainerMapper] = {}


def container_of(pid: int, proc_root: Path = PROC_ROOT) -> str | None:
    """The Docker container ID of a process, or None; cached (see ContainerMapper)."""
    mapper = _MAPPERS.get(proc_root)
    if mapper is None:
        mapper = _MAPPERS[proc_root] = ContainerMapper(proc_root)
    return mapper.container_of(pid)

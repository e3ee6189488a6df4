"""Capacity and usage of each real filesystem (psutil's disk_partitions(all=False) plus disk_usage)."""

import os
from pathlib import Path
from typing import NamedTuple

from scopeprobe.procfs._io import read_at
from scopeprobe.procfs.parse import parse_filesystems, parse_mountinfo
from scopeprobe.procfs.reader import PROC_ROOT


class DiskUsage(NamedTuple):
    """One mounted filesystem's size, in bytes."""

    mount_point: str  # as the mount namespace read sees it (not prefixed with host_root)
    device: str  # the mount source, e.g. /dev/vda
    fstype: str
    total_bytes: int
    used_bytes: int
    free_bytes: int  # available to unprivileged users (f_bavail), as df and psutil show it

    @property
    def used_percent(self) -> float:
        """df's Use%: used over what users can have (used + available), so root's reserve does not count."""
        usable = self.used_bytes + self.free_bytes
        return 100.0 * self.used_bytes / usable if usable else 0.0


def read_disk_usage(root: Path = PROC_ROOT, host_root: Path = Path("/"), pid: str = "self") -> list[DiskUsage]:
    """statvfs of every block-backed filesystem mounted in the mount namespace of `pid`, once per device.

    Block-backed means a type /proc/filesystems lists without "nodev" (so no proc, tmpfs, cgroup or overlay).
    A probe in a container passes pid="1" (the host's mount namespace, through --proc-root) and host_root set
    to where the host's / is mounted. Mounts it cannot stat (gone, denied, a hung network fs) are left out.
    """
    block = {fs.name for fs in parse_filesystems(read_at(None, f"{root}/filesystems")) if not fs.nodev}
    path = f"{root}/{pid}/mountinfo"
    seen: set[tuple[int, int]] = set()
    out: list[DiskUsage] = []
    for m in parse_mountinfo(read_at(None, path), path):
        if m.fstype not in block or (m.major, m.minor) in seen:
            continue  # a bind mount or a second mount of a device already counted
        seen.add((m.major, m.minor))
        try:
            st = os.statvfs(host_root / m.mount_point.lstrip("/"))
        except OSError:
            continue
        out.append(
            DiskUsage(
                mount_point=m.mount_point,
                device=m.source,
                fstype=m.fstype,
                total_bytes=st.f_blocks * st.f_frsize,
                used_bytes=(st.f_blocks - st.f_bfree) * st.f_frsize,
                free_bytes=st.f_bavail * st.f_frsize,
            )
        )
    return out

"""What a host is: names, kernel, CPU, memory, addresses (the latest entries of Scope's host node,
probe/host/reporter.go). All cheap to read, so read them every report rather than cache them."""

import os
from pathlib import Path
from typing import NamedTuple

from scopeprobe.hostinfo.netlink import InterfaceAddress, interface_addresses, local_networks
from scopeprobe.procfs._io import read_at
from scopeprobe.procfs.parse import parse_meminfo, parse_proc_stat, parse_uptime
from scopeprobe.procfs.reader import PROC_ROOT


class HostFacts(NamedTuple):
    """A host's identity and size."""

    hostname: str
    os: str  # "linux": Scope reported Go's runtime.GOOS
    kernel_release: str  # uname -r
    kernel_version: str  # uname -v
    machine: str  # CPU architecture, uname -m
    cpu_count: int  # online CPUs (cpuN lines of /proc/stat): what 100% x ncpu means
    mem_total_bytes: int
    boot_time: int  # seconds since the epoch
    uptime_seconds: float
    addresses: tuple[InterfaceAddress, ...]
    local_networks: tuple[str, ...]  # Scope's host_local_networks set: IPv4 "ip/prefix"

    @property
    def kernel(self) -> str:
        """Scope's kernel_version latest entry: release and version joined by a space."""
        return f"{self.kernel_release} {self.kernel_version}"


def read_host_facts(root: Path = PROC_ROOT) -> HostFacts:
    """The facts of the host whose /proc is at root. Names and addresses come from the probe's own UTS and
    network namespaces (uname, netlink), which are the host's when it runs with hostNetwork like Scope's."""
    uname = os.uname()
    stat = parse_proc_stat(read_at(None, f"{root}/stat"), f"{root}/stat")
    mem = parse_meminfo(read_at(None, f"{root}/meminfo"), f"{root}/meminfo")
    uptime = parse_uptime(read_at(None, f"{root}/uptime"), f"{root}/uptime")
    addrs = tuple(interface_addresses())
    return HostFacts(
        hostname=uname.nodename,
        os=uname.sysname.lower(),
        kernel_release=uname.release,
        kernel_version=uname.version,
        machine=uname.machine,
        cpu_count=max(1, len(stat.cpus)),
        mem_total_bytes=mem.total,
        boot_time=stat.boot_time,
        uptime_seconds=uptime.seconds,
        addresses=addrs,
        local_networks=local_networks(addrs),
    )

"""Host information for the probe's host node: facts (names, kernel, CPU, memory, addresses, local networks),
disk usage per filesystem, and a sampler for the metrics that are rates (CPU %, network and disk I/O)."""

from scopeprobe.hostinfo.disks import DiskUsage, read_disk_usage
from scopeprobe.hostinfo.facts import HostFacts, read_host_facts
from scopeprobe.hostinfo.netlink import InterfaceAddress, interface_addresses, local_networks
from scopeprobe.hostinfo.sampler import DiskRate, HostSample, HostSampler, NetRate

__all__ = [
    "DiskRate",
    "DiskUsage",
    "HostFacts",
    "HostSample",
    "HostSampler",
    "InterfaceAddress",
    "NetRate",
    "interface_addresses",
    "local_networks",
    "read_disk_usage",
    "read_host_facts",
]

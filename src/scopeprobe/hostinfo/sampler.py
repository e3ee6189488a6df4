"""Host metrics that are rates or need two readings: CPU %, network bytes/s per interface, disk I/O per device;
plus load, memory and uptime read in the same pass (Scope's probe/host/system_linux.go).

The sampler keeps the previous counters and takes an injected clock, so a test drives it with two fixture
trees and a fake clock, and the first sample simply has no rates yet.
"""

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from scopeprobe.procfs._io import read_at
from scopeprobe.procfs.parse import (
    parse_diskstats,
    parse_loadavg,
    parse_meminfo,
    parse_net_dev,
    parse_proc_stat,
    parse_uptime,
)
from scopeprobe.procfs.reader import PROC_ROOT
from scopeprobe.procfs.records import CpuTimes, DiskStat, LoadAvg, MemInfo, NetDev

SYS_ROOT = Path("/sys")


class NetRate(NamedTuple):
    """One interface's traffic since the previous sample, per second."""

    name: str
    rx_bytes_per_s: float
    tx_bytes_per_s: float
    rx_packets_per_s: float
    tx_packets_per_s: float


class DiskRate(NamedTuple):
    """One block device's I/O since the previous sample, per second."""

    name: str
    whole_disk: bool  # False for partitions (their I/O is in their disk's too)
    read_bytes_per_s: float
    write_bytes_per_s: float
    reads_per_s: float
    writes_per_s: float
    busy_percent: float  # share of the interval with I/O in flight (iostat's %util)


class HostSample(NamedTuple):
    """One reading of the host's metrics. Rates are empty (and cpu_percent None) on the first sample."""

    at: float  # the sampler's clock
    uptime_seconds: float
    load: LoadAvg
    memory: MemInfo  # memory.used is Scope's host_mem_usage_bytes, memory.total its max
    cpu_percent: float | None  # all CPUs together, 0..100 (Scope's host_cpu_usage_percent, max 100)
    net: tuple[NetRate, ...]
    disks: tuple[DiskRate, ...]

    @property
    def net_rx_bytes_per_s(self) -> float:
        """Bytes/s received over every interface but loopback."""
        return sum(n.rx_bytes_per_s for n in self.net if n.name != "lo")

    @property
    def net_tx_bytes_per_s(self) -> float:
        """Bytes/s sent over every interface but loopback."""
        return sum(n.tx_bytes_per_s for n in self.net if n.name != "lo")

    @property
    def disk_read_bytes_per_s(self) -> float:
        """Bytes/s read from whole disks (partitions would count twice)."""
        return sum(d.read_bytes_per_s for d in self.disks if d.whole_disk)

    @property
    def disk_write_bytes_per_s(self) -> float:
        """Bytes/s written to whole disks."""
        return sum(d.write_bytes_per_s for d in self.disks if d.whole_disk)


class _Counters(NamedTuple):
    at: float
    cpu: CpuTimes
    net: dict[str, NetDev]
    disks: dict[str, DiskStat]


def _per_s(new: int, old: int, seconds: float) -> float | None:
    # Counters go backwards when an interface or device is removed and re-created under the same name:
    # no rate for that interval rather than a negative one.
    return (new - old) / seconds if new >= old else None


class HostSampler:
    """Samples host metrics; each sample's rates cover the time since the previous one."""

    def __init__(
        self, root: Path = PROC_ROOT, *, sys_root: Path = SYS_ROOT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """root: a /proc tree. sys_root: a /sys tree, only to tell whole disks from partitions."""
        self.root = root
        self._sys_root = sys_root
        self._clock = clock
        self._prev: _Counters | None = None

    def sample(self) -> HostSample:
        """Read the counters and return the metrics, rates relative to the previous call."""
        r = self.root
        now = self._clock()
        stat = parse_proc_stat(read_at(None, f"{r}/stat"), f"{r}/stat")
        # /proc/net/dev is /proc/self/net/dev: the reading process's network namespace (see facts.py).
        net = {d.name: d for d in parse_net_dev(read_at(None, f"{r}/net/dev"), f"{r}/net/dev")}
        disks = {d.name: d for d in parse_diskstats(read_at(None, f"{r}/diskstats"), f"{r}/diskstats")}
        counters = _Counters(now, stat.cpu, net, disks)
        prev, self._prev = self._prev, counters
        cpu_percent: float | None = None
        net_rates: list[NetRate] = []
        disk_rates: list[DiskRate] = []
        if prev is not None and now > prev.at:
            seconds = now - prev.at
            total = stat.cpu.total - prev.cpu.total
            if total > 0:
                cpu_percent = 100.0 * (stat.cpu.busy - prev.cpu.busy) / total
            net_rates = self._net_rates(net, prev.net, seconds)
            disk_rates = self._disk_rates(disks, prev.disks, seconds)
        return HostSample(
            at=now,
            uptime_seconds=parse_uptime(read_at(None, f"{r}/uptime"), f"{r}/uptime").seconds,
            load=parse_loadavg(read_at(None, f"{r}/loadavg"), f"{r}/loadavg"),
            memory=parse_meminfo(read_at(None, f"{r}/meminfo"), f"{r}/meminfo"),
            cpu_percent=cpu_percent,
            net=tuple(net_rates),
            disks=tuple(disk_rates),
        )

    @staticmethod
    def _net_rates(net: dict[str, NetDev], prev: dict[str, NetDev], seconds: float) -> list[NetRate]:
        out: list[NetRate] = []
        for name, d in net.items():
            p = prev.get(name)
            if p is None:
                continue  # appeared since the previous sample
            rates = [
                _per_s(d.rx_bytes, p.rx_bytes, seconds),
                _per_s(d.tx_bytes, p.tx_bytes, seconds),
                _per_s(d.rx_packets, p.rx_packets, seconds),
                _per_s(d.tx_packets, p.tx_packets, seconds),
            ]
            if all(x is not None for x in rates):
                out.append(NetRate(name, *(x or 0.0 for x in rates)))
        return out

    def _disk_rates(self, disks: dict[str, DiskStat], prev: dict[str, DiskStat], seconds: float) -> list[DiskRate]:
        whole = self._whole_disks()
        out: list[DiskRate] = []
        for name, d in disks.items():
            p = prev.get(name)
            if p is None:
                continue
            rates = [
                _per_s(d.read_bytes, p.read_bytes, seconds),
                _per_s(d.written_bytes, p.written_bytes, seconds),
                _per_s(d.reads, p.reads, seconds),
                _per_s(d.writes, p.writes, seconds),
                _per_s(d.io_ms, p.io_ms, seconds),
            ]
            if all(x is not None for x in rates):
                rd, wr, reads, writes, io_ms = (x or 0.0 for x in rates)
                busy = min(100.0, io_ms / 10.0)  # ms of I/O per second, as a percentage
                out.append(DiskRate(name, whole is None or name in whole, rd, wr, reads, writes, busy))
        return out

    def _whole_disks(self) -> frozenset[str] | None:
        """/sys/block lists whole disks only (partitions live under them): None if there is no /sys to ask."""
        try:
            return frozenset(name.replace("!", "/") for name in os.listdir(self._sys_root / "block"))
        except OSError:
            return None

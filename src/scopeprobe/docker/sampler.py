"""Per-container metrics with samples, from two readings of the cgroup counters.

Each `sample` call adds one sample per metric at the report's time; rates and CPU % cover the time since the
previous call for the same container, so the first call has memory only. The probe calls the reporter once per
spy tick (1 s, as Scope), and the app's 15 s window then holds about 15 samples per metric, as Scope's did.
"""

from collections.abc import Iterable
from typing import NamedTuple

from scopecore.report import Metric, Metrics

from . import keys
from .cgroupfs import CgroupReader, CounterFiles, Counters

NS = 1_000_000_000


class _Seen(NamedTuple):
    pid: int
    files: CounterFiles
    at_ns: int
    counters: Counters


def _one(at_ns: int, value: float, capacity: float | None = None) -> Metric:
    # One sample: min is the value, max the capacity where there is one (Scope's convention), else the value.
    return Metric((at_ns,), (value,), value, value if capacity is None else capacity)


def _rate(new: int | None, old: int | None, seconds: float) -> float | None:
    # Counters only go backwards when the cgroup or interface was re-created: no sample for that interval.
    if new is None or old is None or new < old:
        return None
    return (new - old) / seconds


class ContainerSampler:
    """Keeps each running container's previous counters; `sample` returns the metrics since then."""

    def __init__(self, reader: CgroupReader, ncpu: int, host_memory: int) -> None:
        """ncpu: CPUs of the host (CPU % is of all of them, as Scope's). host_memory: bytes, the memory metric's
        max for a container without a limit (docker reports the host's memory as the limit then)."""
        self._reader = reader
        self._ncpu = max(1, ncpu)
        self._host_memory = host_memory
        self._seen: dict[str, _Seen] = {}

    def sample(self, container_id: str, pid: int, now_ns: int, *, network: bool = True) -> Metrics:
        """Metrics of a running (or paused) container whose init process is pid, sampled at now_ns.

        network=False leaves out the network rates: a container in the host's network namespace would
        show the whole host's traffic as its own."""
        prev = self._seen.get(container_id)
        if prev is not None and prev.pid == pid:
            files = prev.files
        else:
            prev = None  # restarted: a new init process, a new cgroup, counters from zero
            found = self._reader.files(pid)
            if found is None:
                self._seen.pop(container_id, None)
                return Metrics.empty()
            files = found
        counters = self._reader.read(files if network else files._replace(net_dev=None))
        if counters is None:
            self._seen.pop(container_id, None)
            return Metrics.empty()
        self._seen[container_id] = _Seen(pid, files, now_ns, counters)
        out: dict[str, Metric] = {}
        if counters.memory_bytes is not None:
            limit = counters.memory_limit
            capacity = min(limit, self._host_memory) if limit is not None else self._host_memory
            out[keys.MEMORY_USAGE] = _one(now_ns, float(counters.memory_bytes), float(capacity))
        if prev is not None and now_ns > prev.at_ns:
            seconds = (now_ns - prev.at_ns) / NS
            old = prev.counters
            cpu = _rate(counters.cpu_ns, old.cpu_ns, seconds)
            if cpu is not None:
                # cpu is ns of CPU per second; over all CPUs that is a share of ncpu * 1e9 (Scope's max is 100).
                percent = min(100.0, 100.0 * cpu / (NS * self._ncpu))
                out[keys.CPU_TOTAL_USAGE] = _one(now_ns, percent, 100.0)
            for name, new_value, old_value in (
                (keys.NETWORK_RX_RATE, counters.rx_bytes, old.rx_bytes),
                (keys.NETWORK_TX_RATE, counters.tx_bytes, old.tx_bytes),
                (keys.BLOCK_READ_RATE, counters.read_bytes, old.read_bytes),
                (keys.BLOCK_WRITE_RATE, counters.write_bytes, old.write_bytes),
            ):
                rate = _rate(new_value, old_value, seconds)
                if rate is not None:
                    out[name] = _one(now_ns, rate)
        return Metrics(out)

    def retain(self, container_ids: Iterable[str]) -> None:
        """Forget the containers not in container_ids (stopped or removed)."""
        keep = set(container_ids)
        for cid in [c for c in self._seen if c not in keep]:
            del self._seen[cid]

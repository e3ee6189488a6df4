"""Tracker: TCP connection events and per-flow TCP/UDP counts from scope_tcp.bpf.o, for the probe's tick.

Usage::

    with Tracker(netns=0) as tracker:            # raises NotSupported: fall back to conntrack, then /proc
        loop.add_reader(tracker.fileno(), tracker.poll)   # optional: keeps the ring buffer short between ticks
        ...
        events, flows = tracker.drain()          # once per tick
        if not tracker.alive: ...                # programs detached: fall back

Events (connect, accept, close, failed) come through a ring buffer in order; byte and retransmit counts are
summed in the kernel per flow and handed over by `drain()`: the programs write one of two flow maps while
`drain()` empties the other, after an RCU grace period so that no program is still writing into it. The
counts are exact: nothing is lost between a read and a delete.

Not thread-safe: call everything from one thread.
"""

import contextlib
import errno
import logging
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from scopeprobe.ebpf import _libbpf, events, features
from scopeprobe.ebpf.bpfobject import BpfObject
from scopeprobe.ebpf.errors import BpfError, NotSupported
from scopeprobe.ebpf.events import FlowStats, TcpEvent
from scopeprobe.ebpf.variants import Attach

log = logging.getLogger(__name__)

_BATCH = 1024
_ENOTSUPP = 524  # kernel-internal errno some BPF commands leak to user space


class TrackerStats(NamedTuple):
    """Counters since start. The *_lost ones are kernel-side: ring buffer full, flow map full, socket map full
    (then an event lacks its pid)."""

    events: int
    flows: int
    drains: int
    events_lost: int
    flows_lost: int
    socks_lost: int


class ProgramStats(NamedTuple):
    """What one BPF program cost in the kernel."""

    runs: int
    run_ns: int


@contextlib.contextmanager
def run_time_stats() -> Iterator[None]:
    """Count every BPF program's runs and run time while inside (BPF_ENABLE_STATS, 5.8+)."""
    lib = _libbpf.lib()
    fd = lib.bpf.bpf_enable_stats(_libbpf.BPF_STATS_RUN_TIME)
    if fd < 0:
        raise NotSupported("BPF run-time stats", os.strerror(-fd), "5.8")
    try:
        yield
    finally:
        os.close(fd)


class Tracker:
    """The eBPF connection tracker. `netns`: only this network namespace inode (0: all); `attach`: allowed
    attach types in order of preference (default: each hook's own order in variants.SLOTS, cheapest first);
    `self_pid`: a process whose own sockets are ignored (the probe's, 0: none); `wakeup_bytes`: the programs
    wake a reader blocked in poll() or on fileno() only once this much is queued (default: a quarter of
    `ring_size`; 0: on every record), since drain() takes whatever is queued anyway; `mount_tracefs`: mount
    it at /sys/kernel/tracing if no tracefs is mounted (classic tracepoints need it; it stays mounted)."""

    def __init__(
        self,
        *,
        netns: int = 0,
        attach: Sequence[Attach] | None = None,
        track_bytes: bool = True,
        track_udp: bool = True,
        track_retransmits: bool = True,
        close_untracked: bool = True,
        self_pid: int = 0,
        ring_size: int = 1 << 20,
        wakeup_bytes: int | None = None,
        max_flows: int = 65536,
        max_sockets: int = 65536,
        object_path: Path | None = None,
        mount_tracefs: bool = True,
    ) -> None:
        if ring_size < 4096 or ring_size & (ring_size - 1):
            raise ValueError(f"ring_size must be a power of two >= 4096, not {ring_size}")
        self.netns = netns
        self.attach = tuple(attach) if attach is not None else None
        wakeup = ring_size // 4 if wakeup_bytes is None else wakeup_bytes
        self.config = events.CONFIG.pack(netns, self_pid, track_bytes, track_udp, track_retransmits,
                                         close_untracked, wakeup)
        self.max_entries = {"events": ring_size, "flows0": max_flows, "flows1": max_flows, "socks": max_sockets}
        self.object_path = object_path
        self.mount_tracefs = mount_tracefs
        self.features: features.Features | None = None
        self._obj: BpfObject | None = None
        self._rb: Any = None
        self._shared: Any = None
        self._flow_fds: tuple[int, int] = (-1, -1)
        self._pending: list[bytes] = []
        self._callback: Any = None
        self._events = self._flows = self._drains = 0
        self._failure: BaseException | None = None

    # ------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Probe, load, attach, open the ring buffer. Raises NotSupported (one line: what and why)."""
        if self._obj is not None:
            return
        if self.mount_tracefs and features.check_privileges(features.effective_caps()).ok:
            features.mount_tracefs()
        self.features = found = features.probe()
        found.require()
        path = self.object_path or events.find_file(events.OBJECT)
        lib = _libbpf.lib()
        self._obj = obj = BpfObject(path, self.config, self.max_entries, found, self.attach)
        try:
            self._shared = obj.mmap(".bss", "struct scope_shared")
            self._flow_fds = (obj.map_fd("flows0"), obj.map_fd("flows1"))
            self._callback = lib.ffi.callback("ring_buffer_sample_fn", self._on_sample)
            self._rb = lib.bpf.ring_buffer__new(obj.map_fd("events"), self._callback, lib.ffi.NULL, lib.ffi.NULL)
            if self._rb == lib.ffi.NULL:
                raise NotSupported("BPF ring buffer", os.strerror(lib.errno())) from None
        except BaseException:
            self.close()
            raise
        log.info("eBPF tracker attached: %s", ", ".join(f"{s} via {v.attach}" for s, v in obj.choice.items()))

    def close(self) -> None:
        """Detach and unload everything. Idempotent; events not drained yet are dropped."""
        if self._rb is not None:
            _libbpf.lib().bpf.ring_buffer__free(self._rb)
            self._rb = None
        if self._obj is not None:
            self._obj.close()
            self._obj = None
        self._shared = None

    def __enter__(self) -> "Tracker":
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------------- state

    @property
    def alive(self) -> bool:
        """True while every program is attached and polling works; False once any was detached (or the
        tracker closed): the probe should fall back to conntrack, then /proc."""
        obj = self._obj
        if obj is None or self._failure is not None:
            return False
        return all(obj.link_ok(link) for link in obj.links)

    @property
    def attached(self) -> dict[str, Attach]:
        """The attach type in use per hook ("connect", "accept", "state", "destroy", "bytes", "retransmit")."""
        return {slot: v.attach for slot, v in self._obj.choice.items()} if self._obj else {}

    def program_stats(self) -> dict[str, ProgramStats]:
        """Runs and run time per attached program, counted while BPF run-time stats are enabled (by
        `run_time_stats()` or `sysctl kernel.bpf_stats_enabled=1`; they cost two clock reads per run)."""
        obj = self._obj
        if obj is None:
            return {}
        return {link.program: ProgramStats(*obj.run_stats(link)) for link in obj.links}

    @property
    def link_ids(self) -> dict[str, int | None]:
        """Kernel BPF link id per attached program (as `bpftool link` lists them)."""
        return {link.program: link.link_id for link in self._obj.links} if self._obj else {}

    def stats(self) -> TrackerStats:
        """Counters since start."""
        sh = self._shared
        lost = (int(sh.events_lost), int(sh.flows_lost), int(sh.socks_lost)) if sh is not None else (0, 0, 0)
        return TrackerStats(self._events, self._flows, self._drains, *lost)

    # ------------------------------------------------------------------------------------------- reading

    def fileno(self) -> int:
        """An fd that becomes readable when the ring buffer has records (for loop.add_reader)."""
        self._require()
        return int(_libbpf.lib().bpf.ring_buffer__epoll_fd(self._rb))

    def poll(self, timeout: float = 0.0) -> int:
        """Move the queued ring buffer records into the tracker, first waiting up to `timeout` seconds for
        the programs' wakeup (see `wakeup_bytes`). Returns how many records were moved."""
        self._require()
        bpf = _libbpf.lib().bpf
        total = 0
        if timeout > 0:
            total = self._check("ring_buffer__poll", bpf.ring_buffer__poll(self._rb, int(timeout * 1000)))
        return total + self._check("ring_buffer__consume", bpf.ring_buffer__consume(self._rb))

    def _check(self, op: str, n: int) -> int:
        if n < 0 and n != -errno.EINTR:
            self._failure = BpfError(op, -n)
            raise self._failure
        return max(int(n), 0)

    def drain(self) -> tuple[list[TcpEvent], list[FlowStats]]:
        """The events since the last drain, in order, and each flow's counts since the last drain.

        Blocks for one RCU grace period (membarrier, typically 5-20 ms of wall time, no CPU): call it once
        per tick, from a worker thread if the event loop cannot spare that."""
        self._require()
        self.poll()
        raw, self._pending = self._pending, []
        evs = [events.decode_event(b) for b in raw]
        flows = [events.decode_flow(k, v) for k, v in self._drain_flows()]
        self._events += len(evs)
        self._flows += len(flows)
        self._drains += 1
        return evs, flows

    def _on_sample(self, ctx: Any, data: Any, size: int) -> int:
        self._pending.append(_libbpf.lib().ffi.buffer(data, size)[:])
        return 0

    def _require(self) -> None:
        if self._obj is None or self._rb is None:
            raise RuntimeError("tracker not started (or closed)")

    def _drain_flows(self) -> list[tuple[bytes, bytes]]:
        """Flip the programs to the other flow map, wait until none still writes the old one, empty it."""
        lib = _libbpf.lib()
        old = int(self._shared.flow_buffer) & 1
        self._shared.flow_buffer = old ^ 1
        if not lib.membarrier_global():
            time.sleep(0.01)  # no grace period to wait for: programs run for microseconds, give them ten ms
        return self._empty_map(self._flow_fds[old])

    def _empty_map(self, fd: int) -> list[tuple[bytes, bytes]]:
        """Every (key, value) of a hash map no program writes any more, deleting them: batched (5.6+), else
        one key at a time."""
        lib = _libbpf.lib()
        ffi, bpf = lib.ffi, lib.bpf
        ksize, vsize = ffi.sizeof("struct scope_flow_key"), ffi.sizeof("struct scope_flow_stats")
        keys = ffi.new(f"struct scope_flow_key[{_BATCH}]")
        values = ffi.new(f"struct scope_flow_stats[{_BATCH}]")
        count = ffi.new("__u32 *")
        token = ffi.new("__u32[2]")  # hash maps' batch token: the next bucket, a __u32
        kbuf, vbuf = ffi.buffer(keys), ffi.buffer(values)
        out: list[tuple[bytes, bytes]] = []
        in_batch = ffi.NULL
        while True:
            count[0] = _BATCH
            ret = bpf.bpf_map_lookup_and_delete_batch(fd, in_batch, token, keys, values, count, ffi.NULL)
            if ret not in (0, -errno.ENOENT):
                break
            n = int(count[0])
            out += [(kbuf[i * ksize:(i + 1) * ksize], vbuf[i * vsize:(i + 1) * vsize]) for i in range(n)]
            if ret == -errno.ENOENT:  # the last batch
                return out
            in_batch = token
        # ENOSPC: a bucket holds more than a batch; EINVAL/EOPNOTSUPP/ENOTSUPP: no batch ops (before 5.6).
        if ret in (-errno.ENOSPC, -errno.EINVAL, -errno.EOPNOTSUPP, -_ENOTSUPP):
            return out + self._empty_map_slow(fd)
        raise BpfError("bpf_map_lookup_and_delete_batch", -ret)

    def _empty_map_slow(self, fd: int) -> list[tuple[bytes, bytes]]:
        ffi, bpf = _libbpf.lib().ffi, _libbpf.lib().bpf
        key, nxt = ffi.new("struct scope_flow_key *"), ffi.new("struct scope_flow_key *")
        value = ffi.new("struct scope_flow_stats *")
        out: list[tuple[bytes, bytes]] = []
        prev = ffi.NULL
        found = []
        while bpf.bpf_map_get_next_key(fd, prev, nxt) == 0:
            found.append(ffi.buffer(nxt)[:])
            ffi.memmove(key, nxt, ffi.sizeof(key[0]))
            prev = key
        for k in found:
            if bpf.bpf_map_lookup_elem(fd, k, value) == 0:
                out.append((k, ffi.buffer(value)[:]))
            bpf.bpf_map_delete_elem(fd, k)
        return out

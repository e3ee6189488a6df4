"""The eBPF connection tracker: TCP connect/accept/close/failed events with pid and network namespace, and
per-flow TCP/UDP byte and retransmit counts, from bpf/scope_tcp.bpf.o loaded with libbpf (cffi, ABI mode).

`Tracker` is the entry point; `Tracker.start` raises `NotSupported` (one line: what is missing and why) where
the kernel, the privileges or the built object do not allow it, and the probe falls back to conntrack, then
/proc. `features.probe` tells which attach types this kernel allows; `python -m scopeprobe.ebpf`
prints it.
"""

from scopeprobe.ebpf.errors import BpfError, NotSupported
from scopeprobe.ebpf.events import EventType, FlowKey, FlowStats, Protocol, TcpEvent
from scopeprobe.ebpf.features import Features, probe
from scopeprobe.ebpf.loader import ProgramStats, Tracker, TrackerStats, run_time_stats
from scopeprobe.ebpf.variants import Attach

__all__ = [
    "Attach",
    "BpfError",
    "EventType",
    "Features",
    "FlowKey",
    "FlowStats",
    "NotSupported",
    "ProgramStats",
    "Protocol",
    "TcpEvent",
    "Tracker",
    "TrackerStats",
    "probe",
    "run_time_stats",
]

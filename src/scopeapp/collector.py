"""Collector: each probe's reports over a sliding window, merged per probe and only when read.

Scope re-merged every report in the window on every request. Here each probe's window is merged on its own, only
when someone reads it after it changed (so ingest costs a decode and an append, and a burst of reports costs one
merge), and the fleet-wide merge is cached until something changes. Per-probe windows are also what the
incremental renderer takes: a new report from one probe re-merges and re-renders that probe's part only.

A probe that publishes deltas (our probe: a full report every Nth publish) must never be left with deltas alone,
whose nodes are partial stubs (Scope's UnsafeRemovePartMergedNodes works around exactly that), so a probe's newest
full report stays in its window until a newer full one arrives.
"""

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from scopecore.report import Report

NS = 1_000_000_000


class ReportKind(Enum):
    """How a report relates to the probe's previous ones."""

    FULL = "full"
    DELTA = "delta"
    SHORTCUT = "shortcut"


@dataclass(frozen=True, slots=True)
class ProbeInfo:
    """What the app knows of one probe, for /api/probes."""

    id: str
    hostname: str = ""
    version: str = ""
    transport: str = ""  # "grpc" or "http" (a Scope probe, or ours falling back)
    last_seen: float = 0.0  # wall-clock seconds
    sources: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    reports: int = 0
    bytes: int = 0


@dataclass(slots=True)
class _Window:
    entries: deque[tuple[int, Report, ReportKind]] = field(default_factory=deque)  # (arrival ns, report, kind)
    merged: Report | None = None  # None: stale, merged again when someone reads it

    def report(self) -> Report:
        if self.merged is None:
            self.merged = Report.merge_all(r for _, r, _ in self.entries)
        return self.merged


class Collector:
    """Holds every probe's window; thread-unsafe by design (one event loop owns it)."""

    def __init__(self, window: float = 15.0, offline_after: float | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.window_ns = int(window * NS)
        self.offline_after = offline_after if offline_after is not None else window
        self._clock = clock or time.time
        self._windows: dict[str, _Window] = {}
        self._probes: dict[str, ProbeInfo] = {}
        self._merged: Report | None = None
        self.generation = 0
        self._shortcut_generation = -1
        self._changed = asyncio.Event()

    def now_ns(self) -> int:
        """The injected clock, in ns."""
        return int(self._clock() * NS)

    def add(self, probe_id: str, report: Report, kind: ReportKind = ReportKind.FULL, *, size: int = 0,
            hostname: str = "", version: str = "", transport: str = "http") -> None:
        """Take a report from a probe."""
        now = self.now_ns()
        w = self._windows.setdefault(probe_id, _Window())
        self._expire(w, now)
        w.entries.append((now, report, kind))
        # Merged lazily: under load reports arrive faster than anyone reads, and one read merges once.
        w.merged = None
        info = self._probes.get(probe_id) or ProbeInfo(probe_id)
        self._probes[probe_id] = replace(
            info,
            hostname=hostname or info.hostname or _hostname_of(report),
            version=version or info.version,
            transport=transport,
            last_seen=now / NS,
            reports=info.reports + 1,
            bytes=info.bytes + size,
        )
        self._touch(shortcut=kind is ReportKind.SHORTCUT or report.shortcut)

    def set_probe(self, probe_id: str, **changes: object) -> None:
        """Update what is known of a probe (hello, sources) without a report."""
        info = self._probes.get(probe_id) or ProbeInfo(probe_id)
        self._probes[probe_id] = replace(info, **changes)  # type: ignore[arg-type]

    def gc(self) -> bool:
        """Drop expired reports; True if anything changed."""
        now = self.now_ns()
        changed = False
        for probe_id, w in list(self._windows.items()):
            if self._expire(w, now):
                changed = True
            if not w.entries:
                del self._windows[probe_id]
        if changed:
            self._touch()
        return changed

    def report(self) -> Report:
        """The merge of every probe's window (cached until a report arrives or expires)."""
        if self._merged is None:
            self._merged = Report.merge_all(w.report() for w in self._windows.values())
        return self._merged

    def probe_reports(self) -> dict[str, Report]:
        """Each probe's merged window, by probe ID."""
        return {pid: w.report() for pid, w in self._windows.items()}

    def probes(self) -> list[tuple[ProbeInfo, bool]]:
        """Every probe that ever published, with whether it is online now."""
        now = self._clock()
        return [(p, now - p.last_seen <= self.offline_after) for p in self._probes.values()]

    def probe(self, probe_id: str) -> ProbeInfo | None:
        """One probe's info, or None."""
        return self._probes.get(probe_id)

    def is_online(self, probe_id: str) -> bool:
        """True if the probe published within the offline threshold."""
        p = self._probes.get(probe_id)
        return p is not None and self._clock() - p.last_seen <= self.offline_after

    async def wait(self, generation: int, timeout: float) -> None:
        """Return once the generation has moved past `generation`, or after timeout."""
        if self.generation != generation:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    def shortcut_pending(self, since_generation: int) -> bool:
        """True if a shortcut report arrived after `since_generation`."""
        return self._shortcut_generation > since_generation

    def _touch(self, shortcut: bool = False) -> None:
        self._merged = None
        self.generation += 1
        if shortcut:
            self._shortcut_generation = self.generation
        # Wake every waiter, then re-arm: waiters compare generations, so no change is missed.
        self._changed.set()
        self._changed = asyncio.Event()

    def _expire(self, w: _Window, now: int) -> bool:
        cutoff = now - self.window_ns
        recent = [i for i, e in enumerate(w.entries) if e[0] >= cutoff]
        # While the probe still publishes, its newest full report anchors the deltas after it; once it has gone
        # quiet for a whole window, everything it sent fades out.
        newest_full = max((i for i, (_, _, k) in enumerate(w.entries) if k is ReportKind.FULL), default=-1)
        anchor = {newest_full} if recent else set()
        keep = deque(e for i, e in enumerate(w.entries) if i in anchor or e[0] >= cutoff)
        if len(keep) == len(w.entries):
            return False
        w.entries = keep
        w.merged = None
        return True


def _hostname_of(report: Report) -> str:
    from scopecore.report import TopologyKind

    for node in report.nodes(TopologyKind.HOST).values():
        name = node.latest.get("host_name")
        if name:
            return name
    return ""

"""The flow table of one namespace: a mirror of the kernel's conntrack table, fed by events and reconciled with
dumps, plus the flows that ended since the last drain. Pure: no I/O, so its races are unit-testable.

Every flow is reported as ended exactly once, when it leaves the live set: a TCP flow when it reaches TIME_WAIT
or CLOSE (its DESTROY follows up to 120 s later and only removes it), any flow on DESTROY, or when a dump no
longer shows it. This keeps connections that opened and closed between two probe ticks (Scope's "buffered
flows", walkFlows), which a /proc scan never sees.
"""

from collections.abc import Iterable

from scopeprobe.conntrack.schema import EventType, Flow, FlowEvent, FlowKey, is_closed
from scopeprobe.conntrack.stats import TrackerStats


def merge(old: Flow | None, new: Flow) -> Flow:
    """`new`, with what its message left out taken from `old`: update events carry the TCP state only when it
    changed and never counters (ctnetlink_conntrack_event)."""
    if old is None:
        return new
    if new.tcp_state is None and old.tcp_state is not None:
        new = new._replace(tcp_state=old.tcp_state)
    if new.orig_counters is None and old.orig_counters is not None:
        new = new._replace(orig_counters=old.orig_counters, reply_counters=old.reply_counters)
    return new


class FlowTable:
    """Live flows by key, ended flows in arrival order, and the bookkeeping of an in-progress resync."""

    def __init__(self, stats: TrackerStats | None = None, max_ended: int = 100_000) -> None:
        self.stats = stats if stats is not None else TrackerStats()
        self.max_ended = max_ended
        self._flows: dict[FlowKey, Flow] = {}
        self._ended: list[Flow] = []
        # Keys of flows still in the kernel table but already reported as ended (closed TCP).
        self._reported: set[FlowKey] = set()
        # While a dump runs, the keys events touched: the events are newer than what the dump saw of them.
        self._touched: set[FlowKey] | None = None
        # Flows the last resync removed: their events still queued in our socket are stale (ignored).
        self._gone: set[FlowKey] = set()

    def __len__(self) -> int:
        return len(self._flows)

    def _end(self, flow: Flow) -> None:
        if len(self._ended) >= self.max_ended:
            self.stats.ended_dropped += 1
        else:
            self._ended.append(flow)

    def _upsert(self, key: FlowKey, flow: Flow) -> None:
        flow = merge(self._flows.get(key), flow)
        self._flows[key] = flow
        if key not in self._reported and is_closed(flow):
            self._reported.add(key)
            self._end(flow)

    def _remove(self, key: FlowKey, last: Flow) -> None:
        old = self._flows.pop(key, None)
        if key in self._reported:
            self._reported.discard(key)
        else:
            self._end(merge(old, last))

    def apply(self, event: FlowEvent) -> None:
        """Apply one event. A DESTROY of a flow never seen (its NEW was lost, or it predates us) still ends it."""
        flow = event.flow
        key = flow.key
        if self._touched is not None:
            self._touched.add(key)
        if key in self._gone:
            # Read after the dump that found the entry gone: stale. Re-adding it would end it a second time.
            if event.type is EventType.DESTROY:
                self._gone.discard(key)
        elif event.type is EventType.DESTROY:
            self._remove(key, flow)
        else:
            self._upsert(key, flow)

    def begin_resync(self) -> None:
        """Start recording which flows events touch, before the dump request is sent."""
        self._touched = set()

    def abort_resync(self) -> None:
        """Forget an unfinished resync (the dump failed): the table stays as events left it."""
        self._touched = None

    def finish_resync(self, dumped: Iterable[Flow]) -> None:
        """Reconcile with a complete dump: add what it shows, drop what it does not.

        Flows that events touched since begin_resync() keep the events' version (but the dump's counters),
        since the dump is not atomic and may show an entry before or after its latest event. A DESTROY still
        queued in our socket when the dump ran makes its flow look lost (counted in resync_removed); its late
        events are then ignored until the next resync.
        """
        touched = self._touched if self._touched is not None else set()
        self._touched = None
        seen: set[FlowKey] = set()
        for flow in dumped:
            key = flow.key
            seen.add(key)
            if key in touched:
                self._take_counters(key, flow)
                continue
            if key not in self._flows:
                self.stats.resync_added += 1
            self._upsert(key, flow)
        gone = [k for k in self._flows if k not in seen and k not in touched]
        for key in gone:
            self.stats.resync_removed += 1
            self._remove(key, self._flows[key])
        self._gone = set(gone)

    def _take_counters(self, key: FlowKey, dumped: Flow) -> None:
        # Events never carry counters, so even where an event is newer, a dump's counters are the latest known.
        current = self._flows.get(key)
        if current is None or dumped.orig_counters is None:
            return
        if current.orig_counters is None or dumped.orig_counters.packets > current.orig_counters.packets:
            self._flows[key] = current._replace(orig_counters=dumped.orig_counters,
                                                reply_counters=dumped.reply_counters)

    def live(self) -> list[Flow]:
        """Flows open now (closed TCP flows waiting out TIME_WAIT excluded)."""
        reported = self._reported
        return [f for k, f in self._flows.items() if k not in reported]

    def drain(self) -> tuple[list[Flow], list[Flow]]:
        """(live flows, flows that ended since the last drain); clears the ended list."""
        ended, self._ended = self._ended, []
        return self.live(), ended

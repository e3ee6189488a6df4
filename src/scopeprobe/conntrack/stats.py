"""The tracker's counters, read by the probe's metrics as plain attributes."""

from dataclasses import dataclass


@dataclass(slots=True)
class TrackerStats:
    """Monotonic counters of one FlowTracker (one network namespace), plus the last resync's duration."""

    events_new: int = 0
    events_update: int = 0
    events_destroy: int = 0
    # Events the kernel could not queue for us (sk_drops with NETLINK_NO_ENOBUFS): each one schedules a resync.
    dropped: int = 0
    # ENOBUFS errors: only if NETLINK_NO_ENOBUFS could not be set; the socket is reopened and the table resynced.
    enobufs: int = 0
    resyncs: int = 0  # table dumps, the initial one included
    resync_added: int = 0  # flows a dump showed that no event had (a lost NEW, or a flow older than us)
    resync_removed: int = 0  # flows a dump no longer showed with no DESTROY seen (lost, or still in flight)
    bad_messages: int = 0  # messages that did not parse (skipped)
    ended_dropped: int = 0  # ended flows discarded because drain() was not called (max_ended reached)
    last_resync_seconds: float = 0.0

    @property
    def events(self) -> int:
        """All events handled."""
        return self.events_new + self.events_update + self.events_destroy

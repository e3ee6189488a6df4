"""The conntrack flow source: flows of one network namespace from netlink (dump, then events, then resyncs).

It tells the probe what /proc cannot: who initiated a connection (`direction`), connections that opened and
closed between two ticks (the ended list of `FlowTracker.drain`), byte counters, and NAT mappings for `copy_of`
endpoints. Without CAP_NET_ADMIN or ctnetlink, `FlowTracker.start` raises `NotSupported`: fall back to /proc.
"""

from typing import TYPE_CHECKING, Any

from scopeprobe.conntrack.errors import BadMessage, NamespaceGone, NotSupported
from scopeprobe.conntrack.nat import NatKind, NatMapping, flow_mappings, nat_mappings
from scopeprobe.conntrack.parse import Header, event_type, messages, parse_event, parse_flow
from scopeprobe.conntrack.schema import (
    Counters,
    Direction,
    EventType,
    Flow,
    FlowEvent,
    FlowKey,
    FlowTuple,
    Status,
    TcpCtState,
    direction,
    direction_index,
    initiator,
    is_closed,
    is_nat,
)
from scopeprobe.conntrack.stats import TrackerStats
from scopeprobe.conntrack.table import FlowTable

if TYPE_CHECKING:
    from scopeprobe.conntrack.tracker import ALL_EVENTS, DEFAULT_PROTOCOLS, FlowTracker

_TRACKER = ("ALL_EVENTS", "DEFAULT_PROTOCOLS", "FlowTracker")


def __getattr__(name: str) -> Any:
    # The tracker needs pyroute2 (10 MB of modules): loaded when first asked for, so a probe whose eBPF tracker
    # is live, and the reporters that only read flows, never load it.
    if name in _TRACKER:
        from scopeprobe.conntrack import tracker

        return getattr(tracker, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ALL_EVENTS",
    "BadMessage",
    "DEFAULT_PROTOCOLS",
    "Counters",
    "Direction",
    "EventType",
    "Flow",
    "FlowEvent",
    "FlowKey",
    "FlowTable",
    "FlowTracker",
    "FlowTuple",
    "Header",
    "NamespaceGone",
    "NatKind",
    "NatMapping",
    "NotSupported",
    "Status",
    "TcpCtState",
    "TrackerStats",
    "direction",
    "direction_index",
    "event_type",
    "flow_mappings",
    "initiator",
    "is_closed",
    "is_nat",
    "messages",
    "nat_mappings",
    "parse_event",
    "parse_flow",
]

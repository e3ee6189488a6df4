"""The conntrack flow source: flows of one network namespace from netlink (dump, then events, then resyncs).

It tells the probe what /proc cannot: who initiated a connection (`direction`), connections that opened and
closed between two ticks (the ended list of `FlowTracker.drain`), byte counters, and NAT mappings for `copy_of`
endpoints. Without CAP_NET_ADMIN or ctnetlink, `FlowTracker.start` raises `NotSupported`: fall back to /proc.
"""

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
from scopeprobe.conntrack.tracker import ALL_EVENTS, DEFAULT_PROTOCOLS, FlowTracker

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

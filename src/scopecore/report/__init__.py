"""The report model: immutable values whose merge is a join (associative, commutative, idempotent)."""

from .builder import ReportBuilder
from .dns import DNSRecord
from .edges import EdgeCounts, EdgeData, Edges
from .kinds import WIRE_ORDER, TopologyKind
from .latest import LatestMap
from .metrics import Metric, Metrics
from .node import Node
from .report import Report
from .sets import Sets
from .templates import Column, Control, MetadataTemplate, MetricTemplate, PluginSpec, TableTemplate
from .topology import Topology

__all__ = [
    "WIRE_ORDER",
    "Column",
    "Control",
    "DNSRecord",
    "EdgeCounts",
    "EdgeData",
    "Edges",
    "LatestMap",
    "MetadataTemplate",
    "Metric",
    "MetricTemplate",
    "Metrics",
    "Node",
    "PluginSpec",
    "Report",
    "ReportBuilder",
    "Sets",
    "TableTemplate",
    "Topology",
    "TopologyKind",
]

from collections.abc import Mapping
from typing import Any

from ..report.edges import Edges
from ..report.latest import LatestMap
from ..report.metrics import Metric, Metrics
from ..report.node import Node
from ..report.sets import Sets

def bind(
    node: type[Node], latest: type[LatestMap], sets: type[Sets], metrics: type[Metrics], metric: type[Metric],
    empty_latest: LatestMap, empty_sets: Sets, empty_metrics: Metrics, empty_edges: Edges, /,
) -> None: ...
def md_rows(
    latest_entries: Mapping[str, tuple[int, str]], spec: tuple[tuple[str, dict[str, Any]], ...], /
) -> tuple[dict[str, Any], ...]: ...
def metric_rows(
    metrics_entries: Mapping[str, Metric], spec: tuple[tuple[str, dict[str, Any]], ...], /
) -> tuple[dict[str, Any], ...] | None: ...

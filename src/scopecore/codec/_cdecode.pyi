from collections.abc import Callable

from ..report.edges import Edges
from ..report.latest import LatestMap
from ..report.metrics import Metric, Metrics
from ..report.node import Node
from ..report.sets import Sets

def bind(
    node: type[Node], latest: type[LatestMap], sets: type[Sets], metrics: type[Metrics], metric: type[Metric],
    empty_latest: LatestMap, empty_sets: Sets, empty_metrics: Metrics, empty_edges: Edges, /,
) -> None: ...
def decode_node(
    node_id: str, value: object, times: dict[str | bytes, int], parse_time: Callable[[str], int], /
) -> Node | None: ...

from collections.abc import Callable, Mapping, Sequence

from .edges import Edges
from .latest import LatestMap
from .metrics import Metric, Metrics
from .node import Node
from .sets import Sets

def bind(
    node: type[Node], latest: type[LatestMap], sets: type[Sets], metrics: type[Metrics], metric: type[Metric],
    empty_latest: LatestMap, empty_sets: Sets, empty_metrics: Metrics, empty_edges: Edges,
    py_merge: Callable[[Node, Node], Node], /,
) -> None: ...
def node_merge(a: Node, b: Node, /) -> Node: ...
def node_maps_merge(a: Mapping[str, Node], b: Mapping[str, Node], /) -> Mapping[str, Node]: ...
def node_maps_merge_all(maps: Sequence[Mapping[str, Node]], /) -> dict[str, Node]: ...

"""scopecore.render: Scope's views of a report, their node summaries, details, deltas and search.

    render(report, "containers", {"stopped": "both"}) -> Rendered   # .to_json() == GET /api/topology/<id>
    topology_list(report)                            -> [...]      # GET /api/topology
    details(report, "hosts", "vm;<host>")            -> {"node": ...} | None
    diff(previous_summaries, current_summaries)      -> {"add", "update", "remove", "reset"?}
    search.parse("cpu > 80%")                        -> Query
    IncrementalRenderer("hosts").update(parts)       -> Rendered   # only changed parts re-rendered

Pure: no I/O. Renderers are declared in views.py from the combinators; the registry is topologies.py.
"""

from . import search
from .base import AnyNode, LRUCache, Nodes, RenderCache, RenderContext, Renderer, RNode
from .details import details
from .diff import apply, diff
from .errors import QueryError, RenderError, UnknownTopology
from .incremental import IncrementalRenderer
from .options import Defaults, Option, OptionGroup
from .rendered import Rendered
from .search import Query, filter_summaries
from .summary import Summary, SummaryContext, summarize
from .topologies import TOPOLOGIES, TopologyDesc, render, topology, topology_list

__all__ = [
    "TOPOLOGIES",
    "AnyNode",
    "Defaults",
    "IncrementalRenderer",
    "LRUCache",
    "Nodes",
    "Option",
    "OptionGroup",
    "Query",
    "QueryError",
    "RNode",
    "RenderCache",
    "RenderContext",
    "RenderError",
    "Rendered",
    "Renderer",
    "Summary",
    "SummaryContext",
    "TopologyDesc",
    "UnknownTopology",
    "apply",
    "details",
    "diff",
    "filter_summaries",
    "render",
    "search",
    "summarize",
    "topology",
    "topology_list",
]

"""The topology registry (Scope's app/api_topologies.go): which views exist, their names, ranks and options;
`render` for GET /api/topology/<id> and `topology_list` for GET /api/topology.

The registry is a value (a tuple of descriptions), not a global to register into.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..report.report import Report
from . import views
from .base import Nodes, RenderCache, RenderContext, Renderer
from .censor import Censor
from .combinators import Memoise
from .errors import UnknownTopology
from .options import (
    CONTAINER_OPTIONS,
    POD_OPTIONS,
    UNCONNECTED_OPTIONS,
    UNMANAGED,
    Defaults,
    OptionGroup,
    dynamic_groups,
    transform,
)
from .rendered import Rendered
from .summary import SummaryContext

API_TOPOLOGY_URL = "/api/topology/"


@dataclass(frozen=True, slots=True)
class TopologyDesc:
    """One API topology: its ID (URL), name, renderer, rank, options, and parent in the menu."""

    id: str
    name: str
    renderer: Renderer
    rank: int = 0
    hide_if_empty: bool = False
    options: tuple[OptionGroup, ...] = ()
    parent: str = ""
    # Which dynamic namespace options it takes: "kubernetes", "swarm" (see options.dynamic_groups).
    namespaces: tuple[str, ...] = ()
    scope: bool = True  # False for views Scope 1.13 does not have

    @property
    def url(self) -> str:
        """The topology's API URL."""
        return API_TOPOLOGY_URL + self.id


def _desc(id_: str, name: str, renderer: Renderer, **kw: Any) -> TopologyDesc:
    # Scope memoises every registered renderer (Registry.Add).
    return TopologyDesc(id_, name, Memoise(renderer), **kw)


TOPOLOGIES: tuple[TopologyDesc, ...] = (
    _desc("processes", "Processes", views.ConnectedProcessRenderer, rank=1, hide_if_empty=True,
          options=UNCONNECTED_OPTIONS),
    _desc("processes-by-name", "by name", views.ProcessNameRenderer, hide_if_empty=True,
          options=UNCONNECTED_OPTIONS, parent="processes"),
    _desc("containers", "Containers", views.ContainerWithImageNameRenderer, rank=2, options=CONTAINER_OPTIONS,
          namespaces=("kubernetes", "swarm")),
    _desc("containers-by-hostname", "by DNS name", views.ContainerHostnameRenderer, options=CONTAINER_OPTIONS,
          parent="containers", namespaces=("kubernetes", "swarm")),
    _desc("containers-by-image", "by image", views.ContainerImageRenderer, options=CONTAINER_OPTIONS,
          parent="containers", namespaces=("kubernetes", "swarm")),
    _desc("pods", "Pods", views.PodRenderer, rank=3, hide_if_empty=True, options=POD_OPTIONS,
          namespaces=("kubernetes",)),
    _desc("kube-controllers", "Controllers", views.KubeControllerRenderer, hide_if_empty=True,
          options=(UNMANAGED,), parent="pods", namespaces=("kubernetes",)),
    _desc("services", "Services", views.PodServiceRenderer, hide_if_empty=True, options=(UNMANAGED,),
          parent="pods", namespaces=("kubernetes",)),
    _desc("namespaces", "Namespaces", views.NamespaceRenderer, hide_if_empty=True, options=(UNMANAGED,),
          parent="pods", scope=False),
    _desc("ecs-tasks", "Tasks", views.ECSTaskRenderer, rank=3, hide_if_empty=True, options=(UNMANAGED,)),
    _desc("ecs-services", "Services", views.ECSServiceRenderer, hide_if_empty=True, options=(UNMANAGED,),
          parent="ecs-tasks"),
    _desc("swarm-services", "Services", views.SwarmServiceRenderer, rank=3, hide_if_empty=True,
          options=(UNMANAGED,), namespaces=("swarm",)),
    _desc("hosts", "Hosts", views.HostRenderer, rank=4),
    _desc("weave", "Weave Net", views.WeaveRenderer, parent="hosts"),
)
_BY_ID = {t.id: t for t in TOPOLOGIES}


def topology(topology_id: str) -> TopologyDesc:
    """The description of a topology; UnknownTopology if there is none."""
    got = _BY_ID.get(topology_id)
    if got is None:
        raise UnknownTopology(topology_id)
    return got


def option_groups(desc: TopologyDesc, ctx: RenderContext) -> tuple[OptionGroup, ...]:
    """A topology's option groups for a report: its own, then any namespace options the report adds."""
    if not desc.namespaces:
        return desc.options
    dynamic = dynamic_groups(ctx)
    extra = tuple(dynamic[k] for k in desc.namespaces if k in dynamic)
    return desc.options + extra


def render_nodes(desc: TopologyDesc, ctx: RenderContext, options: Mapping[str, str],
                 defaults: Defaults = "always") -> tuple[Nodes, Nodes]:
    """(the view's nodes before options, after options)."""
    base = desc.renderer.render(ctx)
    return base, transform(option_groups(desc, ctx), options, defaults, base)


def render(report: Report, topology_id: str, options: Mapping[str, str] | None = None, *,
           defaults: Defaults = "always", cache: RenderCache | None = None) -> Rendered:
    """A view of a report with these options (missing ones at their defaults; `defaults="scope"` applies
    none when `options` is empty, as Scope does for a request without a query string)."""
    desc = topology(topology_id)
    ctx = RenderContext(report, cache)
    _base, nodes = render_nodes(desc, ctx, options or {}, defaults)
    sc = SummaryContext.of(ctx)
    return Rendered(topology_id, nodes, sc, censor=Censor.of(options or {}))


def _children(desc: TopologyDesc) -> list[TopologyDesc]:
    return [t for t in TOPOLOGIES if t.parent == desc.id]


def topology_list(report: Report, options: Mapping[str, Mapping[str, str]] | None = None, *,
                  defaults: Defaults = "always", cache: RenderCache | None = None,
                  scope_only: bool = False) -> list[dict[str, Any]]:
    """The body of GET /api/topology: every topology with its options and the stats of its render.

    `options` maps topology ID -> its options (Scope applies one query string to all); `scope_only` lists
    only the topologies Scope 1.13 has."""
    ctx = RenderContext(report, cache)
    options = options or {}

    def entry(desc: TopologyDesc) -> dict[str, Any]:
        groups = option_groups(desc, ctx)
        _base, nodes = render_nodes(desc, ctx, options.get(desc.id, {}), defaults)
        stats = Rendered(desc.id, nodes, SummaryContext.of(ctx)).stats()
        out: dict[str, Any] = {
            "name": desc.name,
            "rank": desc.rank,
            "hide_if_empty": desc.hide_if_empty,
            "options": [g.to_json() for g in groups] or None,
            "url": desc.url,
        }
        subs = [entry(s) for s in _children(desc) if s.scope or not scope_only]
        if subs:
            out["sub_topologies"] = subs
        out["stats"] = stats
        return out

    tops = sorted((t for t in TOPOLOGIES if not t.parent and (t.scope or not scope_only)), key=lambda t: t.name)
    return [entry(t) for t in tops]


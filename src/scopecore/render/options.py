"""Topology options: Scope's ids, values, labels and defaults (app/api_topologies.go), and the transform a set
of chosen values makes.

Scope's quirk: a request with no query parameters at all gets no option filters (only the pseudo-node cleanup),
while any parameter makes every missing option take its default. `defaults="scope"` reproduces that;
`defaults="always"` (ours) gives every missing option its default, so the same URL with or without `?t=1s`
shows the same nodes. See docs/scope-compatibility.md.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..report.kinds import TopologyKind
from .base import Nodes, RenderContext
from .combinators import FilterFunc, apply_filter
from .filters import (
    PSEUDO,
    FilterFactory,
    any_of,
    connected,
    const,
    filter_unconnected_pseudo,
    is_application,
    is_connected,
    is_namespace,
    is_non_snapshot_component,
    is_not_pseudo,
    is_pod_component,
    is_pseudo_topology,
    is_running,
    is_stopped,
    is_system,
)

Defaults = Literal["always", "scope"]


@dataclass(frozen=True, slots=True)
class Option:
    """One value of an option group; `filter` None keeps everything. Unless `filter_pseudo`, pseudo nodes
    are kept whatever the filter says."""

    value: str
    label: str
    filter: FilterFactory | None = None
    filter_pseudo: bool = False

    def to_json(self) -> dict[str, str]:
        """{"value", "label"}."""
        return {"value": self.value, "label": self.label}


@dataclass(frozen=True, slots=True)
class OptionGroup:
    """A topology option (`?id=value`): its choices, default, and how they combine ("one" or "union")."""

    id: str
    default: str
    options: tuple[Option, ...]
    select_type: str = ""
    none_label: str = ""

    def filter(self, value: str) -> FilterFactory | None:
        """The filter a chosen value makes (None: keep all). Unknown values choose nothing, as in Scope."""
        values = value.split(",") if self.select_type == "union" else [value]
        chosen = [o for o in self.options for v in values if v == o.value]
        if not chosen:
            return None
        factories: list[FilterFactory] = []
        for o in chosen:
            f = o.filter
            if f is None:
                return None  # matches everything, so the union does too
            if o.filter_pseudo:
                factories.append(f)
            else:
                factories.append(_or_pseudo(f))
        if len(factories) == 1:
            return factories[0]
        return lambda nodes: any_of(*(fac(nodes) for fac in factories))

    def to_json(self) -> dict[str, Any]:
        """The group as /api/topology lists it."""
        out: dict[str, Any] = {"id": self.id, "defaultValue": self.default,
                               "options": [o.to_json() for o in self.options] or None}
        if out["options"] is None:
            del out["options"]
        if self.select_type:
            out["selectType"] = self.select_type
        if self.none_label:
            out["noneLabel"] = self.none_label
        return out


def _or_pseudo(f: FilterFactory) -> FilterFactory:
    def factory(nodes: Nodes) -> FilterFunc:
        if f is is_connected:
            # The processes views' default, over every node: one call per node rather than three.
            ids_ = connected(nodes)
            return lambda n: n.topology == PSEUDO or n.id in ids_
        g = f(nodes)
        return lambda n: is_pseudo_topology(n) or g(n)

    return factory


CONTAINER_OPTIONS = (
    OptionGroup("system", "application", (
        Option("all", "All"),
        Option("system", "System containers", const(is_system)),
        Option("application", "Application containers", const(is_application)),
    )),
    OptionGroup("stopped", "running", (
        Option("stopped", "Stopped containers", const(is_stopped)),
        Option("running", "Running containers", const(is_running)),
        Option("both", "Both"),
    )),
    OptionGroup("pseudo", "hide", (
        Option("show", "Show uncontained"),
        Option("hide", "Hide uncontained", const(is_not_pseudo), filter_pseudo=True),
    )),
)
UNCONNECTED_OPTIONS = (
    OptionGroup("unconnected", "hide", (
        Option("show", "Show unconnected"),
        Option("hide", "Hide unconnected", is_connected),
    )),
)
UNMANAGED = OptionGroup("pseudo", "hide", (
    Option("show", "Show unmanaged"),
    Option("hide", "Hide unmanaged", const(is_not_pseudo), filter_pseudo=True),
))
POD_OPTIONS = (
    OptionGroup("snapshot", "hide", (
        Option("show", "Show snapshots"),
        Option("hide", "Hide snapshots", const(is_non_snapshot_component)),
    )),
    OptionGroup("storage", "hide", (
        Option("show", "Show storage"),
        Option("hide", "Hide storage", const(is_pod_component)),
    )),
    UNMANAGED,
)


def namespace_group(namespaces: list[str], none_label: str) -> OptionGroup:
    """The dynamic `namespace` option: one choice per namespace (or swarm stack), any number chosen."""
    return OptionGroup("namespace", "", tuple(Option(ns, ns, const(is_namespace(ns))) for ns in namespaces),
                       select_type="union", none_label=none_label)


def dynamic_groups(ctx: RenderContext) -> dict[str, OptionGroup]:
    """Option groups a report adds: Kubernetes namespaces, swarm stacks (by kind of topology they go to)."""
    out: dict[str, OptionGroup] = {}
    names = sorted({n.latest.get("kubernetes_name") or "" for n in ctx.nodes(TopologyKind.NAMESPACE).values()}
                   - {""})
    if names:
        out["kubernetes"] = namespace_group(names, "All Namespaces")
    stacks = sorted({n.latest.get("stack_namespace") or "" for n in ctx.nodes(TopologyKind.SWARM_SERVICE).values()}
                    - {""})
    if stacks:
        out["swarm"] = namespace_group(stacks, "All Stacks")
    return out


def transform(groups: tuple[OptionGroup, ...], options: Mapping[str, str], defaults: Defaults, nodes: Nodes) -> Nodes:
    """Apply chosen options (missing ones at their defaults), then drop unconnected pseudo nodes."""
    if defaults == "scope" and not options:
        return filter_unconnected_pseudo(nodes)
    factories = [f for g in groups if (f := g.filter(options.get(g.id, g.default))) is not None]
    if factories:
        fs = [fac(nodes) for fac in factories]
        keep = fs[0] if len(fs) == 1 else (lambda n: all(f(n) for f in fs))
        nodes = apply_filter(nodes, keep)
    return filter_unconnected_pseudo(nodes)

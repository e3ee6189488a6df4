"""delta(current, previous): what a probe sends between full reports (Scope's UnsafeUnMerge, made pure).

The delta holds every part of `current` that `previous` does not already hold, so that for any two reports

    previous.merge(delta(current, previous)) == previous.merge(current)

(a law tested with hypothesis). A node whose parts are all known is left out; a node that is sent but was known
before loses its `topology` (Scope's delta-only stubs), which the receiver's earlier full node restores on merge.
"""

from .edges import EdgeData, Edges
from .kinds import TopologyKind
from .latest import LatestMap
from .metrics import Metric, Metrics
from .node import Node
from .report import Report
from .sets import Sets
from .topology import Topology


def _latest(cur: LatestMap, prev: LatestMap) -> LatestMap:
    if not prev:
        return cur
    get = prev.entries.get
    kept = {k: e for k, e in cur.entries.items() if (p := get(k)) is None or e > p}
    return LatestMap(kept) if kept else LatestMap.empty()


def _sets(cur: Sets, prev: Sets) -> Sets:
    if not prev:
        return cur
    # A key the receiver lacks travels even with an empty set, so the merged value is the same one.
    kept = {k: v - prev.get(k) for k, v in cur.entries.items()}
    kept = {k: v for k, v in kept.items() if v or k not in prev.entries}
    return Sets(kept) if kept else Sets.empty()


def _metrics(cur: Metrics, prev: Metrics) -> Metrics:
    if not prev:
        return cur
    out: dict[str, Metric] = {}
    for name, m in cur.entries.items():
        old = prev.get(name)
        if old is None:
            out[name] = m
            continue
        known = dict(old.samples())
        new = [(t, v) for t, v in m.samples() if t not in known or v > known[t]]
        if new or m.min < old.min or m.max > old.max:
            # Bounds travel with any new sample; a bound alone travels as a sample-less metric.
            out[name] = Metric.of(new, m.min, m.max)
    return Metrics(out) if out else Metrics.empty()


def _edges(cur: Edges, prev: Edges) -> Edges:
    if not prev:
        return cur
    out: dict[str, EdgeData] = {}
    for target, data in cur.entries.items():
        old = prev.get(target)
        if old is None:
            out[target] = data  # even without samples: the receiver has no entry for this target
            continue
        samples = {k: c for k, c in data.samples.items()
                   if k not in old.samples or c.join(old.samples[k]) != old.samples[k]}
        if samples:
            out[target] = EdgeData(samples)
    return Edges(out) if out else Edges.empty()


def _node(cur: Node, prev: Node | None) -> Node | None:
    if prev is None:
        return cur
    latest = _latest(cur.latest, prev.latest)
    sets = _sets(cur.sets, prev.sets)
    parents = _sets(cur.parents, prev.parents)
    adjacency = cur.adjacency - prev.adjacency
    metrics = _metrics(cur.metrics, prev.metrics)
    edges = _edges(cur.edges, prev.edges)
    children = {cid: d for cid, c in cur.children.items() if (d := _node(c, prev.children.get(cid))) is not None}
    topology = cur.topology if cur.topology != prev.topology and cur.topology > prev.topology else ""
    if not (latest or sets or parents or adjacency or metrics or edges or children or topology):
        return None
    return Node(cur.id, topology, latest, sets, parents, adjacency, metrics, children, edges)


def delta(current: Report, previous: Report) -> Report:
    """The parts of `current` that `previous` lacks (see the module docstring)."""
    topologies: dict[TopologyKind, Topology] = {}
    for kind, topo in current.topologies.items():
        old = previous.topology(kind)
        nodes = {nid: d for nid, n in topo.nodes.items() if (d := _node(n, old.nodes.get(nid))) is not None}
        meta = topo.with_nodes({})
        if nodes or not meta.is_metadata_of(old) or kind not in previous.topologies:
            topologies[kind] = meta.with_nodes(nodes) if not meta.is_metadata_of(old) else Topology(nodes)
    dns = {a: r for a, r in current.dns.items() if a not in previous.dns or previous.dns[a].merge(r) != previous.dns[a]}
    plugins = {k: p for k, p in current.plugins.items() if previous.plugins.get(k) != p}
    return Report(topologies, dns, plugins, current.ts, current.window, current.shortcut, current.sampling,
                  current.id)

"""Merge loses nothing and invents nothing: cut a report into parts and merging the parts gives it back.

Every atom of the report (each latest entry, set element, parent, adjacency entry, metric sample, edge sample,
child, template, DNS name...) goes to a random non-empty subset of k parts, so parts overlap the way reports
from several probes or several ticks do. Parts that do not get an atom may get a stale version of it (an older
latest entry, a smaller sample value, smaller edge counts, a narrower time span), which the join must drop.
"""

import math
import random
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import reports

from scopecore.report import (
    DNSRecord,
    EdgeCounts,
    EdgeData,
    Edges,
    LatestMap,
    Metric,
    Metrics,
    Node,
    Report,
    ReportBuilder,
    Sets,
    Topology,
    TopologyKind,
)

pytestmark = pytest.mark.laws

T = TypeVar("T")
STALE = 0.3  # chance that a part which does not get an atom gets a dominated version of it instead


def _subset(rnd: random.Random, within: Sequence[int]) -> list[int]:
    """A random non-empty subset of `within`."""
    chosen = [i for i in within if rnd.random() < 0.5]
    return chosen or [rnd.choice(within)]


def _spread_sets(
    entries: Mapping[str, frozenset[str]], where: Sequence[int], rnd: random.Random
) -> dict[int, Sets]:
    out: dict[int, dict[str, set[str]]] = {i: {} for i in where}
    for key, values in entries.items():
        for v in values:
            for i in _subset(rnd, where):
                out[i].setdefault(key, set()).add(v)
    return {i: Sets.of(d) for i, d in out.items()}


def _spread_latest(latest: LatestMap, where: Sequence[int], rnd: random.Random) -> dict[int, LatestMap]:
    out: dict[int, dict[str, tuple[int, str]]] = {i: {} for i in where}
    for key, (ts, value) in latest.entries.items():
        chosen = _subset(rnd, where)
        for i in where:
            if i in chosen:
                out[i][key] = (ts, value)
            elif rnd.random() < STALE:
                out[i][key] = (ts - 1, "stale")
    return {i: LatestMap(d) for i, d in out.items()}


def _spread_metrics(metrics: Metrics, where: Sequence[int], rnd: random.Random) -> dict[int, Metrics]:
    out: dict[int, dict[str, Metric]] = {i: {} for i in where}
    for name, m in metrics.entries.items():
        present = _subset(rnd, where)
        samples: dict[int, list[tuple[int, float]]] = {i: [] for i in present}
        for t, v in m.samples():
            chosen = _subset(rnd, present)
            for i in present:
                if i in chosen:
                    samples[i].append((t, v))
                elif rnd.random() < STALE:
                    samples[i].append((t, v - abs(v) - 1.0))  # same time, smaller value: the larger wins
        bounded = _subset(rnd, present)
        for i in present:
            lo, hi = (m.min, m.max) if i in bounded else (math.inf, -math.inf)
            out[i][name] = Metric.of(samples[i], lo, hi)
    return {i: Metrics(d) for i, d in out.items()}


def _smaller(c: EdgeCounts, rnd: random.Random) -> EdgeCounts:
    return EdgeCounts(*(rnd.randint(0, x) for x in c))


def _spread_edges(edges: Edges, where: Sequence[int], rnd: random.Random) -> dict[int, Edges]:
    out: dict[int, dict[str, EdgeData]] = {i: {} for i in where}
    for target, data in edges.entries.items():
        present = _subset(rnd, where)
        samples: dict[int, dict[tuple[str, int], EdgeCounts]] = {i: {} for i in present}
        for key, counts in data.samples.items():
            chosen = _subset(rnd, present)
            for i in present:
                if i in chosen:
                    samples[i][key] = counts
                elif rnd.random() < STALE:
                    samples[i][key] = _smaller(counts, rnd)
        for i in present:
            out[i][target] = EdgeData(samples[i])
    return {i: Edges(d) for i, d in out.items()}


def split_node(n: Node, where: Sequence[int], rnd: random.Random) -> dict[int, Node]:
    """Pieces of n, one per part in `where`; the pieces' join is n."""
    latest = _spread_latest(n.latest, where, rnd)
    sets = _spread_sets(n.sets.entries, where, rnd)
    parents = _spread_sets(n.parents.entries, where, rnd)
    adjacency: dict[int, set[str]] = {i: set() for i in where}
    for target in n.adjacency:
        for i in _subset(rnd, where):
            adjacency[i].add(target)
    metrics = _spread_metrics(n.metrics, where, rnd)
    edges = _spread_edges(n.edges, where, rnd)
    children: dict[int, dict[str, Node]] = {i: {} for i in where}
    for child_id, child in n.children.items():
        for i, piece in split_node(child, _subset(rnd, where), rnd).items():
            children[i][child_id] = piece
    # Pieces without the topology name are Scope's delta stubs.
    named = _subset(rnd, where) if n.topology else []
    return {
        i: Node(
            n.id,
            n.topology if i in named else "",
            latest[i],
            sets[i],
            parents[i],
            frozenset(adjacency[i]),
            metrics[i],
            children[i],
            edges[i],
        )
        for i in where
    }


def _spread_picked(values: Mapping[str, T], where: Sequence[int], rnd: random.Random) -> dict[int, dict[str, T]]:
    out: dict[int, dict[str, T]] = {i: {} for i in where}
    for key, v in values.items():
        for i in _subset(rnd, where):
            out[i][key] = v
    return out


def split_topology(t: Topology, where: Sequence[int], rnd: random.Random) -> dict[int, Topology]:
    """Pieces of t, one per part in `where`."""
    nodes: dict[int, dict[str, Node]] = {i: {} for i in where}
    for node_id, n in t.nodes.items():
        for i, piece in split_node(n, _subset(rnd, where), rnd).items():
            nodes[i][node_id] = piece

    def scalar(value: str) -> dict[int, str]:
        chosen = _subset(rnd, where) if value else []
        return {i: value if i in chosen else "" for i in where}

    shape, tag, label, plural = scalar(t.shape), scalar(t.tag), scalar(t.label), scalar(t.label_plural)
    controls = _spread_picked(t.controls, where, rnd)
    metadata = _spread_picked(t.metadata_templates, where, rnd)
    metric = _spread_picked(t.metric_templates, where, rnd)
    table = _spread_picked(t.table_templates, where, rnd)
    return {
        i: Topology(nodes[i], shape[i], tag[i], label[i], plural[i], controls[i], metadata[i], metric[i], table[i])
        for i in where
    }


def split_report(r: Report, k: int, rnd: random.Random) -> list[Report]:
    """k reports whose join is r."""
    everywhere = list(range(k))
    topologies: list[dict[TopologyKind, Topology]] = [{} for _ in everywhere]
    for kind, topo in r.topologies.items():
        for i, piece in split_topology(topo, _subset(rnd, everywhere), rnd).items():
            topologies[i][kind] = piece
    dns: list[dict[str, DNSRecord]] = [{} for _ in everywhere]
    for addr, rec in r.dns.items():
        present = _subset(rnd, everywhere)
        fwd: dict[int, set[str]] = {i: set() for i in present}
        rev: dict[int, set[str]] = {i: set() for i in present}
        for name in rec.forward:
            for i in _subset(rnd, present):
                fwd[i].add(name)
        for name in rec.reverse:
            for i in _subset(rnd, present):
                rev[i].add(name)
        for i in present:
            dns[i][addr] = DNSRecord(frozenset(fwd[i]), frozenset(rev[i]))
    plugins = _spread_picked(r.plugins, everywhere, rnd)
    # The time span: some parts cover all of it, the others a part of it or nothing.
    spans: list[tuple[int | None, int]] = [(None, 0)] * k
    if r.ts is not None:
        whole = _subset(rnd, everywhere)
        for i in everywhere:
            if i in whole:
                spans[i] = (r.ts, r.window)
            elif rnd.random() < 0.5:
                start = rnd.randint(r.ts, r.ts + r.window)
                spans[i] = (start, rnd.randint(0, r.ts + r.window - start))
    shortcut = _subset(rnd, everywhere) if r.shortcut else []
    sampled = _subset(rnd, everywhere)
    return [
        Report(
            topologies[i],
            dns[i],
            plugins[i],
            spans[i][0],
            spans[i][1],
            i in shortcut,
            r.sampling if i in sampled else (rnd.randint(0, r.sampling[0]), rnd.randint(0, r.sampling[1])),
            id=f"part-{i}",
        )
        for i in everywhere
    ]


@given(r=reports(children=True), k=st.integers(min_value=1, max_value=4), rnd=st.randoms(use_true_random=False))
def test_merging_the_parts_of_a_report_gives_it_back(r: Report, k: int, rnd: random.Random) -> None:
    parts = split_report(r, k, rnd)
    rnd.shuffle(parts)
    assert reduce(Report.merge, parts, Report.empty()) == r
    assert Report.merge_all(parts) == r
    b = ReportBuilder()
    for p in parts:
        b.merge(p)
    assert b.freeze() == r


@given(r=reports(children=True), rnd=st.randoms(use_true_random=False))
def test_a_part_is_below_the_whole(r: Report, rnd: random.Random) -> None:
    """Each part adds nothing to the report it was cut from (it is below it in the lattice order)."""
    for p in split_report(r, 3, rnd):
        assert r.merge(p) == r

"""A probe's stream of full and delta reports, delivered in any order and any number of times, folds to the
probe's state.

The probe's state is kept here as plain dicts and turned into a Report without calling any merge, so the test
does not check merge against itself. A full report carries every node whole; a delta carries only what
changed since the previous report, and a node already sent may come as a stub with an empty `topology`, as
Scope's delta reports do.
"""

from dataclasses import dataclass, field
from functools import reduce
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from strategies import KEYS, NONEMPTY_WORDS, SMALL_INTS, WORDS

from scopecore.report import (
    EdgeCounts,
    EdgeData,
    Edges,
    LatestMap,
    Metric,
    Metrics,
    Node,
    Report,
    Sets,
    Topology,
    TopologyKind,
    ids,
)

pytestmark = pytest.mark.laws

PROBE = "probe-1"
TICK = 1_000  # every report covers [ts, ts + TICK]
HOST = ids.host("vm")
NodeKey = tuple[TopologyKind, str]
# The nodes the probe can see: a few, of a few kinds, with IDs in Scope's formats.
NODE_KEYS: list[NodeKey] = [
    (TopologyKind.HOST, HOST),
    (TopologyKind.PROCESS, ids.process("vm", 1)),
    (TopologyKind.PROCESS, ids.process("vm", 2)),
    (TopologyKind.ENDPOINT, ids.endpoint("vm", "10.0.0.1", 80)),
    (TopologyKind.ENDPOINT, ids.endpoint("", "1.2.3.4", 443)),
]
nodes = st.sampled_from(NODE_KEYS)
targets = st.sampled_from([node_id for _, node_id in NODE_KEYS])
# One thing a probe sees change: (ProbeStream method, node, arguments).
changes = st.one_of(
    st.tuples(st.just("set_latest"), nodes, st.tuples(KEYS, WORDS)),
    st.tuples(st.just("add_to_set"), nodes, st.tuples(KEYS, NONEMPTY_WORDS)),
    st.tuples(st.just("add_parent"), nodes, st.sampled_from([("host", HOST), ("container", ids.container("c1"))])),
    st.tuples(st.just("add_adjacent"), nodes, st.tuples(targets)),
    st.tuples(st.just("sample_metric"), nodes, st.tuples(KEYS, st.floats(min_value=0, max_value=100))),
    st.tuples(
        st.just("sample_edge"),
        nodes,
        st.tuples(targets, st.builds(EdgeCounts, SMALL_INTS, SMALL_INTS, SMALL_INTS)),
    ),
)


@dataclass
class NodeState:
    """What the probe knows (or has changed since the last report) about one node, as plain dicts."""

    latest: dict[str, tuple[int, str]] = field(default_factory=dict)
    sets: dict[str, set[str]] = field(default_factory=dict)
    parents: dict[str, set[str]] = field(default_factory=dict)
    adjacency: set[str] = field(default_factory=set)
    metrics: dict[str, dict[int, float]] = field(default_factory=dict)
    edges: dict[str, dict[tuple[str, int], EdgeCounts]] = field(default_factory=dict)

    def to_node(self, node_id: str, topology: str) -> Node:
        """The Node these dicts describe (no merge involved)."""
        return Node(
            node_id,
            topology,
            LatestMap(dict(self.latest)),
            Sets({k: frozenset(v) for k, v in self.sets.items()}),
            Sets({k: frozenset(v) for k, v in self.parents.items()}),
            frozenset(self.adjacency),
            Metrics({k: Metric.of(samples.items()) for k, samples in self.metrics.items()}),
            {},
            Edges({t: EdgeData(dict(samples)) for t, samples in self.edges.items()}),
        )


class ProbeStream(RuleBasedStateMachine):
    """The probe changes its world, and now and then sends a full or a delta report of it."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0
        self.world: dict[NodeKey, NodeState] = {}
        self.pending: dict[NodeKey, NodeState] = {}  # changed since the last report
        self.sent_once: set[NodeKey] = set()  # nodes sent at least once, so named to the receiver
        self.sent: list[Report] = []
        self.span: tuple[int, int] | None = None  # (first ts, last ts + TICK) of the reports sent
        self.expected = Report.empty()  # the world as of the last report sent
        self.last_full: int | None = None  # index in `sent` of the newest full report

    @initialize(start=st.integers(min_value=0, max_value=10**12))
    def start(self, start: int) -> None:
        self.now = start

    @rule(dt=st.integers(min_value=1, max_value=3 * TICK))
    def tick(self, dt: int) -> None:
        self.now += dt

    @rule(changes=st.lists(changes, min_size=1, max_size=8))
    def observe(self, changes: list[tuple[str, NodeKey, tuple[Any, ...]]]) -> None:
        """The probe sees a few things change during this tick."""
        for name, node, args in changes:
            getattr(self, name)(*self._touch(node), *args)

    def _touch(self, key: NodeKey) -> tuple[NodeState, NodeState]:
        return self.world.setdefault(key, NodeState()), self.pending.setdefault(key, NodeState())

    def set_latest(self, world: NodeState, pending: NodeState, key: str, value: str) -> None:
        if key in world.latest and world.latest[key][0] == self.now:
            return  # a probe sets a key once per tick
        world.latest[key] = pending.latest[key] = (self.now, value)

    def add_to_set(self, world: NodeState, pending: NodeState, key: str, value: str) -> None:
        world.sets.setdefault(key, set()).add(value)
        pending.sets.setdefault(key, set()).add(value)

    def add_parent(self, world: NodeState, pending: NodeState, topology: str, parent: str) -> None:
        world.parents.setdefault(topology, set()).add(parent)
        pending.parents.setdefault(topology, set()).add(parent)

    def add_adjacent(self, world: NodeState, pending: NodeState, dest: str) -> None:
        world.adjacency.add(dest)
        pending.adjacency.add(dest)

    def sample_metric(self, world: NodeState, pending: NodeState, name: str, value: float) -> None:
        if self.now in world.metrics.get(name, {}):
            return  # one sample per metric per tick
        world.metrics.setdefault(name, {})[self.now] = value
        pending.metrics.setdefault(name, {})[self.now] = value

    def sample_edge(self, world: NodeState, pending: NodeState, dest: str, counts: EdgeCounts) -> None:
        key = (PROBE, self.now)
        if key in world.edges.get(dest, {}):
            return  # one sample per edge per tick
        world.edges.setdefault(dest, {})[key] = counts
        pending.edges.setdefault(dest, {})[key] = counts
        self.add_adjacent(world, pending, dest)

    def _send(self, report: Report) -> None:
        self.sent.append(report)
        self.pending = {}
        self.sent_once |= self.world.keys()
        first = self.now if self.span is None else self.span[0]
        self.span = (first, self.now + TICK)
        self.expected = self._world_report()

    def _world_topologies(self) -> dict[TopologyKind, Topology]:
        topologies: dict[TopologyKind, dict[str, Node]] = {}
        for (kind, node_id), state in self.world.items():
            topologies.setdefault(kind, {})[node_id] = state.to_node(node_id, kind.value)
        return {k: Topology(ns) for k, ns in topologies.items()}

    def _world_report(self) -> Report:
        assert self.span is not None
        start, end = self.span
        return Report(self._world_topologies(), ts=start, window=end - start)

    @rule()
    def send_full(self) -> None:
        self.last_full = len(self.sent)
        self._send(Report(self._world_topologies(), ts=self.now, window=TICK, id=f"full-{self.now}"))

    @rule(stubs=st.booleans())
    def send_delta(self, stubs: bool) -> None:
        topologies: dict[TopologyKind, dict[str, Node]] = {}
        for (kind, node_id), change in self.pending.items():
            # A node the receiver has not seen is sent named; one it has may come as a nameless stub.
            topology = "" if stubs and (kind, node_id) in self.sent_once else kind.value
            topologies.setdefault(kind, {})[node_id] = change.to_node(node_id, topology)
        report = Report({k: Topology(ns) for k, ns in topologies.items()}, ts=self.now, window=TICK)
        self._send(report.with_id(f"delta-{self.now}"))

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        """A report delivered again (a retry, or two apps behind a load balancer) changes nothing."""
        self.sent.append(data.draw(st.sampled_from(self.sent)))

    @invariant()
    def stream_folds_to_the_world(self) -> None:
        assert reduce(Report.merge, self.sent, Report.empty()) == self.expected
        assert Report.merge_all(self.sent) == self.expected

    @precondition(lambda self: len(self.sent) > 1)
    @rule(data=st.data())
    def any_order_folds_to_the_world(self, data: st.DataObject) -> None:
        shuffled = data.draw(st.permutations(self.sent))
        assert reduce(Report.merge, shuffled, Report.empty()) == self.expected

    @precondition(lambda self: self.last_full is not None)
    @invariant()
    def newest_full_plus_later_deltas_is_the_world(self) -> None:
        """What Scope's app does: keep the newest full report and merge the deltas that came after it."""
        assert self.last_full is not None
        latest = reduce(Report.merge, self.sent[self.last_full :], Report.empty())
        assert latest.topologies == self.expected.topologies


TestProbeStream = ProbeStream.TestCase
TestProbeStream.settings = settings(stateful_step_count=30)  # the rest from the profile (tests/conftest.py)

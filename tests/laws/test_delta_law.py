"""delta(current, previous) is what a probe sends between full reports: merged into what the receiver already
has, it must give exactly what sending `current` whole would have given, and it must be no larger."""

import pytest
from hypothesis import example, given
from strategies import reports

from scopecore.report import EdgeData, Edges, Node, Report, Topology, TopologyKind
from scopecore.report.delta import delta

pytestmark = pytest.mark.laws


_EMPTY_EDGE = Report({TopologyKind.PROCESS: Topology({"n2": Node("n2", edges=Edges({"n1": EdgeData({})}))})})


@example(_EMPTY_EDGE, Report.empty())  # an edge entry without samples, which the receiver does not have (found in CI)
@given(reports(children=True), reports(children=True))
def test_previous_merged_with_delta_equals_previous_merged_with_current(current: Report, previous: Report) -> None:
    d = delta(current, previous)
    assert previous.merge(d) == previous.merge(current)


@given(reports(children=True), reports(children=True))
def test_a_delta_carries_nothing_the_receiver_has(current: Report, previous: Report) -> None:
    d = delta(current, previous)
    assert delta(d, previous.merge(current)).topologies == {}
    assert sum(len(t.nodes) for t in d.topologies.values()) <= sum(len(t.nodes) for t in current.topologies.values())


@given(reports(children=True))
def test_delta_against_itself_is_empty_and_against_nothing_is_everything(r: Report) -> None:
    assert delta(r, r).topologies == {}
    assert delta(r, Report.empty()).merge(Report.empty()) == r

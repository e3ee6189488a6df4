"""Summary rows made in C (cext/csummary.c) against Templates' rows in Python, compared as JSON text (so key
order and the sign of a zero count); metrics holding other numbers than floats are left to Python (None)."""

import json
import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from render_world import PROCESS_TOPOLOGY, T0, node

from scopecore.render import summary
from scopecore.render.base import rebuild
from scopecore.render.rows import Templates
from scopecore.report import Metric, Metrics

csummary = summary._csummary
pytestmark = pytest.mark.skipif(csummary is None, reason="scopecore.render._csummary was not built (no C compiler)")
TEMPLATES = Templates(PROCESS_TOPOLOGY)
MD_SPEC = tuple((tid, proto) for _t, tid, proto, _from in TEMPLATES.metadata)

numbers = st.one_of(
    st.sampled_from([0.0, -0.0, -0.001, 0.004, 1.239, -1.239, 1e300, -1e300, 1e299, math.inf, -math.inf, math.nan]),
    st.floats(),
)
maybe_ints = numbers | st.integers(-5, 5)


@st.composite
def metrics(draw: st.DrawFn, values: st.SearchStrategy[float]) -> Metrics:
    out = {}
    for tid, _proto in TEMPLATES.metrics:
        if draw(st.booleans()):
            vs = draw(st.lists(values, max_size=3))
            out[tid] = Metric(tuple(T0 + i for i in range(len(vs))), tuple(vs), draw(values), draw(values))
    return Metrics(out)


@settings(max_examples=500)
@given(metrics(numbers))
def test_metric_rows(ms: Metrics) -> None:
    got = csummary.metric_rows(ms.entries, TEMPLATES.metrics)
    want = TEMPLATES.metric_rows(rebuild(node("vm;1", "process"), metrics=ms), False)
    assert got is not None
    assert json.dumps(got) == json.dumps(want)


@given(metrics(maybe_ints))
def test_metric_rows_of_other_numbers_are_left_to_python(ms: Metrics) -> None:
    got = csummary.metric_rows(ms.entries, TEMPLATES.metrics)
    want = TEMPLATES.metric_rows(rebuild(node("vm;1", "process"), metrics=ms), False)
    assert got is None or json.dumps(got) == json.dumps(want)


@given(st.dictionaries(st.sampled_from([tid for tid, _ in MD_SPEC] + ["other"]), st.sampled_from(["1", "", "x y"])))
def test_metadata_rows(latest: dict[str, str]) -> None:
    n = node("vm;1", "process", latest)
    assert json.dumps(csummary.md_rows(n.latest.entries, MD_SPEC)) == json.dumps(TEMPLATES.metadata_rows(n))


def test_bad_arguments_and_reference_counts() -> None:
    with pytest.raises(TypeError):
        csummary.md_rows({}, ((1,),))
    with pytest.raises(TypeError):
        csummary.metric_rows([], ())
    n = node("vm;1", "process", {"pid": "1"})
    ms = Metrics({TEMPLATES.metrics[0][0]: Metric((T0,), (1.5,), 0.0, 100.0)})
    watched = [n.latest.entries["pid"], MD_SPEC[0][1], ms.entries[TEMPLATES.metrics[0][0]]]
    csummary.md_rows(n.latest.entries, MD_SPEC), csummary.metric_rows(ms.entries, TEMPLATES.metrics)
    before = [sys.getrefcount(o) for o in watched]
    for _ in range(1000):
        csummary.md_rows(n.latest.entries, MD_SPEC)
        csummary.metric_rows(ms.entries, TEMPLATES.metrics)
    assert [sys.getrefcount(o) for o in watched] == before

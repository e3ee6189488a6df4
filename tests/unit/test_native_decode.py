"""The C decoder of the usual node (cext/cdecode.c) against the Python decoder it stands in for.

decode_node() either returns the very Node the Python decoder makes, or None (and Python decodes the node,
with its errors): it may decline anything, but never accept what Python rejects nor decode differently.
"""

import math
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from bench.fleet import Fleet, host_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scopecore.codec import GZIP, JSON, MSGPACK, decode, dumps, loads
from scopecore.errors import DecodeError
from scopecore.report import Node

cdecode = decode._cdecode
pytestmark = pytest.mark.skipif(cdecode is None, reason="scopecore.codec._cdecode was not built (no C compiler)")

_SHARED = Path(__file__).resolve().parents[3] / "shared/fixtures"
FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", _SHARED)) / "scope-1.13"
REPORTS = ["report.json", "report.replay.json", "probe_report.json", "probe_report.delta.json",
           "probe_report.shortcut.json"]

# Timestamps the decoder has seen (its cache), and one it has not (the C path has the decoder parse it).
SEEN = ["2026-12-04T19:59:16.824947674Z", "2026-12-04T19:59:17Z", "2026-12-04T19:59:18.5Z"]
UNSEEN = "2026-12-04T20:00:00Z"


def _python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "_fast_node", None)


def test_decoding_uses_it() -> None:
    assert decode._fast_node is cdecode.decode_node


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="Scope fixtures not found")
@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("content_type", [JSON, MSGPACK])
def test_scope_reports_decode_alike(name: str, content_type: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / name).read_bytes()
    if content_type == MSGPACK:  # Scope's own msgpack form: Go binary times
        data = dumps(loads(data), MSGPACK)
    fast = loads(data, content_type)
    _python_only(monkeypatch)
    assert fast == loads(data, content_type)


def test_fleet_report_decodes_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    body = dumps(host_report(Fleet(3, 20), 1, 2), MSGPACK, GZIP)
    fast = loads(body, MSGPACK, GZIP)
    _python_only(monkeypatch)
    assert fast == loads(body, MSGPACK, GZIP)


# --- any node document --------------------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, -0.0, math.nan, math.inf]),
                     st.sampled_from(["", "x", "y", *SEEN, UNSEEN]), st.just(2**70))
_times = st.sampled_from([*SEEN, UNSEEN]) | _scalars
_strings = st.lists(st.sampled_from(["a", "b", "c"]), max_size=3)
_junk = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=2)
                     | st.dictionaries(st.sampled_from(["a", "value"]), inner, max_size=2), max_leaves=4)


def _or_junk(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Mostly the right shape, sometimes anything.
    return st.one_of(s, s, s, _junk)


_latest = st.dictionaries(st.sampled_from(["pid", "name", "host_node_id"]), _or_junk(st.fixed_dictionaries(
    {"value": _or_junk(st.sampled_from(["1", "web", ""])), "timestamp": _or_junk(_times)})), max_size=3)
_sets = st.dictionaries(st.sampled_from(["host", "container"]), _or_junk(_strings), max_size=2)
_sample = st.fixed_dictionaries({"date": _or_junk(st.sampled_from(SEEN)),
                                 "value": _or_junk(st.sampled_from([0.0, 1.5, -0.0, 2, 3, 1e308]))})
_metric = st.fixed_dictionaries({"samples": _or_junk(st.lists(_sample, max_size=3))},
                                optional={"min": _or_junk(st.sampled_from([0.0, 1, None])),
                                          "max": _or_junk(st.sampled_from([100.0, 2**1100, None]))})
_node = st.fixed_dictionaries({}, optional={
    "topology": _or_junk(st.sampled_from(["process", "", "host"])),
    "latest": _or_junk(_latest),
    "sets": _or_junk(_sets),
    "parents": _or_junk(_sets),
    "adjacency": _or_junk(_strings),
    "metrics": _or_junk(st.dictionaries(st.sampled_from(["cpu", "mem"]), _or_junk(_metric), max_size=2)),
    "counters": _or_junk(st.just({})),
    "children": _or_junk(st.just([])),
    "edges": _or_junk(st.just({})),
    "extra": _junk,
})


# The right shapes throughout, with the values that matter: repeated and unordered sample times, ints and
# NaN and infinities among numbers, empty lists, missing bounds.
_good_samples = st.lists(st.fixed_dictionaries({"date": st.sampled_from(SEEN), "value": st.sampled_from(
    [0.0, 1.5, -0.0, 2, 3, 1e308, math.inf, math.nan])}), max_size=3)
_good_metric = st.fixed_dictionaries({"samples": _good_samples | st.none()}, optional={
    "min": st.sampled_from([0.0, 1, None, math.nan, -math.inf]), "max": st.sampled_from([100.0, 7, None])})
_good_node = st.fixed_dictionaries({}, optional={
    "topology": st.sampled_from(["process", "", "host"]),
    "latest": st.dictionaries(st.sampled_from(["pid", "name"]), st.fixed_dictionaries(
        {"value": st.sampled_from(["1", "web", ""]), "timestamp": st.sampled_from(SEEN)}), max_size=2),
    "sets": st.dictionaries(st.sampled_from(["a", "b"]), _strings, max_size=2),
    "parents": st.dictionaries(st.sampled_from(["host"]), _strings, max_size=1),
    "adjacency": _strings | st.none(),
    "metrics": st.dictionaries(st.sampled_from(["cpu", "mem"]), _good_metric, max_size=2),
})


def _decoder() -> decode._Decoder:
    d = decode._Decoder()
    for ts in SEEN:
        d.time(ts)
    return d


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(_node, st.sampled_from(["n1", "host;1"]) | _scalars)
def test_any_node_document(doc: dict[str, Any], nid: Any) -> None:
    d = _decoder()
    got = cdecode.decode_node(nid, doc, d._times, d.time)
    try:
        want: Node | None = d.node(nid, doc)
    except DecodeError:
        want = None
    if got is not None:
        assert got == want  # accepted: exactly what Python makes (and never what Python rejects)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(_good_node)
def test_well_formed_node_documents(doc: dict[str, Any]) -> None:
    d = _decoder()
    got = cdecode.decode_node("n1", doc, d._times, d.time)
    try:
        want: Node | None = d.node("n1", doc)
    except DecodeError:
        want = None
    if got is not None:
        assert got == want


def test_it_takes_the_usual_node() -> None:
    doc = {"topology": "process", "latest": {"pid": {"value": "1", "timestamp": SEEN[0]}},
           "parents": {"host": ["h"]}, "adjacency": ["x"],
           "metrics": {"cpu": {"samples": [{"date": SEEN[1], "value": 1}, {"date": SEEN[2], "value": 2.5}],
                               "min": 0, "max": 100.0}}}
    d = _decoder()
    got = cdecode.decode_node("h;1", doc, d._times, d.time)
    assert got is not None and got == d.node("h;1", doc)
    assert cdecode.decode_node("h;1", {**doc, "counters": {"c": 1}}, d._times, d.time) is None  # legacy: Python's
    unseen = {**doc, "latest": {"pid": {"value": "1", "timestamp": UNSEEN}}}
    assert cdecode.decode_node("h;1", unseen, d._times, d.time) == d.node("h;1", unseen)  # parsed, and cached
    assert UNSEEN in d._times
    bad = {**doc, "latest": {"pid": {"value": "1", "timestamp": "yesterday"}}}
    assert cdecode.decode_node("h;1", bad, d._times, d.time) is None  # Python raises, with the path


def test_reference_counts_balance() -> None:
    doc = {"topology": "process", "latest": {"pid": {"value": "1", "timestamp": SEEN[0]}}, "sets": {"s": ["a"]},
           "metrics": {"cpu": {"samples": [{"date": SEEN[0], "value": 1.0}], "min": 0.0}}}
    d = _decoder()
    watched = [doc, doc["latest"], doc["latest"]["pid"]["value"], SEEN[0], d._times[SEEN[0]]]
    cdecode.decode_node("n", doc, d._times, d.time)
    before = [sys.getrefcount(o) for o in watched]
    for _ in range(1000):
        cdecode.decode_node("n", doc, d._times, d.time)
        cdecode.decode_node("n", {**doc, "metrics": {"cpu": {"samples": [], "min": math.nan}}}, d._times, d.time)
    assert [sys.getrefcount(o) for o in watched] == before

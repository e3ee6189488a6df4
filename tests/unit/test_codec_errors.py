"""Bad input gets a DecodeError that says what and where, never another exception; fuzzed with hypothesis."""

import gzip
import json
import os
from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scopecore import DecodeError
from scopecore.codec import GZIP, JSON, MSGPACK, dumps, loads
from scopecore.report import Node, Report, TopologyKind

pytestmark = pytest.mark.unit


def _json(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _error(data: bytes, *args: Any, **kw: Any) -> str:
    with pytest.raises(DecodeError) as e:
        loads(data, *args, **kw)
    return str(e.value)


def _node_doc(**fields: Any) -> dict[str, Any]:
    return {"TS": "2026-12-04T19:59:10Z", "Process": {"nodes": {"vm;42": {"id": "vm;42", **fields}}}}


@pytest.mark.parametrize(
    ("doc", "where", "what"),
    [
        (_node_doc(latest={"pid": {"timestamp": "yesterday", "value": "42"}}),
         'Process.nodes["vm;42"].latest.pid.timestamp', "not an RFC 3339 time"),
        (_node_doc(latest={"pid": {"timestamp": "2026-12-04T19:59:10Z", "value": 42}}),
         'Process.nodes["vm;42"].latest.pid.value', "expected a string, got a number"),
        (_node_doc(adjacency="vm;1"), 'Process.nodes["vm;42"].adjacency', "expected an array, got a string"),
        (_node_doc(sets={"ips": [1]}), 'Process.nodes["vm;42"].sets.ips[0]', "expected a string"),
        (_node_doc(metrics={"cpu": {"samples": [{"date": "2026-12-04T19:59:10Z", "value": "high"}]}}),
         'Process.nodes["vm;42"].metrics.cpu.samples[0].value', "expected a number"),
        (_node_doc(children=[{"latest": {}}]), 'Process.nodes["vm;42"].children[0]', "without an id"),
        ({"TS": 5}, "TS", "expected a time"),
        ({"TS": "2026-12-04T19:59:10Z", "Window": "long"}, "Window", "expected an integer"),
        ({"TS": "2026-12-04T19:59:10Z", "Process": []}, "Process", "expected an object, got an array"),
        ({"TS": "2026-12-04T19:59:10Z", "Host": {"nodes": {"h": "x"}}}, 'Host.nodes["h"]', "expected an object"),
    ],
)
def test_wrong_types_name_the_path(doc: Any, where: str, what: str) -> None:
    for content_type, data in ((JSON, _json(doc)), (MSGPACK, msgpack.packb(doc))):
        message = _error(data, content_type)
        assert message.startswith(f"{where}: "), message
        assert what in message


def test_a_number_beyond_floats_is_a_decode_error() -> None:
    """JSON integers have no limit; one too big for a float was an OverflowError, not a DecodeError."""
    doc = _node_doc(metrics={"cpu": {"samples": [], "max": 2**1100}})
    message = _error(_json(doc), JSON)
    assert message.startswith('Process.nodes["vm;42"].metrics.cpu.max: '), message
    assert "1101-bit integer" in message


@pytest.mark.parametrize(
    ("data", "content_type", "encoding", "what"),
    [
        (b"", JSON, None, "invalid JSON"),
        (b"{", JSON, None, "invalid JSON"),
        (b"[1, 2]", JSON, None, "expected an object, got an array"),
        (b'{"hello": "world"}', JSON, None, "not a report"),
        (b'{"TS": NaN}', JSON, None, "NaN is not valid JSON"),
        (b"\xc1", MSGPACK, None, "invalid msgpack"),
        (msgpack.packb({"TS": "x"})[:-1], MSGPACK, None, "invalid msgpack"),
        (gzip.compress(b'{"TS": null}')[:-8], JSON, GZIP, "truncated gzip"),
        (b"not gzip at all", JSON, GZIP, "bad gzip data"),
        (b"{}", "text/plain", None, "unsupported content type"),
        (b"{}", JSON, "br", "unsupported content encoding"),
    ],
)
def test_bad_bodies(data: bytes, content_type: str, encoding: str | None, what: str) -> None:
    assert what in _error(data, content_type, encoding)


def test_gzip_bomb_is_stopped_at_the_limit() -> None:
    bomb = gzip.compress(b"[" + b" " * (8 * 1024 * 1024) + b"]")
    assert len(bomb) < 64 * 1024
    assert "larger than the limit of 1048576 bytes" in _error(bomb, JSON, GZIP, max_size=1024 * 1024)


def test_body_over_the_limit() -> None:
    assert "larger than the limit" in _error(b" " * 2048, JSON, None, max_size=1024)


def test_content_type_parameters_are_ignored() -> None:
    assert loads(b'{"TS": null, "ID": "1"}', "application/json; charset=utf-8").id == "1"


def test_legacy_counters_and_latest_controls() -> None:
    """Older Scope probes sent `counters` and `latestControls`; Scope upgraded them to latest entries."""
    doc = _node_doc(
        counters={"count_container": 3},
        latestControls={
            "docker_stop_container": {"timestamp": "2026-12-04T19:59:11Z", "value": {"dead": False}},
            "docker_start_container": {"timestamp": "2026-12-04T19:59:12Z", "value": {"dead": True}},
            "docker_pause_container": {"timestamp": "2026-12-04T19:59:10Z", "value": {"dead": False}},
        },
    )
    node = loads(_json(doc)).nodes(TopologyKind.PROCESS)["vm;42"]
    assert node.latest.get("count_container") == "3"
    assert node.latest.get("active_controls") == "docker_pause_container;docker_stop_container"


def test_our_edge_extension_round_trips_and_is_additive() -> None:
    from scopecore.report import EdgeCounts

    n = Node("a;1;2", "endpoint").with_edge_sample("b;3;4", "probe1", 10**18, EdgeCounts(100, 200, 1, 0, 2))
    r = Report(ts=10**18).with_node(TopologyKind.ENDPOINT, n)
    for ct in (JSON, MSGPACK):
        assert loads(dumps(r, ct), ct) == r
    doc = json.loads(dumps(r))
    node = doc["Endpoint"]["nodes"]["a;1;2"]
    assert node["adjacency"] == ["b;3;4"]  # a Scope reader still sees the edge
    assert node["edges"]["b;3;4"][0]["bytes_sent"] == 100


# ---- fuzzing: whatever arrives, loads returns a Report or raises DecodeError ----

_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=30)
_json_docs = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)
_FIELDS = [k.field for k in TopologyKind] + ["TS", "DNS", "Window", "Shortcut", "Plugins", "ID", "Sampling"]
_NODE_KEYS = ["id", "topology", "latest", "sets", "parents", "adjacency", "metrics", "children", "edges",
              "counters", "latestControls", "timestamp", "value", "samples", "date", "min", "max"]
_keys = st.sampled_from(_FIELDS + _NODE_KEYS + ["nodes", "controls", "metadata_templates"]) | st.text(max_size=8)
_report_like = st.recursive(
    _scalars | st.sampled_from(["2026-12-04T19:59:10Z", "2026-12-04T19:59:10.5+01:00"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=40,
)


def _accepts_or_explains(data: bytes, content_type: str, encoding: str | None = None) -> None:
    try:
        r = loads(data, content_type, encoding)
    except DecodeError as e:
        assert str(e)
        return
    assert isinstance(r, Report)
    # What we accept we can write back, and it reads the same.
    for ct in (JSON, MSGPACK):
        assert loads(dumps(r, ct), ct) == r


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200), st.sampled_from([JSON, MSGPACK]), st.sampled_from([None, GZIP]))
def test_fuzz_random_bytes(data: bytes, content_type: str, encoding: str | None) -> None:
    _accepts_or_explains(data, content_type, encoding)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=6), _report_like, max_size=6))
def test_fuzz_report_shaped_documents(doc: dict[str, Any]) -> None:
    try:
        body_json = json.dumps(doc).encode()
    except ValueError:
        body_json = None
    if body_json is not None:
        _accepts_or_explains(body_json, JSON)
    _accepts_or_explains(msgpack.packb(doc, use_bin_type=False), MSGPACK)


FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", Path(__file__).resolve().parents[3] / "shared/fixtures"))


@pytest.mark.skipif(not (FIXTURES / "scope-1.13/probe_report.json").is_file(), reason="Scope fixtures not found")
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_fuzz_mutated_real_report(data: st.DataObject) -> None:
    """Replace one random part of a real Scope probe report with junk."""
    doc = json.loads((FIXTURES / "scope-1.13/probe_report.json").read_bytes())
    parent: Any = doc
    for _ in range(data.draw(st.integers(1, 7))):
        if isinstance(parent, dict) and parent:
            key = data.draw(st.sampled_from(sorted(parent)))
        elif isinstance(parent, list) and parent:
            key = data.draw(st.integers(0, len(parent) - 1))
        else:
            break
        child = parent[key]
        if not isinstance(child, dict | list) or not child or data.draw(st.booleans()):
            parent[key] = data.draw(_json_docs)
            break
        parent = child
    _accepts_or_explains(msgpack.packb(doc, use_bin_type=False), MSGPACK)


_any_keys = _keys | st.integers(-5, 5) | st.binary(max_size=3) | st.none() | st.booleans()
_msgpack_like = st.recursive(
    _scalars | st.binary(max_size=16) | st.sampled_from(["2026-12-04T19:59:10Z", b"\x01" + bytes(14)]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_any_keys, inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_FIELDS) | _any_keys, _msgpack_like, max_size=6))
def test_fuzz_msgpack_with_any_key_types(doc: dict[Any, Any]) -> None:
    """msgpack maps may have integer, binary or nil keys, and binary values where strings belong."""
    _accepts_or_explains(msgpack.packb(doc, use_bin_type=True), MSGPACK)
    _accepts_or_explains(msgpack.packb(doc, use_bin_type=False), MSGPACK)


@pytest.mark.parametrize(
    "doc",
    [
        {"TS": None, "Process": {"nodes": {b"vm;1": {}}}},
        {"TS": None, "Process": {"nodes": {"vm;1": {"latest": {1: {"timestamp": "2026-12-04T19:59:10Z"}}}}}},
        {"TS": None, "Process": {"nodes": {"vm;1": {"sets": {b"k": ["x"]}}}}},
        {"TS": None, "Process": {"nodes": {"vm;1": {"metrics": {None: {}}}}}},
        {"TS": None, "DNS": {b"1.2.3.4": {}}},
        {"TS": None, "Host": {"controls": {1: {}}}},
    ],
)
def test_msgpack_non_string_keys(doc: dict[Any, Any]) -> None:
    message = _error(msgpack.packb(doc, use_bin_type=True), MSGPACK)
    assert "expected string keys" in message or "string node ID" in message

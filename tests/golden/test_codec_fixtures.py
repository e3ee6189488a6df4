"""Every report Scope 1.13 wrote in the fixtures decodes, means what Scope meant, and round-trips."""

import gzip
import json
import os
from pathlib import Path

import msgpack
import pytest

from scopecore.codec import GZIP, JSON, MSGPACK, dumps, loads
from scopecore.codec.times import parse_rfc3339
from scopecore.report import TopologyKind

pytestmark = pytest.mark.golden

_SHARED = Path(__file__).resolve().parents[3] / "shared/fixtures"
FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", _SHARED)) / "scope-1.13"
if not FIXTURES.is_dir():
    pytest.skip(f"Scope fixtures not found at {FIXTURES} (set SCOPE_FIXTURES)", allow_module_level=True)

JSON_REPORTS = ["report.json", "report.replay.json", "probe_report.json", "probe_report.delta.json",
                "probe_report.shortcut.json"]


def _raw(name: str) -> dict:
    return json.loads((FIXTURES / name).read_bytes())


@pytest.mark.parametrize("name", JSON_REPORTS)
def test_json_fixture_decodes_to_what_scope_wrote(name: str) -> None:
    raw = _raw(name)
    r = loads((FIXTURES / name).read_bytes(), JSON)
    for kind in TopologyKind:
        want = raw.get(kind.field, {}).get("nodes") or {}
        got = r.nodes(kind)
        assert set(got) == set(want), kind
        for nid, n in want.items():
            node = got[nid]
            assert node.topology == (n.get("topology") or "")
            assert set(node.adjacency) == set(n.get("adjacency") or [])
            assert node.latest.values() == {k: e["value"] for k, e in (n.get("latest") or {}).items()}
            for k, e in (n.get("latest") or {}).items():
                assert node.latest.entry(k) == (parse_rfc3339(e["timestamp"]), e["value"])
            assert {k: set(v) for k, v in node.parents.entries.items()} == {
                k: set(v) for k, v in (n.get("parents") or {}).items() if v
            }
            for name_, m in (n.get("metrics") or {}).items():
                metric = node.metrics.get(name_)
                assert metric is not None
                assert list(metric.values) == [s["value"] for s in m["samples"] or []]
                assert (metric.min, metric.max) == (m["min"], m["max"])
    assert r.id == str(raw["ID"])
    assert set(r.dns) == set(raw.get("DNS") or {})


@pytest.mark.parametrize("name", JSON_REPORTS)
@pytest.mark.parametrize("content_type", [JSON, MSGPACK])
@pytest.mark.parametrize("encoding", [None, GZIP])
def test_round_trip(name: str, content_type: str, encoding: str | None) -> None:
    r = loads((FIXTURES / name).read_bytes())
    assert loads(dumps(r, content_type, encoding), content_type, encoding) == r


def test_scope_msgpack_equals_scope_json() -> None:
    """Scope's app served one report as JSON and as msgpack (Go binary times): both decode to one value."""
    assert loads((FIXTURES / "report.msgpack").read_bytes(), MSGPACK) == loads((FIXTURES / "report.json").read_bytes())


def test_probe_wire_body_decodes_like_its_json() -> None:
    body = (FIXTURES / "wire/probe_report.msgpack.gz").read_bytes()
    headers = json.loads((FIXTURES / "wire/probe_report.headers.json").read_text())
    lower = {k.lower(): v for k, v in headers.items()}
    r = loads(body, lower["content-type"], lower["content-encoding"])
    assert r == loads((FIXTURES / "probe_report.json").read_bytes())
    assert r.ts == parse_rfc3339("2026-12-04T19:59:16.824947674Z")


def test_our_msgpack_is_what_scope_reads() -> None:
    """Our msgpack of the probe report has Scope's own structure: same keys, and times as Go binary values."""
    body = gzip.decompress((FIXTURES / "wire/probe_report.msgpack.gz").read_bytes())
    r = loads(body, MSGPACK)
    ours = msgpack.unpackb(dumps(r, MSGPACK), raw=True, strict_map_key=False)
    theirs = msgpack.unpackb(body, raw=True, strict_map_key=False)
    assert set(ours) == set(theirs)
    assert ours[b"TS"] == theirs[b"TS"]  # Go's 15-byte MarshalBinary, byte for byte
    node_id = b"vm;<host>"
    assert ours[b"Host"][b"nodes"][node_id][b"latest"] == theirs[b"Host"][b"nodes"][node_id][b"latest"]
    assert ours[b"Host"][b"nodes"][node_id][b"metrics"] == theirs[b"Host"][b"nodes"][node_id][b"metrics"]


def test_delta_stubs_and_shortcut() -> None:
    delta = loads((FIXTURES / "probe_report.delta.json").read_bytes())
    stubs = [n for n in delta.nodes(TopologyKind.PROCESS).values() if not n.topology]
    assert len(stubs) == 24  # fixtures README: 24 of 32 process nodes are partial
    shortcut = loads((FIXTURES / "probe_report.shortcut.json").read_bytes())
    assert shortcut.shortcut and shortcut.ts is None and shortcut.window == 0


def test_window_is_the_hull_of_merged_reports() -> None:
    full = loads((FIXTURES / "probe_report.json").read_bytes())
    delta = loads((FIXTURES / "probe_report.delta.json").read_bytes())
    merged = full.merge(delta)
    assert merged.ts == full.ts
    assert merged.window == delta.ts + delta.window - full.ts  # type: ignore[operator]
    assert merged.merge(delta) == merged  # idempotent: Scope would have added the window again

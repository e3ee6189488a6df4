"""Our render of Scope's own merged report against what Scope 1.13 served from it (fixtures/scope-1.13).

Every file under topology/, ws/ and details/, and api_topology.json, is compared as parsed JSON, whole: node
IDs, adjacency, labels, minor labels, shapes, ranks, parents, metadata rows, metrics (value, min, max, and
samples in details), tables, controls, children and connection tables.

Requests are replayed with Scope's option semantics (`defaults="scope"`): no query string means no option
filters. Our own default (every missing option at its default) is tested against the same files at the end.
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from scopecore.codec import JSON, MSGPACK, loads
from scopecore.render import details, diff, render, topology_list
from scopecore.report import Report

pytestmark = pytest.mark.golden

SHARED = Path(__file__).resolve().parents[3] / "shared/fixtures"  # the shared folder beside the repo
FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", SHARED)) / "scope-1.13"
if not FIXTURES.is_dir():
    pytest.skip(f"Scope fixtures not found at {FIXTURES} (set SCOPE_FIXTURES)", allow_module_level=True)

VIEWS = ["processes", "processes-by-name", "containers", "containers-by-image", "containers-by-hostname", "hosts"]
# The query strings of the *.defaults.json requests (fixtures README).
DEFAULTS_QUERY = {
    "processes": {"unconnected": "hide"},
    "processes-by-name": {"unconnected": "hide"},
    "containers": {"system": "application", "stopped": "running", "pseudo": "hide"},
    "containers-by-image": {"system": "application", "stopped": "running", "pseudo": "hide"},
    "containers-by-hostname": {"system": "application", "stopped": "running", "pseudo": "hide"},
    "hosts": {},
}
DETAILS = {
    "processes--nc_24353.json": ("processes", "vm;24353"),
    "containers--shop-api.json": (
        "containers", "754a11405b9c8ce334c31b43b2a592cf4531527952e98efb1e500afcf2e1916e;<container>"),
    "containers-by-image--local_busybox.json": ("containers-by-image", "local/busybox;<container_image>"),
    "hosts--vm.json": ("hosts", "vm;<host>"),
}


def _load(rel: str) -> Any:
    return json.loads((FIXTURES / rel).read_bytes())


def _json(value: Any) -> Any:
    """Through JSON and back, as a client would see it (tuples become lists, and so on)."""
    return json.loads(json.dumps(value))


@pytest.fixture(scope="module")
def report() -> Report:
    return loads((FIXTURES / "report.json").read_bytes(), JSON)


@pytest.mark.parametrize("view", VIEWS)
def test_topology_without_query_string(report: Report, view: str) -> None:
    got = _json(render(report, view, {}, defaults="scope").to_json())
    assert got == _load(f"topology/{view}.json")


@pytest.mark.parametrize("view", VIEWS)
def test_topology_with_defaults_spelled_out(report: Report, view: str) -> None:
    got = _json(render(report, view, DEFAULTS_QUERY[view], defaults="scope").to_json())
    assert got == _load(f"topology/{view}.defaults.json")


@pytest.mark.parametrize("view", ["processes", "containers"])
def test_first_websocket_message(report: Report, view: str) -> None:
    # The websocket's `t=1s` is a query parameter, so Scope applies every option default.
    rendered = render(report, view, {"t": "1s"}, defaults="scope")
    got = _json(diff(None, rendered.summaries()))
    want = _load(f"ws/{view}.first.json")
    assert {k: v for k, v in got.items() if k != "add"} == {k: v for k, v in want.items() if k != "add"}
    # Scope lists nodes in Go map order; ours are sorted by ID.
    assert sorted(got["add"], key=lambda s: s["id"]) == sorted(want["add"], key=lambda s: s["id"])
    assert [s["id"] for s in got["add"]] == sorted(s["id"] for s in got["add"])


@pytest.mark.parametrize("name", sorted(DETAILS))
def test_node_details(report: Report, name: str) -> None:
    view, node_id = DETAILS[name]
    assert _json(details(report, view, node_id, {}, defaults="scope")) == _load(f"details/{name}")


def test_topology_list_with_stats(report: Report) -> None:
    got = _json(topology_list(report, defaults="scope", scope_only=True))
    assert got == _load("api_topology.json")


def test_unknown_node_has_no_details(report: Report) -> None:
    assert details(report, "processes", "vm;1", {}) is None


def test_msgpack_report_renders_the_same(report: Report) -> None:
    # Scope's own msgpack of the same report (fixture report.msgpack, only its ID differs).
    packed = loads((FIXTURES / "report.msgpack").read_bytes(), MSGPACK)
    for view in VIEWS:
        assert render(packed, view, {}, defaults="scope").to_json() == render(report, view, {},
                                                                               defaults="scope").to_json()


# Our default: a request without options gets every option's default (Scope gives none; see
# docs/scope-compatibility.md). That is what Scope serves once any query parameter is present.

@pytest.mark.parametrize("view", VIEWS)
def test_our_default_is_scope_with_defaults(report: Report, view: str) -> None:
    assert _json(render(report, view).to_json()) == _load(f"topology/{view}.defaults.json")


def test_our_default_topology_list_counts_with_defaults(report: Report) -> None:
    got = {t["url"]: t["stats"] for t in topology_list(report, scope_only=True)}
    assert got["/api/topology/processes"] == {"node_count": 8, "nonpseudo_node_count": 8, "edge_count": 4,
                                              "filtered_nodes": 51}
    assert got["/api/topology/containers"]["node_count"] == 5


@pytest.mark.parametrize("name", ["report.json", "probe_report.json", "probe_report.delta.json",
                                  "probe_report.shortcut.json"])
def test_every_view_renders_every_fixture_report(name: str) -> None:
    """Probe reports too: a delta (nodes without topology), a shortcut (containers only, no time)."""
    from scopecore.render import TOPOLOGIES

    r = loads((FIXTURES / name).read_bytes(), JSON)
    for t in TOPOLOGIES:
        rendered = render(r, t.id)
        body = _json(rendered.to_json())
        for node_id, s in body["nodes"].items():
            assert s["id"] == node_id
            assert set(s.get("adjacency", ())) <= rendered.nodes.keys()
        for node_id in list(rendered.nodes)[:3]:
            assert details(r, t.id, node_id) is not None

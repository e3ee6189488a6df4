"""GET /api/search on Scope's own report: the UI's search box, pinned terms and parse errors with positions."""

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.app


@pytest.fixture
async def client(make_client: Any, scope_post: tuple[bytes, dict[str, str]]) -> Any:
    client = await make_client()
    body, headers = scope_post
    assert (await client.post("/api/report", data=body, headers=headers)).status == 200
    return client


async def test_search_matches_what_the_rendered_view_shows(client: Any) -> None:
    nodes = (await (await client.get("/api/topology/processes")).json())["nodes"]
    labels = {n["id"]: n["label"] for n in nodes.values()}
    some = next(v for v in labels.values() if len(v) > 3)
    expected = sorted(k for k, v in labels.items() if re.search(re.escape(some), v, re.I))
    resp = await client.get("/api/search", params={"topology": "processes", "q": f"label:{re.escape(some)}"})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["matches"] == expected
    # A second, pinned term narrows (AND); a term nothing has empties.
    both = await client.get("/api/search", params=[("topology", "processes"), ("q", f"label:{re.escape(some)}"),
                                                   ("q", "zz-no-such-thing-zz")])
    assert (await both.json())["matches"] == []


async def test_metric_terms_and_topology_options(client: Any) -> None:
    nodes = (await (await client.get("/api/topology/containers", params={"system": "all"})).json())["nodes"]
    mem = {k: m["value"] for k, n in nodes.items() for m in n.get("metrics") or () if m["id"] == "docker_memory_usage"}
    assert mem, "the fixture's containers carry memory metrics"
    cut = sorted(mem.values())[len(mem) // 2]
    resp = await client.get("/api/search", params={"topology": "containers", "system": "all",
                                                   "q": f"memory > {cut / 1024:.3f}k"})
    assert (await resp.json())["matches"] == sorted(k for k, v in mem.items() if v > cut)


@pytest.mark.parametrize(("query", "position"), [("cpu > lots", 6), ("label:=x", 6), ("a > 1 > 2", 6)])
async def test_a_query_that_does_not_parse_says_where(client: Any, query: str, position: int) -> None:
    resp = await client.get("/api/search", params={"topology": "processes", "q": query})
    assert resp.status == 400
    body = await resp.json()
    assert body["position"] == position and body["query"] == query and "character" in body["error"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(query="[[")  # a pattern Python warns about: once a 500 under -W error
@given(query=st.text(st.sampled_from("abc :=<>%!()[]*+?.\\kmg0123456789-_"), min_size=1, max_size=24))
async def test_any_query_matches_or_says_where_it_stops(client: Any, query: str) -> None:
    resp = await client.get("/api/search", params={"topology": "processes", "q": query})
    assert resp.status in (200, 400), resp.status
    body = await resp.json()
    if resp.status == 400:
        assert 0 <= body["position"] <= len(query) and body["query"] == query
    else:
        assert isinstance(body["matches"], list)


async def test_search_needs_a_known_topology_and_a_query(client: Any) -> None:
    assert (await client.get("/api/search", params={"topology": "processes"})).status == 400
    assert (await client.get("/api/search", params={"topology": "nope", "q": "x"})).status == 404


async def test_ui_assets_stay_inside_their_folder(client: Any) -> None:
    assert (await client.get("/")).status in (200, 503)  # built or not, the page answers without a token
    for path in ("/assets/../app.py", "/assets/%2e%2e/app.py", "/assets/nope.js"):
        assert (await client.get(path)).status == 404, path

"""The OpenAPI document covers every route the router serves, and nothing it does not."""

from typing import Any

import pytest

pytestmark = pytest.mark.app


async def test_openapi_matches_the_router(make_client: Any) -> None:
    client = await make_client()
    spec = await (await client.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    documented = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}
    served = {(r.method, r.resource.canonical) for r in client.server.app.router.routes()
              if r.method != "HEAD" and r.resource is not None}
    assert documented == served
    for path, ops in spec["paths"].items():
        for op in ops.values():
            names = {p["name"] for p in op["parameters"]}
            assert names == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}
    page = await client.get("/api/docs")
    assert page.status == 200 and "/api/topology/{topology}/ws" in await page.text()


async def test_api_identity(make_client: Any) -> None:
    client = await make_client()
    body = await (await client.get("/api")).json()
    assert set(body) >= {"id", "version", "hostname", "plugins", "capabilities"}
    assert body["capabilities"]["historic_reports"] is False

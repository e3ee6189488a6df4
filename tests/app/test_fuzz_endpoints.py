"""Whatever a client sends to the read and control endpoints, the answer is a status that says what happened,
with a JSON error body, never a 500."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.app

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_topologies = st.sampled_from(["processes", "containers", "hosts", "pods", "processes-by-name",
                               "containers-by-image", "kube-controllers", "services", "namespaces"]) | _text
_options = st.dictionaries(st.sampled_from(["system", "stopped", "pseudo", "unconnected", "namespace", "storage",
                                            "snapshot", "hideCommandLineArguments", "t"]) | _text, _text, max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(topology=_topologies, node=_text, options=_options, body=st.binary(max_size=64) | _text.map(str.encode))
async def test_fuzz_topology_and_control_endpoints(make_client: Any, fixtures: Path, topology: str, node: str,
                                                   options: dict[str, str], body: bytes) -> None:
    client = await make_client()
    await client.post("/api/report", data=(fixtures / "report.json").read_bytes(),
                      headers={"Content-Type": "application/json", "X-Scope-Probe-ID": "p"})
    t, n = quote(topology, safe=""), quote(node, safe="")
    for method, path, data in (
        ("GET", f"/api/topology/{t}", None),
        ("GET", f"/api/topology/{t}/{n}", None),
        ("GET", "/api/topology", None),
        ("GET", f"/api/search?topology={t}&q={n}", None),
        ("POST", f"/api/control/p/{n}/{t}", body),
        ("POST", "/api/controls", body),
        ("DELETE", f"/api/pipe/{n}", None),
    ):
        resp = await client.request(method, path, params=options, data=data)
        assert resp.status in (200, 204, 400, 404, 413, 503), (method, path, resp.status)
        if resp.status >= 400:
            assert (await resp.json())["error"]
    await client.close()

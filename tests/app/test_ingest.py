"""Ingest exactly as a Scope 1.13 probe sends, and bad input that names its problem and harms nothing."""

import gzip
from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scopecore.codec import loads
from scopecore.report import TopologyKind

pytestmark = pytest.mark.app


async def test_a_scope_probe_post_is_ingested(make_client: Any, fixtures: Path,
                                              scope_post: tuple[bytes, dict[str, str]]) -> None:
    client = await make_client()
    body, headers = scope_post
    resp = await client.post("/api/report", data=body, headers=headers)
    assert resp.status == 200, await resp.text()
    probes = await (await client.get("/api/probes")).json()
    assert [(p["id"], p["hostname"], p["version"], p["online"], p["transport"]) for p in probes] == [
        ("662a6b860c6b525d", "vm", "local-12175b96a", True, "http")]
    merged = loads(await (await client.get("/api/report")).read())
    assert merged == loads((fixtures / "probe_report.json").read_bytes())
    packed = await client.get("/api/report", headers={"Accept": "application/msgpack"})
    assert packed.content_type == "application/msgpack"
    assert loads(await packed.read(), "application/msgpack") == merged


async def test_json_reports_and_every_auth_header_form(make_client: Any, fixtures: Path) -> None:
    env = {"SCOPE_PROBE_TOKEN": "p-secret", "SCOPE_VIEWER_TOKEN": "v-secret"}
    client = await make_client(env=env)
    body = (fixtures / "probe_report.json").read_bytes()
    for auth in ("Scope-Probe token=p-secret", "Bearer p-secret", "Basic " + __import__("base64").b64encode(
            b"probe:p-secret").decode()):
        resp = await client.post("/api/report", data=body, headers={"Content-Type": "application/json",
                                                                    "Authorization": auth, "X-Scope-Probe-ID": "j"})
        assert resp.status == 200, (auth, await resp.text())
    for auth in ("Scope-Probe token=wrong", "Bearer v-secret", ""):
        resp = await client.post("/api/report", data=body, headers={"Content-Type": "application/json",
                                                                    "Authorization": auth})
        assert resp.status in (401, 403), auth
        assert "error" in await resp.json()


@pytest.mark.parametrize(
    ("body", "headers", "status", "says"),
    [
        (b"\x82\xa2TS", {"Content-Type": "application/msgpack"}, 400, "invalid msgpack"),
        (b"{}", {"Content-Type": "text/plain"}, 400, "unsupported content type"),
        (b'{"TS": "yesterday"}', {"Content-Type": "application/json"}, 400, "TS: not an RFC 3339 time"),
        (gzip.compress(b" " * 300_000), {"Content-Type": "application/json", "Content-Encoding": "gzip"}, 413,
         "larger than the limit"),
        (b" " * 200_001, {"Content-Type": "application/json"}, 413, "larger than the limit"),
    ],
)
async def test_bad_reports_are_rejected_alone(make_client: Any, scope_post: tuple[bytes, dict[str, str]], body: bytes,
                                              headers: dict[str, str], status: int, says: str) -> None:
    client = await make_client(max_body=200_000, max_decompressed=250_000)
    good, good_headers = scope_post
    assert (await client.post("/api/report", data=good, headers=good_headers)).status == 200
    before = await (await client.get("/api/report")).read()
    resp = await client.post("/api/report", data=body, headers=headers)
    assert resp.status == status
    assert says in (await resp.json())["error"]
    after = await (await client.get("/api/report")).read()
    assert loads(after) == loads(before)  # another probe's data is untouched


async def test_shortcut_and_delta_reports_merge_into_the_window(make_client: Any, fixtures: Path) -> None:
    client = await make_client()
    for name in ("probe_report.json", "probe_report.delta.json", "probe_report.shortcut.json"):
        resp = await client.post("/api/report", data=(fixtures / name).read_bytes(),
                                 headers={"Content-Type": "application/json", "X-Scope-Probe-ID": "p"})
        assert resp.status == 200
    merged = loads(await (await client.get("/api/report")).read())
    want = loads((fixtures / "probe_report.json").read_bytes())
    for name in ("probe_report.delta.json", "probe_report.shortcut.json"):
        want = want.merge(loads((fixtures / name).read_bytes()))
    assert merged == want
    assert len(merged.nodes(TopologyKind.CONTAINER)) == 6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=st.binary(max_size=300) | st.builds(lambda d: msgpack.packb(d), st.dictionaries(
    st.sampled_from(["TS", "Process", "Host", "ID", "Window"]),
    st.none() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5)
    | st.dictionaries(st.text(max_size=3), st.integers(0, 2**32), max_size=2), max_size=4)),
    content_type=st.sampled_from(["application/msgpack", "application/json", "text/plain", ""]),
    encoding=st.sampled_from([None, "gzip", "br"]))
async def test_fuzz_ingest_never_500(make_client: Any, body: bytes, content_type: str, encoding: str | None) -> None:
    client = await make_client()
    headers = {"Content-Type": content_type} | ({"Content-Encoding": encoding} if encoding else {})
    resp = await client.post("/api/report", data=body, headers=headers)
    assert resp.status in (200, 400, 413)
    if resp.status != 200:
        assert (await resp.json())["error"]
    await client.close()

"""Roles, tokens, exposure without tokens, websocket Origin checks, and the public health endpoints."""

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from scopeapp.app import ConfigError, create_app
from scopeapp.auth import TokenError, Tokens
from scopeapp.config import AppConfig

pytestmark = pytest.mark.app

TOKENS = "viewer alice v-tok\noperator bob o-tok  # on call\nadmin root a-tok\nprobe probes p-tok\n"


def test_exposed_without_tokens_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match="needs tokens"):
        create_app(AppConfig(host="0.0.0.0", grpc_port=None), env={})
    with pytest.raises(ConfigError):
        create_app(AppConfig(grpc_host="0.0.0.0"), env={})
    create_app(AppConfig(host="0.0.0.0"), env={"SCOPE_ADMIN_TOKEN": "x"})  # tokens given: fine


def test_tokens_file_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "tokens"
    bad.write_text("viewer alice v\nsuperuser eve e\n")
    with pytest.raises(TokenError, match=r"tokens:2: expected"):
        Tokens.load(bad, {})
    with pytest.raises(TokenError, match="cannot read"):
        Tokens.load(tmp_path / "missing", {})


@pytest.mark.parametrize(
    ("token", "get", "control", "report"),
    [
        (None, 401, 401, 401),
        ("wrong", 401, 401, 401),
        ("v-tok", 200, 403, 403),
        ("o-tok", 200, 503, 403),  # allowed; 503 because no probe is connected
        ("a-tok", 200, 503, 400),  # allowed; 400 because the body is not a report
        ("p-tok", 403, 403, 400),
    ],
)
async def test_roles(make_client: Any, tmp_path: Path, token: str | None, get: int, control: int,
                     report: int) -> None:
    (tmp_path / "tokens").write_text(TOKENS)
    client = await make_client(tokens_file=tmp_path / "tokens")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    assert (await client.get("/api/topology", headers=headers)).status == get
    assert (await client.post("/api/control/p/n/c", headers=headers)).status == control
    assert (await client.post("/api/report", data=b"x", headers={**headers, "Content-Type": "application/json"}
                              )).status == report
    for public in ("/healthz", "/readyz", "/api/openapi.json"):
        assert (await client.get(public)).status == 200


async def test_browser_websockets_authenticate_by_cookie_or_query(make_client: Any) -> None:
    client = await make_client(env={"SCOPE_VIEWER_TOKEN": "v"})
    with pytest.raises(aiohttp.WSServerHandshakeError) as e:
        await client.ws_connect("/api/topology/hosts/ws")
    assert e.value.status == 401
    ws = await client.ws_connect("/api/topology/hosts/ws?token=v")
    assert (await ws.receive_json(timeout=5))["reset"] is True
    await ws.close()
    client.session.cookie_jar.update_cookies({"scope_token": "v"})
    ws = await client.ws_connect("/api/topology/hosts/ws")
    assert (await ws.receive_json(timeout=5))["reset"] is True
    await ws.close()


async def test_cross_origin_websocket_is_refused(make_client: Any) -> None:
    client = await make_client()
    with pytest.raises(aiohttp.WSServerHandshakeError) as e:
        await client.ws_connect("/api/topology/hosts/ws", headers={"Origin": "http://evil.example"})
    assert e.value.status == 403
    same = f"http://{client.host}:{client.port}"
    ws = await client.ws_connect("/api/topology/hosts/ws", headers={"Origin": same})
    await ws.close()


async def test_readiness_and_metrics(make_client: Any) -> None:
    client = await make_client()
    ready = await (await client.get("/readyz")).json()
    assert ready == {"status": "ready", "servers": {"http": True, "grpc": True}}
    text = await (await client.get("/metrics")).text()
    for name in ("scope_reports_ingested_total", "scope_report_decode_seconds", "scope_websocket_clients",
                 "scope_controls_total", "scope_probes_connected"):
        assert name in text

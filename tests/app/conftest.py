"""A real app (aiohttp test server + its gRPC server on an ephemeral port) and a real test probe over gRPC."""

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from scopeapp.app import GRPC_PORT, create_app
from scopeapp.config import AppConfig
from scopecore.protocol import ControlRequest, PipeData
from scopeprobe.publish import GrpcAppClient, Identity

_SHARED = Path(__file__).resolve().parents[3] / "shared/fixtures"
FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", _SHARED)) / "scope-1.13"

MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"Scope fixtures not found at {FIXTURES} (set SCOPE_FIXTURES)")
    return FIXTURES


@pytest.fixture
def scope_post(fixtures: Path) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a real Scope 1.13 probe's POST /api/report."""
    body = (fixtures / "wire/probe_report.msgpack.gz").read_bytes()
    headers = json.loads((fixtures / "wire/probe_report.headers.json").read_text())
    return body, {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length", "connection")}


@pytest.fixture
async def make_client(aiohttp_client: Any) -> MakeClient:
    async def make(env: Mapping[str, str] | None = None, **config: Any) -> TestClient[Any, Any]:
        config.setdefault("grpc_port", 0)
        config.setdefault("pipe_idle_timeout", 5.0)
        app = create_app(AppConfig(**config), env=env or {})
        client: TestClient[Any, Any] = await aiohttp_client(app)
        return client

    return make


class EchoProbe:
    """A probe whose controls are: `echo` (returns its args), `fail` (an error), `open_pipe` (a pipe that
    answers every chunk upper-cased), `slow` (never answers in time)."""

    def __init__(self, port: int, probe_id: str = "probe-1", token: str = "") -> None:
        self.pipes: dict[str, list[bytes]] = {}
        self.closed: list[str] = []
        self.client = GrpcAppClient(f"127.0.0.1:{port}", Identity(probe_id, "testhost", "0.0-test",
                                                                  {"proc": {"live": True, "reason": ""}}),
                                    token=token, on_control=self.control, on_pipe=self.pipe, backoff=(0.1, 0.5))
        self.task: asyncio.Task[None] | None = None

    async def control(self, req: ControlRequest) -> Mapping[str, Any]:
        if req.control == "echo":
            return {"value": {"node": req.node_id, "args": dict(req.args)}}
        if req.control == "fail":
            return {"error": "it failed on purpose"}
        if req.control == "open_pipe":
            pipe_id = f"pipe-{req.node_id}"
            self.pipes[pipe_id] = []
            self.client.send(PipeData(pipe_id, b"hello from the probe\n"))
            return {"pipe": pipe_id, "raw_tty": True}
        if req.control == "slow":
            await asyncio.sleep(30)
        return {"error": f"unknown control {req.control}"}

    async def pipe(self, pipe_id: str, data: bytes | None) -> None:
        if data is None:
            self.closed.append(pipe_id)
            return
        self.pipes.setdefault(pipe_id, []).append(data)
        self.client.send(PipeData(pipe_id, data.upper()))

    async def __aenter__(self) -> "EchoProbe":
        self.task = asyncio.create_task(self.client.run())
        for _ in range(200):
            if self.client.stats.connected:
                return self
            await asyncio.sleep(0.02)
        raise AssertionError("test probe did not connect")

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
def echo_probe() -> Callable[..., EchoProbe]:
    def make(client: TestClient[Any, Any], probe_id: str = "probe-1", token: str = "") -> EchoProbe:
        return EchoProbe(client.server.app[GRPC_PORT][0], probe_id, token)

    return make

"""Our probes' gRPC stream: reports in; controls, batch controls and pipes round-trip through a real test probe."""

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from scopecore.codec import GZIP, MSGPACK, dumps, loads

pytestmark = pytest.mark.app


async def test_reports_over_the_stream(make_client: Any, echo_probe: Any, fixtures: Path, wait_until: Any) -> None:
    client = await make_client()
    report = loads((fixtures / "probe_report.json").read_bytes())
    async with echo_probe(client) as probe:
        probe.client.publish(dumps(report, MSGPACK, GZIP), "full")

        async def arrived() -> bool:
            return loads(await (await client.get("/api/report")).read()) == report

        await wait_until(arrived)
        probes = await (await client.get("/api/probes")).json()
        assert [(p["id"], p["hostname"], p["transport"], p["connected"], p["sources"]) for p in probes] == [
            ("probe-1", "testhost", "grpc", True, {"proc": {"live": True, "reason": ""}})]
        probe.client.set_sources({"proc": {"live": True, "reason": ""},
                                  "ebpf": {"live": False, "reason": "tracepoints unavailable"}})

        async def sources_updated() -> bool:
            p = (await (await client.get("/api/probes")).json())[0]
            return "ebpf" in p["sources"]

        await wait_until(sources_updated)

    async def disconnected() -> bool:  # the app notices the stream's end on its own task
        return (await (await client.get("/api/probes")).json())[0]["connected"] is False

    await wait_until(disconnected)


async def test_control_round_trip_and_audit(make_client: Any, echo_probe: Any, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    client = await make_client(audit_log=audit)
    async with echo_probe(client):
        resp = await client.post("/api/control/probe-1/vm%3B42/echo", json={"signal": "TERM"})
        assert resp.status == 200
        assert await resp.json() == {"value": {"node": "vm;42", "args": {"signal": "TERM"}}}
        resp = await client.post("/api/control/probe-1/vm%3B42/fail")
        assert resp.status == 400
        assert (await resp.json())["error"] == "it failed on purpose"
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(e["action"], e["probe"], e["node"], e["control"], e["result"]) for e in lines] == [
        ("control", "probe-1", "vm;42", "echo", "ok"), ("control", "probe-1", "vm;42", "fail", "error")]
    assert lines[0]["args"] == {"signal": "TERM"} and lines[0]["who"] == "local" and lines[0]["ts"].endswith("Z")


async def test_control_for_an_offline_probe_fails_fast(make_client: Any) -> None:
    client = await make_client()
    loop = asyncio.get_running_loop()
    started = loop.time()
    resp = await client.post("/api/control/nobody/vm%3B1/echo")
    assert resp.status == 503
    assert "not connected" in (await resp.json())["error"]
    assert loop.time() - started < 1.0


async def test_control_timeout(make_client: Any, echo_probe: Any) -> None:
    client = await make_client(control_timeout=0.3)
    async with echo_probe(client):
        resp = await client.post("/api/control/probe-1/n/slow")
        assert resp.status == 504
        assert "within 0.3 s" in (await resp.json())["error"]


async def test_batch_control(make_client: Any, echo_probe: Any) -> None:
    client = await make_client()
    async with echo_probe(client, "a"), echo_probe(client, "b"):
        resp = await client.post("/api/controls", json={
            "control": "echo", "args": {"x": 1},
            "nodes": [{"probe": "a", "node": "n1"}, {"probe": "b", "node": "n2"}, {"probe": "gone", "node": "n3"}]})
        assert resp.status == 200
        results = (await resp.json())["results"]
        assert [(r["probe"], r["node"], r["status"]) for r in results] == [("a", "n1", 200), ("b", "n2", 200),
                                                                           ("gone", "n3", 503)]
        assert results[0]["value"] == {"node": "n1", "args": {"x": 1}}
        bad = await client.post("/api/controls", json={"control": "echo", "nodes": [{"probe": 1}]})
        assert bad.status == 400 and "nodes[0]" in (await bad.json())["error"]


async def test_pipe_round_trip_detach_reattach_and_close(make_client: Any, echo_probe: Any, wait_until: Any) -> None:
    client = await make_client()
    async with echo_probe(client) as probe:
        resp = await client.post("/api/control/probe-1/c1/open_pipe")
        body = await resp.json()
        assert body == {"pipe": "pipe-c1", "raw_tty": True}
        assert (await client.get("/api/pipe/pipe-c1/check")).status == 204
        ws = await client.ws_connect("/api/pipe/pipe-c1")
        first = await ws.receive(timeout=5)
        assert first.type == aiohttp.WSMsgType.BINARY and first.data == b"hello from the probe\n"
        await ws.send_bytes(b"echo hi\n")
        reply = await ws.receive(timeout=5)
        assert reply.data == b"ECHO HI\n"
        await ws.close()  # a page reload: the pipe lives on
        assert (await client.get("/api/pipe/pipe-c1/check")).status == 204
        ws = await client.ws_connect("/api/pipe/pipe-c1")
        await ws.send_bytes(b"again")
        assert (await ws.receive(timeout=5)).data == b"AGAIN"
        assert (await client.delete("/api/pipe/pipe-c1")).status == 204

        async def told_probe() -> bool:
            return probe.closed == ["pipe-c1"]

        await wait_until(told_probe)
        closing = await ws.receive(timeout=5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert (await client.get("/api/pipe/pipe-c1/check")).status == 404


async def test_pipe_closes_when_its_probe_goes(make_client: Any, echo_probe: Any, wait_until: Any) -> None:
    client = await make_client()
    async with echo_probe(client):
        await client.post("/api/control/probe-1/c2/open_pipe")
        ws = await client.ws_connect("/api/pipe/pipe-c2")
        await ws.receive(timeout=5)
    msg = await ws.receive(timeout=5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert (await client.get("/api/pipe/pipe-c2/check")).status == 404


async def test_idle_pipe_is_closed(make_client: Any, echo_probe: Any, wait_until: Any) -> None:
    client = await make_client(pipe_idle_timeout=0.2)
    async with echo_probe(client) as probe:
        await client.post("/api/control/probe-1/c3/open_pipe")
        hub = client.server.app[__import__("scopeapp.keys", fromlist=["PIPES"]).PIPES]
        await asyncio.sleep(0.3)
        await hub.gc()
        assert hub.get("pipe-c3") is None

        async def told() -> bool:
            return probe.closed == ["pipe-c3"]

        await wait_until(told)


async def test_probe_reconnects_after_app_restart(aiohttp_client: Any, wait_until: Any) -> None:
    """The probe keeps retrying with backoff; a new app on the same port gets it back."""
    import socket

    from scopeapp.app import create_app
    from scopeapp.config import AppConfig
    from scopeprobe.publish import GrpcAppClient, Identity

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    probe = GrpcAppClient(f"127.0.0.1:{port}", Identity("p", "h", "v"), backoff=(0.05, 0.2))
    task = asyncio.create_task(probe.run())
    try:
        for _ in range(2):
            client = await aiohttp_client(create_app(AppConfig(grpc_port=port), env={}))

            async def connected() -> bool:
                return probe.stats.connected

            await wait_until(connected)
            await client.close()

            async def gone() -> bool:
                return not probe.stats.connected

            await wait_until(gone)
        assert probe.stats.connects == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_unknown_pipe_is_404(make_client: Any) -> None:
    client = await make_client()
    with pytest.raises(aiohttp.WSServerHandshakeError) as e:
        await client.ws_connect("/api/pipe/nope")
    assert e.value.status == 404
    assert (await client.delete("/api/pipe/nope")).status == 404

"""A Scope 1.13 probe's control websocket and pipe ends, driven by a peer speaking Scope's wire protocol
(common/xfer/controls.go: net/rpc over JSON websocket frames, two frames per message)."""

import asyncio
from typing import Any

import aiohttp
import pytest

pytestmark = pytest.mark.app


async def _scope_probe(client: Any, probe_id: str) -> tuple[Any, "asyncio.Task[None]"]:
    ws = await client.ws_connect("/api/control/ws", headers={"X-Scope-Probe-ID": probe_id})

    async def serve() -> None:
        while True:
            header = await ws.receive_json()
            body = await ws.receive_json()
            req, value = header["Request"], body["Value"]
            assert req["ServiceMethod"] == "control.Handle"
            if value["Control"] == "docker_exec_container":
                result: dict[str, Any] = {"pipe": "scope-pipe-1", "raw_tty": True}
            elif value["Control"] == "broken":
                await ws.send_json({"Response": {"ServiceMethod": "control.Handle", "Seq": req["Seq"],
                                                 "Error": "no such control"}, "Request": None, "Value": None})
                await ws.send_json({"Value": None})
                continue
            else:
                result = {"value": {"node": value["NodeID"], "args": value["ControlArgs"]}}
            await ws.send_json({"Response": {"ServiceMethod": "control.Handle", "Seq": req["Seq"], "Error": ""},
                                "Request": None, "Value": None})
            await ws.send_json({"Request": None, "Response": None, "Value": result})

    return ws, asyncio.create_task(serve())


async def test_scope_probe_controls_and_pipe(make_client: Any, wait_until: Any) -> None:
    client = await make_client()
    ws, task = await _scope_probe(client, "scope-probe-1")
    try:
        resp = await client.post("/api/control/scope-probe-1/vm%3B%3Chost%3E/host_exec_like", json={"a": "b"})
        assert resp.status == 200
        assert await resp.json() == {"value": {"node": "vm;<host>", "args": {"a": "b"}}}
        resp = await client.post("/api/control/scope-probe-1/n/broken")
        assert resp.status == 400 and (await resp.json())["error"] == "no such control"

        resp = await client.post("/api/control/scope-probe-1/c/docker_exec_container")
        assert await resp.json() == {"pipe": "scope-pipe-1", "raw_tty": True}
        probe_end = await client.ws_connect("/api/pipe/scope-pipe-1/probe")
        browser = await client.ws_connect("/api/pipe/scope-pipe-1")
        await probe_end.send_bytes(b"$ ")
        assert (await browser.receive(timeout=5)).data == b"$ "
        await browser.send_bytes(b"ls\n")
        assert (await probe_end.receive(timeout=5)).data == b"ls\n"
        await probe_end.close()  # the process ended: the browser's end closes too
        assert (await browser.receive(timeout=5)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    finally:
        task.cancel()
        await ws.close()

    async def gone() -> bool:
        r = await client.post("/api/control/scope-probe-1/n/x")
        return r.status == 503

    await wait_until(gone)


async def test_control_ws_needs_a_probe_id(make_client: Any) -> None:
    client = await make_client()
    with pytest.raises(aiohttp.WSServerHandshakeError) as e:
        await client.ws_connect("/api/control/ws")
    assert e.value.status == 400

"""Controls and pipes over HTTP: POST /api/control/..., the batch form, and /api/pipe/{id}."""

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMsgType, web

from .keys import AUDIT, METRICS, PIPES, SESSIONS
from .middleware import PRINCIPAL, json_error
from .sessions import ControlTimeout, ProbeUnavailable

_BATCH_LIMIT = 500


async def _args(request: web.Request) -> Mapping[str, Any] | web.Response:
    if not request.can_read_body:
        return {}
    try:
        args = json.loads(await request.read() or b"{}")
    except ValueError as e:
        return json_error(400, f"control arguments are not JSON: {e}")
    if not isinstance(args, dict):
        return json_error(400, "control arguments must be a JSON object")
    return args


async def run_control(app: web.Application, who: str, probe_id: str, node_id: str, control: str,
                      args: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """Route a control to the probe that owns the node; (HTTP status, body). Audited, whatever the outcome."""
    metrics, audit = app[METRICS], app[AUDIT]
    try:
        session = app[SESSIONS].get(probe_id)
        result = await session.control(node_id, control, args)
    except ProbeUnavailable as e:
        status, body, outcome = 503, {"error": str(e)}, "probe unavailable"
    except ControlTimeout as e:
        status, body, outcome = 504, {"error": str(e)}, "timeout"
    else:
        if result.get("error"):
            status, body, outcome = 400, {"error": result["error"]}, "error"
        else:
            status, body, outcome = 200, result, "ok"
        pipe = result.get("pipe")
        if isinstance(pipe, str) and pipe:
            app[PIPES].open(pipe, probe_id, bool(result.get("raw_tty")))
            audit.write("pipe_open", who, probe=probe_id, node=node_id, control=control, pipe=pipe)
    metrics.controls.labels(outcome).inc()
    audit.write("control", who, probe=probe_id, node=node_id, control=control, args=dict(args), result=outcome,
                error=body.get("error"))
    return status, body


async def post_control(request: web.Request) -> web.Response:
    """Scope's `POST /api/control/{probeID}/{nodeID}/{control}`: the probe's result, or an error saying why."""
    args = await _args(request)
    if isinstance(args, web.Response):
        return args
    m = request.match_info
    status, body = await run_control(request.app, request[PRINCIPAL].name, m["probe"], m["node"], m["control"], args)
    return web.json_response(body, status=status)


async def post_batch(request: web.Request) -> web.Response:
    """One control on many nodes: `{"control": id, "args": {...}, "nodes": [{"probe": p, "node": n}, ...]}`;
    runs them concurrently and answers one result per node, in order."""
    body = await _args(request)
    if isinstance(body, web.Response):
        return body
    control, nodes, args = body.get("control"), body.get("nodes"), body.get("args") or {}
    if not isinstance(control, str) or not isinstance(nodes, list) or not isinstance(args, dict):
        return json_error(400, 'expected {"control": str, "nodes": [{"probe": str, "node": str}], "args": {}}')
    if len(nodes) > _BATCH_LIMIT:
        return json_error(413, f"at most {_BATCH_LIMIT} nodes per batch")
    for i, n in enumerate(nodes):
        if not isinstance(n, dict) or not isinstance(n.get("probe"), str) or not isinstance(n.get("node"), str):
            return json_error(400, f"nodes[{i}] must be {{\"probe\": str, \"node\": str}}")
    who = request[PRINCIPAL].name
    outcomes = await asyncio.gather(*(run_control(request.app, who, n["probe"], n["node"], control, args)
                                      for n in nodes))
    results = [{"probe": n["probe"], "node": n["node"], "status": status, **body}
               for n, (status, body) in zip(nodes, outcomes, strict=True)]
    return web.json_response({"results": results})


async def pipe_ws(request: web.Request) -> web.StreamResponse:
    """The browser end of a pipe: binary frames both ways. Closing the websocket detaches; DELETE closes."""
    hub = request.app[PIPES]
    pipe_id = request.match_info["pipe"]
    if hub.get(pipe_id) is None:
        return json_error(404, f"no pipe {pipe_id!r}")
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)

    async def send(data: bytes) -> None:
        if not ws.closed:
            await ws.send_bytes(data)

    async def close() -> None:
        await ws.close()

    pipe = await hub.attach(pipe_id, send, close)
    if pipe is None:
        await ws.close()
        return ws
    metrics = request.app[METRICS]
    metrics.pipes.set(len(hub))
    try:
        session = request.app[SESSIONS].get(pipe.probe_id)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await session.pipe_send(pipe_id, msg.data)
            elif msg.type == WSMsgType.TEXT:
                await session.pipe_send(pipe_id, msg.data.encode())
    except ProbeUnavailable:
        await hub.close(pipe_id, "probe disconnected")
    finally:
        hub.detach(pipe, send)
        metrics.pipes.set(len(hub))
    return ws


async def delete_pipe(request: web.Request) -> web.Response:
    """Close a pipe from the browser side (Scope's DELETE)."""
    pipe_id = request.match_info["pipe"]
    if not await request.app[PIPES].close(pipe_id, f"closed by {request[PRINCIPAL].name}"):
        return json_error(404, f"no pipe {pipe_id!r}")
    return web.Response(status=204)


async def check_pipe(request: web.Request) -> web.Response:
    """Scope's `GET /api/pipe/{id}/check`: 204 if the pipe exists."""
    if request.app[PIPES].get(request.match_info["pipe"]) is None:
        return json_error(404, "no such pipe")
    return web.Response(status=204)

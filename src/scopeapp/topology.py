"""Topology endpoints: the list, one topology's summaries, node details, and the live websocket."""

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMsgType, web

from scopecore import render

from .durations import parse_duration
from .keys import COLLECTOR, METRICS, VIEWS
from .middleware import json_error

# Query parameters that are not topology options.
_NOT_OPTIONS = {"t", "timestamp", "token", "topology", "q"}
_MIN_INTERVAL = 0.05


def options_of(request: web.Request) -> dict[str, str]:
    """The topology options in the query string."""
    return {k: v for k, v in request.query.items() if k not in _NOT_OPTIONS}


async def get_topologies(request: web.Request) -> web.Response:
    """GET /api/topology."""
    return web.json_response(request.app[VIEWS].topologies(options_of(request)))


async def get_topology(request: web.Request) -> web.Response:
    """GET /api/topology/{topology}: {"nodes": {id: NodeSummary}}."""
    topology = request.match_info["topology"]
    try:
        nodes = request.app[VIEWS].summaries(topology, options_of(request))
    except render.UnknownTopology as e:
        return json_error(404, str(e))
    return web.json_response({"nodes": nodes})


async def get_node(request: web.Request) -> web.Response:
    """GET /api/topology/{topology}/{node}: {"node": details}."""
    topology, node_id = request.match_info["topology"], request.match_info["node"]
    try:
        details = request.app[VIEWS].details(topology, node_id, options_of(request))
    except render.UnknownTopology as e:
        return json_error(404, str(e))
    if details is None:
        return json_error(404, f"no node {node_id!r} in topology {topology!r}")
    return web.json_response(details)


async def search(request: web.Request) -> web.Response:
    """GET /api/search?topology=ID&q=QUERY[&q=...]: the IDs of the nodes every query (pinned terms) matches, or 400
    with the position where a query stops parsing."""
    topology, queries = request.query.get("topology", ""), request.query.getall("q", [])
    if not topology or not queries:
        return json_error(400, "pass topology=<id> and at least one q=<query>")
    try:
        matches = request.app[VIEWS].search(topology, options_of(request), queries)
    except render.UnknownTopology as e:
        return json_error(404, str(e))
    except render.QueryError as e:
        return web.json_response({"error": str(e), "query": e.query, "position": e.position}, status=400)
    return web.json_response({"matches": matches})


async def topology_ws(request: web.Request) -> web.StreamResponse:
    """Websocket: a reset with every node, then a delta whenever the view changes, at most every `t` (Scope's
    default 1s); a shortcut report is pushed at once. Client messages are read and ignored, as Scope does."""
    topology = request.match_info["topology"]
    options = options_of(request)
    try:
        interval = max(_MIN_INTERVAL, parse_duration(request.query.get("t", "1s")))
    except ValueError as e:
        return json_error(400, str(e))
    views, collector, metrics = request.app[VIEWS], request.app[COLLECTOR], request.app[METRICS]
    try:
        current = views.summaries(topology, options)
    except render.UnknownTopology as e:
        return json_error(404, str(e))
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    metrics.ws_clients.inc()
    reader = asyncio.create_task(_drain(ws))
    try:
        await ws.send_json(render.diff(None, current))
        previous = current
        loop = asyncio.get_running_loop()
        while not ws.closed and not reader.done():
            generation, sent_at = collector.generation, loop.time()
            await _wait_for_change(collector, generation, reader)
            if ws.closed or reader.done():
                break
            # Coalesce: no more than one delta per interval, unless a shortcut report asks for speed.
            shortcut = collector.shortcut_pending(generation)
            rest = interval - (loop.time() - sent_at)
            if rest > 0 and not shortcut:
                await asyncio.sleep(rest)
            current = views.summaries(topology, options)
            delta = render.diff(previous, current)
            if _nonempty(delta):
                await ws.send_json(delta)
            previous = current
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        reader.cancel()
        metrics.ws_clients.dec()
        with contextlib.suppress(Exception):
            await ws.close()
    return ws


async def _wait_for_change(collector: Any, generation: int, reader: "asyncio.Task[None]") -> None:
    waiter = asyncio.ensure_future(collector.wait(generation, 3600))
    await asyncio.wait({waiter, reader}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


async def _drain(ws: web.WebSocketResponse) -> None:
    async for msg in ws:
        if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            break


def _nonempty(delta: Mapping[str, Any]) -> bool:
    return any(delta.get(k) for k in ("add", "update", "remove")) or bool(delta.get("reset"))

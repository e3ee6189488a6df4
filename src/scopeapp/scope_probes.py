"""Controls and pipes for real Scope probes, which speak their own protocol to the app:

- the probe dials `GET /api/control/ws` (header X-Scope-Probe-ID) and serves Go net/rpc over it, JSON-encoded, each
  message two websocket frames: `{"Request": {"ServiceMethod": "control.Handle", "Seq": n}}` then
  `{"Value": {"AppID", "NodeID", "Control", "ControlArgs"}}`; the answer is `{"Response": {..., "Seq": n,
  "Error": ""}}` then `{"Value": {value, error, pipe, raw_tty}}` (Scope common/xfer/controls.go);
- for a pipe it announced, the probe dials `GET /api/pipe/{id}/probe` and exchanges raw binary frames.
"""

import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMsgType, web

from .keys import CONFIG, PIPES, SESSIONS
from .middleware import json_error
from .sessions import PendingCalls, ProbeUnavailable

log = logging.getLogger("scopeapp.scope_probes")
PROBE_ID_HEADER = "X-Scope-Probe-ID"


class ScopeProbeSession:
    """A Scope probe's control websocket, seen as a ProbeSession."""

    def __init__(self, probe_id: str, ws: web.WebSocketResponse, app_id: str, timeout: float) -> None:
        self.probe_id = probe_id
        self.ws = ws
        self.app_id = app_id
        self.timeout = timeout
        self.calls = PendingCalls()
        self.pipe_ends: dict[str, web.WebSocketResponse] = {}
        self._header: Mapping[str, Any] | None = None

    async def control(self, node_id: str, control: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """One net/rpc call of control.Handle."""
        seq, fut = self.calls.new()
        await self.ws.send_json({"Request": {"ServiceMethod": "control.Handle", "Seq": seq}})
        await self.ws.send_json({"Value": {"AppID": self.app_id, "NodeID": node_id, "Control": control,
                                           "ControlArgs": {k: str(v) for k, v in args.items()}}})
        return await self.calls.wait(seq, fut, self.timeout)

    def received(self, frame: Mapping[str, Any]) -> None:
        """A frame from the probe: a response header, or the value that follows one."""
        if frame.get("Response"):
            self._header = frame["Response"]
            return
        header, self._header = self._header, None
        if header is None or not isinstance(header.get("Seq"), int):
            return
        value = frame.get("Value") if isinstance(frame.get("Value"), dict) else {}
        result = dict(value or {})
        if header.get("Error"):
            result["error"] = header["Error"]
        self.calls.resolve(header["Seq"], result)

    async def pipe_send(self, pipe_id: str, data: bytes) -> None:
        """Browser bytes to the probe's end of the pipe."""
        end = self.pipe_ends.get(pipe_id)
        if end is None:
            raise ProbeUnavailable(f"the probe has not attached pipe {pipe_id!r}")
        await end.send_bytes(data)

    async def pipe_close(self, pipe_id: str) -> None:
        """Closing the probe's end tells a Scope probe the pipe is gone."""
        end = self.pipe_ends.pop(pipe_id, None)
        if end is not None:
            await end.close()


async def control_ws(request: web.Request) -> web.StreamResponse:
    """`GET /api/control/ws`: a Scope probe's control channel."""
    probe_id = request.headers.get(PROBE_ID_HEADER)
    if not probe_id:
        return json_error(400, f"missing {PROBE_ID_HEADER} header")
    ws = web.WebSocketResponse(heartbeat=33)  # Scope pings every 33 s
    await ws.prepare(request)
    config, sessions = request.app[CONFIG], request.app[SESSIONS]
    session = ScopeProbeSession(probe_id, ws, config.app_id, config.control_timeout)
    sessions.add(session)
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                frame = json.loads(msg.data)
            except ValueError:
                log.warning("bad frame from a Scope probe", extra={"probe": probe_id})
                continue
            if isinstance(frame, dict):
                session.received(frame)
    finally:
        sessions.remove(session)
        session.calls.fail_all(f"probe {probe_id!r} disconnected")
    return ws


async def pipe_probe_ws(request: web.Request) -> web.StreamResponse:
    """`GET /api/pipe/{pipe}/probe`: a Scope probe's end of a pipe."""
    pipe_id = request.match_info["pipe"]
    hub = request.app[PIPES]
    pipe = hub.get(pipe_id)
    if pipe is None:
        return json_error(404, f"no pipe {pipe_id!r}")
    session = request.app[SESSIONS].get_or_none(pipe.probe_id)
    if not isinstance(session, ScopeProbeSession):
        return json_error(404, f"pipe {pipe_id!r} does not belong to a Scope probe")
    ws = web.WebSocketResponse(heartbeat=33)
    await ws.prepare(request)
    session.pipe_ends[pipe_id] = ws
    try:
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await hub.from_probe(pipe.probe_id, pipe_id, msg.data)
            elif msg.type == WSMsgType.TEXT:
                await hub.from_probe(pipe.probe_id, pipe_id, msg.data.encode())
    finally:
        if session.pipe_ends.get(pipe_id) is ws:
            del session.pipe_ends[pipe_id]
            with contextlib.suppress(Exception):
                await hub.close(pipe_id, "closed by probe")
    return ws

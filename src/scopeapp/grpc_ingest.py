"""Our probes' native transport: one gRPC bidirectional stream per probe (see docs/probe-protocol.md).

Probe -> app: hello, reports (full / delta / shortcut), control replies, pipe data, source changes.
App -> probe: welcome, control requests, pipe data and closes. Messages are scopecore.protocol maps.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import grpc

from scopecore import DecodeError, protocol
from scopecore.protocol import (
    ControlReply,
    ControlRequest,
    Hello,
    PipeClose,
    PipeData,
    ReportMsg,
    Sources,
    Welcome,
)

from .auth import Role, Tokens
from .pipes import PipeHub
from .sessions import PendingCalls, Sessions

log = logging.getLogger("scopeapp.grpc")
_OUTGOING_LIMIT = 1024  # messages queued for a probe before it is considered stuck


class GrpcProbeSession:
    """A connected probe's stream, seen as a ProbeSession."""

    def __init__(self, probe_id: str, control_timeout: float) -> None:
        self.probe_id = probe_id
        self.control_timeout = control_timeout
        self.outgoing: asyncio.Queue[protocol.Message | None] = asyncio.Queue(_OUTGOING_LIMIT)
        self.calls = PendingCalls()

    async def control(self, node_id: str, control: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """Send a control request and wait for its reply."""
        rid, fut = self.calls.new()
        await self.outgoing.put(ControlRequest(rid, node_id, control, dict(args)))
        return await self.calls.wait(rid, fut, self.control_timeout)

    async def pipe_send(self, pipe_id: str, data: bytes) -> None:
        """Browser bytes to the probe."""
        await self.outgoing.put(PipeData(pipe_id, data))

    async def pipe_close(self, pipe_id: str) -> None:
        """Tell the probe a pipe closed."""
        await self.outgoing.put(PipeClose(pipe_id, "closed by the app"))


ReportSink = Callable[[str, bytes, str, Hello], None]  # probe id, body, kind, hello


class ProbeService:
    """The handler behind /scope.Probe/Connect."""

    def __init__(self, tokens: Tokens, sessions: Sessions, pipes: PipeHub, on_report: ReportSink,
                 on_sources: Callable[[str, Mapping[str, Any]], None], app_id: str, version: str,
                 control_timeout: float, on_connect: Callable[[int], None] | None = None) -> None:
        self.tokens, self.sessions, self.pipes = tokens, sessions, pipes
        self.on_report, self.on_sources = on_report, on_sources
        self.app_id, self.version, self.control_timeout = app_id, version, control_timeout
        self.on_connect = on_connect

    def handler(self) -> grpc.GenericRpcHandler:
        """The generic handler to add to a grpc.aio server (messages are raw bytes: our own codec)."""
        method = grpc.stream_stream_rpc_method_handler(self.connect)
        return grpc.method_handlers_generic_handler(protocol.SERVICE, {"Connect": method})

    async def connect(self, requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        """One probe's stream, for as long as it lasts."""
        metadata = dict(context.invocation_metadata() or ())
        principal = self.tokens.from_headers(str(metadata.get("authorization", "")) or None)
        if principal is None or not principal.may(Role.PROBE):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "a probe token is required")
        first = await anext(aiter(requests), None)
        try:
            hello = protocol.decode(first) if first is not None else None
        except DecodeError as e:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"bad first message: {e}")
        if not isinstance(hello, Hello) or not hello.probe_id:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the first message must be a hello with a probe ID")
        assert isinstance(hello, Hello)
        session = GrpcProbeSession(hello.probe_id, self.control_timeout)
        self.sessions.add(session)
        self.on_sources(hello.probe_id, hello.sources)
        if self.on_connect:
            self.on_connect(len(self.sessions))
        log.info("probe connected", extra={"probe": hello.probe_id, "hostname": hello.hostname})
        reader = asyncio.create_task(self._read(requests, session, hello))
        try:
            yield protocol.encode(Welcome(self.app_id, self.version))
            while True:
                getter = asyncio.ensure_future(session.outgoing.get())
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    break  # the probe closed its side
                msg = getter.result()
                if msg is None:
                    break
                yield protocol.encode(msg)
        finally:
            reader.cancel()
            self.sessions.remove(session)
            session.calls.fail_all(f"probe {hello.probe_id!r} disconnected")
            await self.pipes.close_probe(hello.probe_id)
            if self.on_connect:
                self.on_connect(len(self.sessions))
            log.info("probe disconnected", extra={"probe": hello.probe_id})

    async def _read(self, requests: AsyncIterator[bytes], session: GrpcProbeSession, hello: Hello) -> None:
        async for raw in requests:
            try:
                msg = protocol.decode(raw)
            except DecodeError as e:
                log.warning("bad message from probe", extra={"probe": hello.probe_id, "error": str(e)})
                continue
            if isinstance(msg, ReportMsg):
                self.on_report(hello.probe_id, msg.body, msg.kind, hello)
            elif isinstance(msg, ControlReply):
                session.calls.resolve(msg.id, dict(msg.result))
            elif isinstance(msg, PipeData):
                await self.pipes.from_probe(hello.probe_id, msg.pipe_id, msg.data)
            elif isinstance(msg, PipeClose):
                await self.pipes.close(msg.pipe_id, msg.reason or "closed by probe")
            elif isinstance(msg, Sources):
                self.on_sources(hello.probe_id, msg.sources)

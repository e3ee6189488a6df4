"""Publishing to apps: our gRPC stream (reports out; controls and pipe data in), or Scope's HTTP POST.

One AppClient per app, each with its own bounded queue that drops the oldest report and counts the drops (Scope: a
2-slot queue per app). It reconnects with exponential backoff and jitter, and says so once per outage rather
than once per attempt.
"""

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc

from scopecore import DecodeError, protocol
from scopecore.protocol import ControlReply, ControlRequest, Hello, PipeClose, PipeData, ReportMsg, Sources, Welcome

log = logging.getLogger("scopeprobe.publish")

ControlHandler = Callable[[ControlRequest], Awaitable[Mapping[str, Any]]]
PipeHandler = Callable[[str, bytes | None], Awaitable[None]]  # pipe id, data (None: closed by the app)


@dataclass(slots=True)
class ClientStats:
    """What a client has done, for the probe's own metrics and tests."""

    sent: int = 0
    dropped: int = 0
    connects: int = 0
    failures: int = 0
    connected: bool = False
    app_id: str = ""


@dataclass(slots=True)
class Identity:
    """Who the probe is, for the hello."""

    probe_id: str
    hostname: str
    version: str
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)


class GrpcAppClient:
    """One app, over our gRPC stream."""

    def __init__(self, target: str, identity: Identity, *, token: str = "", queue_size: int = 4,
                 on_control: ControlHandler | None = None, on_pipe: PipeHandler | None = None,
                 credentials: grpc.ChannelCredentials | None = None, backoff: tuple[float, float] = (1.0, 60.0)
                 ) -> None:
        self.target = target
        self.identity = identity
        self.token = token
        self.on_control = on_control
        self.on_pipe = on_pipe
        self.credentials = credentials
        self.backoff = backoff
        self.stats = ClientStats()
        self._queue: deque[protocol.Message] = deque()
        self._queue_size = queue_size
        self._wake = asyncio.Event()
        self._control_tasks: set[asyncio.Task[None]] = set()

    def publish(self, body: bytes, kind: str = "full") -> None:
        """Queue a report (msgpack + gzip); the oldest queued report is dropped when the queue is full."""
        reports = [m for m in self._queue if isinstance(m, ReportMsg)]
        if len(reports) >= self._queue_size:
            self._queue.remove(reports[0])
            self.stats.dropped += 1
        self._queue.append(ReportMsg(body, kind))
        self._wake.set()

    def send(self, msg: protocol.Message) -> None:
        """Queue any other message (pipe data, source changes): never dropped."""
        self._queue.append(msg)
        self._wake.set()

    def set_sources(self, sources: dict[str, dict[str, Any]]) -> None:
        """Tell the app which sources are live now."""
        self.identity.sources = sources
        self.send(Sources(sources))

    async def run(self) -> None:
        """Connect, stream, and reconnect forever (cancel the task to stop)."""
        delay = self.backoff[0]
        outage_logged = False
        while True:
            try:
                await self._session()
                delay = self.backoff[0]
                outage_logged = False
            except (grpc.aio.AioRpcError, OSError, DecodeError) as e:
                self.stats.failures += 1
                if not outage_logged:
                    detail = e.details() if isinstance(e, grpc.aio.AioRpcError) else str(e)
                    log.warning("app unreachable, retrying", extra={"app": self.target, "error": detail})
                    outage_logged = True
            finally:
                self.stats.connected = False
            # Jitter spreads a fleet's reconnects after an app restart.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self.backoff[1])

    async def _session(self) -> None:
        options = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]
        channel = (grpc.aio.secure_channel(self.target, self.credentials, options=options) if self.credentials
                   else grpc.aio.insecure_channel(self.target, options=options))
        async with channel:
            call = channel.stream_stream(protocol.METHOD)(
                self._outgoing(), metadata=(("authorization", f"Bearer {self.token}"),) if self.token else None)
            async for raw in call:
                msg = protocol.decode(raw)
                if isinstance(msg, Welcome):
                    self.stats.connected = True
                    self.stats.connects += 1
                    self.stats.app_id = msg.app_id
                    log.info("connected to app", extra={"app": self.target, "app_id": msg.app_id})
                elif isinstance(msg, ControlRequest):
                    task = asyncio.create_task(self._control(msg))
                    self._control_tasks.add(task)
                    task.add_done_callback(self._control_tasks.discard)
                elif isinstance(msg, PipeData) and self.on_pipe is not None:
                    await self.on_pipe(msg.pipe_id, msg.data)
                elif isinstance(msg, PipeClose) and self.on_pipe is not None:
                    await self.on_pipe(msg.pipe_id, None)

    async def _outgoing(self) -> Any:
        yield protocol.encode(Hello(self.identity.probe_id, self.identity.hostname, self.identity.version,
                                    self.identity.sources))
        while True:
            while self._queue:
                msg = self._queue.popleft()
                yield protocol.encode(msg)
                if isinstance(msg, ReportMsg):
                    self.stats.sent += 1
            self._wake.clear()
            await self._wake.wait()

    async def _control(self, req: ControlRequest) -> None:
        if self.on_control is None:
            result: Mapping[str, Any] = {"error": "this probe has no controls"}
        else:
            try:
                result = await self.on_control(req)
            except Exception as e:  # a control's failure is its answer, never the stream's end
                log.exception("control failed", extra={"control": req.control, "node": req.node_id})
                result = {"error": f"{req.control} failed: {e}"}
        self.send(ControlReply(req.id, dict(result)))

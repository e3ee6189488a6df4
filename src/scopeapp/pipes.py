"""Pipes: byte streams between a browser websocket and a probe (terminals, log streams).

A probe opens a pipe by answering a control with `pipe: <id>`. The browser then attaches at /api/pipe/<id>. A
browser that goes away (a page reload) detaches without closing, so it can reattach while the pipe lives; a pipe
nobody is attached to for `idle_timeout` seconds is closed, as is one closed from either end.
"""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

_BUFFER_LIMIT = 1 << 20  # what the probe sends before a browser attaches: enough for a screen of history


@dataclass(slots=True)
class Pipe:
    """One pipe's state."""

    id: str
    probe_id: str
    raw_tty: bool = False
    send_to_browser: Callable[[bytes], Awaitable[None]] | None = None
    close_browser: Callable[[], Awaitable[None]] | None = None
    buffered: list[bytes] = field(default_factory=list)
    buffered_bytes: int = 0
    detached_since: float = field(default_factory=time.monotonic)


class PipeHub:
    """Every open pipe; the app owns one."""

    def __init__(self, idle_timeout: float = 60.0,
                 on_close: Callable[[Pipe, str], Awaitable[None]] | None = None) -> None:
        self.idle_timeout = idle_timeout
        self._pipes: dict[str, Pipe] = {}
        self._closed: deque[str] = deque(maxlen=1024)
        self._on_close = on_close

    def open(self, pipe_id: str, probe_id: str, raw_tty: bool = False) -> Pipe:
        """Register a pipe a probe announced."""
        pipe = self._pipes.get(pipe_id)
        if pipe is None:
            pipe = self._pipes[pipe_id] = Pipe(pipe_id, probe_id, raw_tty)
        return pipe

    def get(self, pipe_id: str) -> Pipe | None:
        """The pipe, or None."""
        return self._pipes.get(pipe_id)

    async def attach(self, pipe_id: str, send: Callable[[bytes], Awaitable[None]],
                     close: Callable[[], Awaitable[None]]) -> Pipe | None:
        """A browser attaches; whatever the probe sent meanwhile is delivered first."""
        pipe = self._pipes.get(pipe_id)
        if pipe is None:
            return None
        if pipe.close_browser is not None:
            await pipe.close_browser()  # one browser per pipe: the newest wins (a reload)
        pipe.send_to_browser, pipe.close_browser = send, close
        backlog, pipe.buffered, pipe.buffered_bytes = pipe.buffered, [], 0
        for chunk in backlog:
            await send(chunk)
        return pipe

    def detach(self, pipe: Pipe, send: Callable[[bytes], Awaitable[None]]) -> None:
        """The browser went away; the pipe lives on until the idle timeout."""
        if pipe.send_to_browser is send:
            pipe.send_to_browser = pipe.close_browser = None
            pipe.detached_since = time.monotonic()

    async def from_probe(self, probe_id: str, pipe_id: str, data: bytes) -> None:
        """Bytes from the probe end. A probe may send before its control reply announcing the pipe arrives, so
        data opens the pipe; data for a pipe that was just closed is dropped rather than reopening it."""
        pipe = self._pipes.get(pipe_id)
        if pipe is None:
            if pipe_id in self._closed:
                return
            pipe = self.open(pipe_id, probe_id)
        if pipe.send_to_browser is not None:
            await pipe.send_to_browser(data)
        elif pipe.buffered_bytes + len(data) <= _BUFFER_LIMIT:
            pipe.buffered.append(data)
            pipe.buffered_bytes += len(data)

    async def close(self, pipe_id: str, reason: str) -> bool:
        """Close a pipe from either end; False if there was none."""
        pipe = self._pipes.pop(pipe_id, None)
        if pipe is None:
            return False
        self._closed.append(pipe_id)
        if pipe.close_browser is not None:
            await pipe.close_browser()
        if self._on_close is not None:
            await self._on_close(pipe, reason)
        return True

    async def close_probe(self, probe_id: str) -> None:
        """The probe's stream ended: its pipes end too."""
        for pid in [p.id for p in self._pipes.values() if p.probe_id == probe_id]:
            await self.close(pid, "probe disconnected")

    async def gc(self) -> None:
        """Close pipes nobody has been attached to for the idle timeout."""
        now = time.monotonic()
        for pipe in list(self._pipes.values()):
            if pipe.send_to_browser is None and now - pipe.detached_since > self.idle_timeout:
                await self.close(pipe.id, "idle")

    async def run_gc(self, every: float = 5.0) -> None:
        """GC loop for a cleanup context."""
        while True:
            await asyncio.sleep(every)
            await self.gc()

    def __len__(self) -> int:
        return len(self._pipes)

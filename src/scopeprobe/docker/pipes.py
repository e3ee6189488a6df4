"""Pipes: byte streams between a browser terminal and a container (exec shell, attach, logs).

The probe owns the connection to the app; this module owns the container side. The probe passes two callables,
`send(pipe_id, data)` and `close(pipe_id)`, and calls `input(pipe_id, data)` / `closed(pipe_id)` with what comes
from the browser. Blocking reads and writes run in one thread each per pipe; what they read reaches `send` through
the event loop (call_soon_threadsafe), so `send` and `close` are always called on the loop's thread, from a
callback: a probe that registers a pipe ID as soon as `handle_control` returns it, before awaiting anything
else, sees every byte.
"""

import asyncio
import contextlib
import logging
import queue
import random
import socket
import threading
from collections.abc import Callable
from typing import Any

from .client import DockerAPI, Stream
from .frames import Demuxer

log = logging.getLogger(__name__)

PipeSend = Callable[[str, bytes], None]
PipeClose = Callable[[str], None]
_READ_SIZE = 65536


def new_pipe_id() -> str:
    """A pipe ID as Scope's probe makes them (controls.NewPipe): "pipe-<random int63>"."""
    return f"pipe-{random.getrandbits(63)}"


class _Pipe:
    """One open pipe: a source thread reading the container, and (for sockets) a writer thread."""

    def __init__(self, pipe_id: str, exec_id: str | None = None) -> None:
        self.pipe_id = pipe_id
        self.exec_id = exec_id
        self._lock = threading.Lock()
        self._stopped = False

    def write(self, data: bytes) -> None:
        """Bytes from the browser; ignored by read-only pipes."""

    def stop(self) -> None:
        """End the source; idempotent, callable from any thread."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._release()

    def _release(self) -> None:
        raise NotImplementedError


class _SocketPipe(_Pipe):
    """A hijacked connection (exec or attach): reads go to the browser, the browser's input is written to it."""

    def __init__(self, pipe_id: str, sock: socket.socket, keepalive: Any, exec_id: str | None) -> None:
        super().__init__(pipe_id, exec_id)
        self.sock = sock
        self._keepalive = keepalive  # the SDK's response object: closing it (or losing it) closes the socket
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def write(self, data: bytes) -> None:
        self._outbox.put(data)

    def writer(self) -> None:
        while (data := self._outbox.get()) is not None:
            try:
                self.sock.sendall(data)
            except OSError:
                return  # the container side closed: the reader sees it too and ends the pipe

    def _release(self) -> None:
        self._outbox.put(None)
        with contextlib.suppress(OSError):  # already disconnected
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader's recv(); for exec, the shell gets EOF
        self.sock.close()
        try:
            self._keepalive.close()
        except Exception:  # the SDK's objects may raise anything on a dead connection
            log.debug("closing pipe %s", self.pipe_id, exc_info=True)


class _StreamPipe(_Pipe):
    """A streaming HTTP response (logs) on its own client; read-only."""

    def __init__(self, pipe_id: str, stream: Stream[bytes], api: DockerAPI) -> None:
        super().__init__(pipe_id)
        self.stream = stream
        self._api = api

    def _release(self) -> None:
        try:
            self.stream.close()
        except Exception:  # as above
            log.debug("closing pipe %s", self.pipe_id, exc_info=True)
        self._api.close()


class Pipes:
    """The open pipes of one reporter. Methods are called on the event loop's thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, send: PipeSend, close: PipeClose) -> None:
        self._loop = loop
        self._send = send
        self._close = close
        self._open: dict[str, _Pipe] = {}

    def __len__(self) -> int:
        return len(self._open)

    def open_socket(self, sock: socket.socket, keepalive: Any, *, demux: bool, exec_id: str | None = None) -> str:
        """Start piping a hijacked connection; demux for an attach to a container without a TTY."""
        pipe = _SocketPipe(new_pipe_id(), sock, keepalive, exec_id)
        demuxer = Demuxer() if demux else None

        def chunks() -> Any:
            while True:
                try:
                    data = sock.recv(_READ_SIZE)
                except OSError:
                    return
                if not data:
                    return
                yield demuxer.feed(data) if demuxer else data

        self._start(pipe, chunks)
        threading.Thread(target=pipe.writer, name=f"docker-pipe-w-{pipe.pipe_id}", daemon=True).start()
        return pipe.pipe_id

    def open_stream(self, stream: Stream[bytes], api: DockerAPI) -> str:
        """Start piping a streaming response (logs), read on its own client `api`, closed with the pipe."""
        pipe = _StreamPipe(new_pipe_id(), stream, api)
        self._start(pipe, lambda: iter(stream))
        return pipe.pipe_id

    def _start(self, pipe: _Pipe, chunks: Callable[[], Any]) -> None:
        self._open[pipe.pipe_id] = pipe
        call = self._loop.call_soon_threadsafe

        def reader() -> None:
            try:
                for data in chunks():
                    if data:
                        call(self._deliver, pipe.pipe_id, bytes(data))
            except Exception:  # a stream cut by dockerd raises urllib3/requests/SDK errors alike
                log.debug("pipe %s ended", pipe.pipe_id, exc_info=True)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is closed: the probe is shutting down
                    call(self._ended, pipe)

        threading.Thread(target=reader, name=f"docker-pipe-r-{pipe.pipe_id}", daemon=True).start()

    def _deliver(self, pipe_id: str, data: bytes) -> None:
        if pipe_id in self._open:
            self._send(pipe_id, data)

    def _ended(self, pipe: _Pipe) -> None:
        pipe.stop()
        if self._open.get(pipe.pipe_id) is pipe:
            del self._open[pipe.pipe_id]
            self._close(pipe.pipe_id)  # the container side ended: tell the browser

    def input(self, pipe_id: str, data: bytes) -> None:
        """Bytes the browser typed; dropped if the pipe is unknown or read-only."""
        pipe = self._open.get(pipe_id)
        if pipe is not None:
            pipe.write(data)

    def closed(self, pipe_id: str) -> None:
        """The browser (or the app) closed the pipe: stop the container side, without calling close back."""
        pipe = self._open.pop(pipe_id, None)
        if pipe is not None:
            pipe.stop()

    def exec_id(self, pipe_id: str) -> str | None:
        """The exec session behind an exec pipe (for resize), or None."""
        pipe = self._open.get(pipe_id)
        return pipe.exec_id if pipe is not None else None

    def close_all(self) -> None:
        """Stop every pipe and tell the probe they are closed (the reporter is stopping)."""
        for pipe_id in list(self._open):
            pipe = self._open.pop(pipe_id)
            pipe.stop()
            self._close(pipe_id)

"""Probe sessions: the live link to each probe that can run controls and carry pipe data.

A session is anything with the ProbeSession shape: our gRPC stream, or a Scope probe's control websocket. The
registry maps probe IDs to sessions; controls for a probe without one fail at once rather than time out.
"""

import asyncio
import itertools
from collections.abc import Mapping
from typing import Any, Protocol


class ProbeUnavailable(Exception):
    """The probe has no live session (offline, or never connected a control channel)."""


class ControlTimeout(Exception):
    """The probe did not answer a control in time."""


class ProbeSession(Protocol):
    """What the app needs of a connected probe."""

    probe_id: str

    async def control(self, node_id: str, control: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """Run a control; the probe's result in Scope's shape ({value, error, pipe, raw_tty, ...})."""
        ...

    async def pipe_send(self, pipe_id: str, data: bytes) -> None:
        """Bytes from the browser end of a pipe to the probe end."""
        ...

    async def pipe_close(self, pipe_id: str) -> None:
        """Tell the probe the pipe is gone."""
        ...


class Sessions:
    """probe ID -> live session."""

    def __init__(self) -> None:
        self._sessions: dict[str, ProbeSession] = {}

    def add(self, session: ProbeSession) -> None:
        """Register a session (a reconnecting probe replaces its old one)."""
        self._sessions[session.probe_id] = session

    def remove(self, session: ProbeSession) -> None:
        """Unregister, if it is still the current one."""
        if self._sessions.get(session.probe_id) is session:
            del self._sessions[session.probe_id]

    def get(self, probe_id: str) -> ProbeSession:
        """The session, or ProbeUnavailable."""
        s = self._sessions.get(probe_id)
        if s is None:
            raise ProbeUnavailable(f"probe {probe_id!r} is not connected")
        return s

    def get_or_none(self, probe_id: str) -> ProbeSession | None:
        """The session, or None."""
        return self._sessions.get(probe_id)

    def __contains__(self, probe_id: object) -> bool:
        return probe_id in self._sessions

    def __len__(self) -> int:
        return len(self._sessions)


class PendingCalls:
    """Request IDs and futures for answers that arrive on another task (both transports use it)."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}

    def new(self) -> tuple[int, "asyncio.Future[dict[str, Any]]"]:
        """A fresh ID and the future its answer resolves."""
        rid = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = fut
        return rid, fut

    def resolve(self, rid: int, result: dict[str, Any]) -> None:
        """Answer a call (late or unknown answers are dropped)."""
        fut = self._waiting.pop(rid, None)
        if fut is not None and not fut.done():
            fut.set_result(result)

    def fail_all(self, reason: str) -> None:
        """The link is gone: every waiting call fails now rather than at its timeout."""
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(ProbeUnavailable(reason))
        self._waiting.clear()

    async def wait(self, rid: int, fut: "asyncio.Future[dict[str, Any]]", timeout: float) -> dict[str, Any]:
        """The answer, or ControlTimeout."""
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise ControlTimeout(f"no answer from the probe within {timeout:g} s") from None
        finally:
            self._waiting.pop(rid, None)

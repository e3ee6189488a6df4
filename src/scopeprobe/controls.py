"""The probe's controls: a registry of handlers by control ID, and the pipes they open.

A handler gets the node ID, the arguments and a `Pipes` to open byte streams on; it answers in Scope's shape
({value, error, pipe, raw_tty}). Every transport (our gRPC stream, Scope's websocket) goes through `handle`.
"""

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from scopeprobe.pty_shell import PtyShell
from scopeprobe.topologies import HOST_EXEC, HOST_RESIZE

log = logging.getLogger("scopeprobe.controls")
Send = Callable[[str, bytes | None], None]  # (pipe id, data; None closes)


class PipeEnd(Protocol):
    """The probe's end of a pipe."""

    def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


Handler = Callable[[str, Mapping[str, Any], "Pipes"], Awaitable[dict[str, Any]]]
# (control, node, args): for controls not registered one by one, e.g. Scope plugins' `<plugin>~<control>`.
Router = Callable[[str, str, Mapping[str, Any]], Awaitable[dict[str, Any]]]


class Pipes:
    """Open pipes of one app link, by ID."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.ends: dict[str, PipeEnd] = {}

    def new_id(self) -> str:
        """A fresh pipe ID."""
        return secrets.token_hex(8)

    async def from_app(self, pipe_id: str, data: bytes | None) -> None:
        """Bytes from the browser, or None when the app closed the pipe."""
        end = self.ends.get(pipe_id)
        if end is None:
            return
        if data is None:
            del self.ends[pipe_id]
            await end.close()
        else:
            end.write(data)

    async def close_all(self) -> None:
        """The link to the app is gone."""
        ends, self.ends = self.ends, {}
        for end in ends.values():
            await end.close()


class Controls:
    """Control ID -> handler."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self.plugin_router: Router | None = None  # controls `<plugin>~<control>` of Scope plugins

    def register(self, control: str, handler: Handler) -> None:
        """Serve a control."""
        self._handlers[control] = handler

    async def handle(self, node_id: str, control: str, args: Mapping[str, Any], pipes: Pipes) -> dict[str, Any]:
        """Run a control; an unknown one or a failing handler is an error answer, never an exception."""
        handler = self._handlers.get(control)
        router = self.plugin_router if handler is None and "~" in control else None
        if handler is None and router is None:
            return {"error": f"unknown control {control!r}"}
        try:
            if router is not None:
                return await router(control, node_id, args)
            assert handler is not None
            return await handler(node_id, args, pipes)
        except Exception as e:
            log.exception("control failed", extra={"control": control, "node": node_id})
            return {"error": f"{control} failed: {e}"}


def host_controls(controls: Controls, host_node_id: Callable[[], str]) -> None:
    """Register the host's controls: a shell on a pty, and its resize."""
    shells: dict[str, PtyShell] = {}

    async def exec_shell(node_id: str, args: Mapping[str, Any], pipes: Pipes) -> dict[str, Any]:
        if node_id != host_node_id():
            return {"error": f"{node_id!r} is not this probe's host"}
        pipe_id = pipes.new_id()

        async def output(data: bytes) -> None:
            pipes.send(pipe_id, data)

        async def exited() -> None:
            shells.pop(pipe_id, None)
            if pipes.ends.pop(pipe_id, None) is not None:
                pipes.send(pipe_id, None)

        shell = PtyShell(output, exited)
        shells[pipe_id] = pipes.ends[pipe_id] = shell
        return {"pipe": pipe_id, "raw_tty": True, "resize_tty_control": HOST_RESIZE}

    async def resize(node_id: str, args: Mapping[str, Any], pipes: Pipes) -> dict[str, Any]:
        shell = shells.get(str(args.get("pipeID", "")))
        if shell is None:
            return {"error": f"no shell on pipe {args.get('pipeID')!r}"}
        try:
            shell.resize(int(args["height"]), int(args["width"]))
        except (KeyError, ValueError):
            return {"error": "resize needs integer height and width"}
        return {}

    controls.register(HOST_EXEC, exec_shell)
    controls.register(HOST_RESIZE, resize)



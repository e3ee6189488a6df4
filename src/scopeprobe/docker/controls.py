"""The container controls, with Scope's IDs and response shape, plus a logs pipe.

A response is Scope's xfer.Response as JSON: {} on success, {"error": msg} on failure, {"removedNode": id} after
a removal, and for pipes {"pipe": id, "raw_tty": bool} (with "resize_tty_control" for exec, naming the control
the UI calls with {pipeID, height, width} when its terminal is resized). State changes reach the app by the
docker events they cause, as shortcut reports.
"""

import asyncio
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from scopecore.report import ids

from . import keys
from .client import DockerAPI
from .errors import DockerError
from .humanize import NS, parse_time
from .pipes import Pipes
from .registry import Registry

Response = dict[str, Any]

_LIFECYCLE: Mapping[str, Callable[[DockerAPI, str], None]] = {
    keys.START_CONTAINER: DockerAPI.start,
    keys.STOP_CONTAINER: DockerAPI.stop,
    keys.RESTART_CONTAINER: DockerAPI.restart,
    keys.PAUSE_CONTAINER: DockerAPI.pause,
    keys.UNPAUSE_CONTAINER: DockerAPI.unpause,
    keys.REMOVE_CONTAINER: DockerAPI.remove,
}
CONTROLS = frozenset((*_LIFECYCLE, keys.ATTACH_CONTAINER, keys.EXEC_CONTAINER, keys.GET_LOGS, keys.RESIZE_EXEC_TTY))
"""Every control ID handle_control answers."""

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


class LogsOptions(NamedTuple):
    """Arguments of a logs pipe."""

    follow: bool = True
    timestamps: bool = True
    tail: int | str = "all"
    since: float | None = None  # Unix seconds


def _flag(args: Mapping[str, str], name: str, default: bool) -> bool:
    value = args.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValueError(f"{name}: expected true or false, got {value!r}")


def logs_options(args: Mapping[str, str], now_ns: int) -> LogsOptions:
    """Parse a logs control's arguments, all optional, as the docker CLI takes them:
    follow/timestamps "true"|"false" (default true); tail "all" or a line count (default all);
    since Unix seconds ("1796414350.5"), RFC 3339 ("2026-12-04T19:59:10Z") or an age ("10m", "1h30m", "45s").

        logs_options({"tail": "10", "since": "5m"}, now) -> LogsOptions(True, True, 10, now_s - 300)
    """
    tail_arg = args.get("tail", "").strip() or "all"
    if tail_arg == "all":
        tail: int | str = "all"
    elif tail_arg.isdigit():
        tail = int(tail_arg)
    else:
        raise ValueError(f"tail: expected a line count or 'all', got {tail_arg!r}")
    since: float | None = None
    since_arg = args.get("since", "").strip()
    if since_arg:
        age = _DURATION.match(since_arg)
        if re.fullmatch(r"\d+(\.\d+)?", since_arg):
            since = float(since_arg)
        elif age and any(age.groups()):
            h, m, s = (float(g or 0) for g in age.groups())
            since = now_ns / NS - (h * 3600 + m * 60 + s)
        elif (t := parse_time(since_arg)) > 0:
            since = t / NS
        else:
            raise ValueError(f"since: expected Unix seconds, RFC 3339 or an age like 10m, got {since_arg!r}")
    return LogsOptions(_flag(args, "follow", True), _flag(args, "timestamps", True), tail, since)


def _error(e: Exception | str) -> Response:
    return {"error": str(e)}


class Controller:
    """Runs controls against the daemon the watcher is connected to."""

    def __init__(self, api: Callable[[], DockerAPI | None], registry: Registry,
                 pipes: Callable[[], Pipes | None], clock: Callable[[], int] = time.time_ns) -> None:
        self._api = api
        self._registry = registry
        self._pipes = pipes
        self._clock = clock

    async def handle(self, node_id: str, control: str, args: Mapping[str, str]) -> Response:
        """Run one control on one container node; never raises."""
        if control == keys.RESIZE_EXEC_TTY:
            return await self._resize(args)  # Scope's resize control ignores the node
        if control not in CONTROLS:
            return _error(f"unknown control {control!r}")
        container_id = ids.parse_tagged(ids.CONTAINER, node_id)
        if not container_id:
            return _error(f"Invalid ID: {node_id}")  # Scope's wording
        api = self._api()
        if api is None:
            return _error("docker is not available")
        try:
            if control in _LIFECYCLE:
                await asyncio.to_thread(_LIFECYCLE[control], api, container_id)
                return {"removedNode": node_id} if control == keys.REMOVE_CONTAINER else {}
            pipes = self._pipes()
            if pipes is None:
                return _error("this probe has no pipes to the app")
            if control == keys.EXEC_CONTAINER:
                exec_id, sock, keep = await asyncio.to_thread(api.exec_shell, container_id)
                pipe_id = pipes.open_socket(sock, keep, demux=False, exec_id=exec_id)
                return {"pipe": pipe_id, "raw_tty": True, "resize_tty_control": keys.RESIZE_EXEC_TTY}
            if control == keys.ATTACH_CONTAINER:
                return await self._attach(api, pipes, container_id)
            return await self._logs(api, pipes, container_id, args)
        except DockerError as e:
            return _error(e)
        except ValueError as e:  # bad arguments
            return _error(e)

    async def _attach(self, api: DockerAPI, pipes: Pipes, container_id: str) -> Response:
        container = self._registry.get(container_id)
        if container is None:
            container = await asyncio.to_thread(api.inspect, container_id)
        tty = bool((container.get("Config") or {}).get("Tty"))
        sock, keep = await asyncio.to_thread(api.attach, container_id)
        # Without a TTY the daemon multiplexes stdout and stderr into frames; the browser wants the bytes.
        return {"pipe": pipes.open_socket(sock, keep, demux=not tty), "raw_tty": tty}

    async def _logs(self, api: DockerAPI, pipes: Pipes, container_id: str, args: Mapping[str, str]) -> Response:
        opts = logs_options(args, self._clock())
        stream_api = await asyncio.to_thread(api.clone)  # no read timeout: a followed log may be quiet for hours
        try:
            stream = await asyncio.to_thread(
                lambda: stream_api.logs(container_id, follow=opts.follow, timestamps=opts.timestamps,
                                        tail=opts.tail, since=opts.since))
        except BaseException:
            stream_api.close()
            raise
        return {"pipe": pipes.open_stream(stream, stream_api), "raw_tty": False}

    async def _resize(self, args: Mapping[str, str]) -> Response:
        pipe_id = args.get("pipeID", "")
        try:
            height, width = int(args.get("height", "")), int(args.get("width", ""))
        except ValueError:
            return _error(f"bad terminal size {args.get('height')!r} x {args.get('width')!r}")
        pipes, api = self._pipes(), self._api()
        exec_id = pipes.exec_id(pipe_id) if pipes is not None else None
        if exec_id is None:
            return _error(f"Unknown pipeID ({pipe_id!r})")
        if api is None:
            return _error("docker is not available")
        try:
            await asyncio.to_thread(api.exec_resize, exec_id, height, width)
        except DockerError as e:
            return _error(f"Error setting terminal size ({height}, {width}) of pipe {pipe_id}: {e}")
        return {}

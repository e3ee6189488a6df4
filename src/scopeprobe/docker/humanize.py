"""Docker's human-readable strings, computed the way Scope's libraries did so the UI reads the same.

    human_duration(39 * NS)                         -> "39 seconds"        (docker/go-units HumanDuration)
    human_bytes(1_984_172)                          -> "2.0 MB"            (dustin/go-humanize Bytes, SI)
    state_human(state_of_inspect, now_ns)           -> "Up 39 seconds", "Up 2 minutes (Paused)",
                                                       "Exited (0) 38 seconds ago", "Created"
"""

import functools
import math
from collections.abc import Mapping
from typing import Any

from scopecore.codec.times import GO_ZERO, TimeFormatError, parse_rfc3339

from . import keys

NS = 1_000_000_000
_SI = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


def parse_time(value: object) -> int:
    """A Docker API time ("2026-12-04T22:26:47.604986535Z") in ns since the epoch; GO_ZERO if unset or bad."""
    if not isinstance(value, str) or not value:
        return GO_ZERO
    return _parse_time(value)


@functools.lru_cache(maxsize=4096)
def _parse_time(value: str) -> int:
    # Every report restates each container's uptime from the same StartedAt: parse each string once.
    try:
        return parse_rfc3339(value)
    except (TimeFormatError, ValueError):
        return GO_ZERO


def human_duration(ns: int) -> str:
    """docker/go-units HumanDuration: "Less than a second", "1 second", "39 seconds", "About a minute", ..."""
    seconds = int(ns / NS)
    if seconds < 1:
        return "Less than a second"
    if seconds == 1:
        return "1 second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = int(ns / (60 * NS))
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(ns / (3600 * NS) + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(ns / (3600 * NS)) // 24 // 365} years"


def human_bytes(n: int) -> str:
    """dustin/go-humanize Bytes (SI units, one decimal below 10): 1984172 -> "2.0 MB", 9 -> "9 B"."""
    if n < 10:
        return f"{n} B"
    e = min(math.floor(math.log(n) / math.log(1000)), len(_SI) - 1)
    val = math.floor(n / 1000**e * 10 + 0.5) / 10
    return f"{val:.1f} {_SI[e]}" if val < 10 else f"{val:.0f} {_SI[e]}"


def state_string(state: Mapping[str, Any]) -> str:
    """go-dockerclient State.StateString of an inspect `State`: running, paused, restarting, dead, created, exited."""
    if state.get("Running"):
        if state.get("Paused"):
            return keys.STATE_PAUSED
        if state.get("Restarting"):
            return keys.STATE_RESTARTING
        return keys.STATE_RUNNING
    if state.get("Dead"):
        return keys.STATE_DEAD
    if parse_time(state.get("StartedAt")) == GO_ZERO:
        return keys.STATE_CREATED
    return keys.STATE_EXITED


def state_human(state: Mapping[str, Any], now_ns: int) -> str:
    """go-dockerclient State.String of an inspect `State`, as of now_ns."""
    started = parse_time(state.get("StartedAt"))
    finished = parse_time(state.get("FinishedAt"))
    code = state.get("ExitCode", 0)
    if state.get("Running"):
        if state.get("Paused"):
            return f"Up {human_duration(now_ns - started)} (Paused)"
        if state.get("Restarting"):
            return f"Restarting ({code}) {human_duration(now_ns - finished)} ago"
        return f"Up {human_duration(now_ns - started)}"
    if state.get("Status") == "removing":
        return "Removal In Progress"
    if state.get("Dead"):
        return "Dead"
    if started == GO_ZERO:
        return "Created"
    if finished == GO_ZERO:
        return ""
    return f"Exited ({code}) {human_duration(now_ns - finished)} ago"


def uptime_seconds(state: Mapping[str, Any], now_ns: int) -> int:
    """Whole seconds since the container (last) started."""
    return max(0, (now_ns - parse_time(state.get("StartedAt"))) // NS)

"""Deltas between two sets of node summaries, as Scope's websocket sends them (render/detailed/topology_diff.go):

    {"add": [NodeSummary] | null, "update": [NodeSummary] | null, "remove": [id] | null, "reset": true?}

The first message of a websocket has no previous state: `reset` is true and every node is in `add`. Lists
are sorted by node ID (Scope's follow Go map order).
"""

from collections.abc import Mapping
from typing import Any

from .summary import Summary

Delta = dict[str, Any]


def diff(previous: Mapping[str, Summary] | None, current: Mapping[str, Summary]) -> Delta:
    """What turns `previous` into `current`; `previous` None means a reset (the websocket's first message)."""
    add: list[Summary] = []
    update: list[Summary] = []
    remove: list[str] = []
    if previous is None:
        add = [current[k] for k in sorted(current)]
    else:
        for k in sorted(current):
            s = current[k]
            old = previous.get(k)
            if old is None:
                add.append(s)
            elif old is not s and old != s:  # unchanged summaries are often the very same object
                update.append(s)
        remove = sorted(k for k in previous if k not in current)
    out: Delta = {"add": add or None, "update": update or None, "remove": remove or None}
    if previous is None:
        out["reset"] = True
    return out


def apply(previous: Mapping[str, Summary] | None, delta: Mapping[str, Any]) -> dict[str, Summary]:
    """The state a client holds after a delta (what Scope's UI reducer does with it)."""
    state: dict[str, Summary] = {} if previous is None or delta.get("reset") else dict(previous)
    for k in delta.get("remove") or ():
        state.pop(k, None)
    for s in delta.get("add") or ():
        state[s["id"]] = s
    for s in delta.get("update") or ():
        state[s["id"]] = s
    return state

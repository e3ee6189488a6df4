"""Latest-value timestamps that only move when a value changes.

Scope restamped every latest entry on every tick, so every delta report repeated every value. Stamping a value
with the time it was first seen lets `scopecore.report.delta` leave unchanged values out of deltas.
"""

from collections.abc import Mapping

from scopecore.report import LatestMap


class Stamper:
    """Remembers (node, key) -> (value, first seen) across ticks; forgets nodes not seen in a tick."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, tuple[int, str]]] = {}
        self._next: dict[str, dict[str, tuple[int, str]]] = {}

    def stamp(self, node_id: str, values: Mapping[str, str], now: int) -> LatestMap:
        """The latest map of a node's values this tick."""
        old = self._seen.get(node_id, {})
        entries: dict[str, tuple[int, str]] = {}
        for k, v in values.items():
            e = old.get(k)
            entries[k] = e if e is not None and e[1] == v else (now, v)
        self._next[node_id] = entries
        return LatestMap(entries)

    def end_tick(self, forget: bool = True) -> None:
        """Forget what was not stamped since the previous end_tick; with forget=False keep it (a tick that did
        not read every source: what it skipped is still there)."""
        self._seen, self._next = (self._next if forget else {**self._seen, **self._next}), {}

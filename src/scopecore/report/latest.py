"""LatestMap: per-key last-writer-wins strings, the report's core CRDT."""

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Final

from ._value import value

# A latest entry: (timestamp in ns since the Unix epoch, value). Tuples order by time, then by value, which is
# the deterministic tie-break that makes merge commutative where Scope's (receiver wins on equal times) is not.
Entry = tuple[int, str]


def _later(a: Entry, b: Entry) -> Entry:
    return a if a >= b else b


@value
class LatestMap:
    """Immutable map of key -> (timestamp, value); merge keeps the later entry per key."""

    entries: Mapping[str, Entry] = field(default_factory=dict)

    @staticmethod
    def empty() -> "LatestMap":
        """The identity of merge."""
        return EMPTY

    @staticmethod
    def of(values: Mapping[str, str], ts: int) -> "LatestMap":
        """Every value stamped with the same time."""
        return LatestMap({k: (ts, v) for k, v in values.items()}) if values else EMPTY

    def merge(self, other: "LatestMap") -> "LatestMap":
        """Join: per key, the entry with the later timestamp (then the larger value)."""
        a, b = self.entries, other.entries
        if not b or a is b:
            return self
        if not a:
            return other
        big, small = (self, other) if len(a) >= len(b) else (other, self)
        be, se = big.entries, small.entries
        # First pass, allocation-free: how many of small's entries win? None: big as is. All, and small has
        # every key of big (a newer full report): small as is. Both are the common cases of a window.
        newer = added = 0
        get = be.get
        for k, e in se.items():
            cur = get(k)
            if cur is None:
                added += 1
            elif e > cur:
                newer += 1
        if newer + added == 0:
            return big
        if newer == len(be) == len(se):
            return small
        out = dict(be)
        for k, e in se.items():
            cur = get(k)
            if cur is None or e > cur:
                out[k] = e
        return LatestMap(out)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value at key, or default."""
        e = self.entries.get(key)
        return default if e is None else e[1]

    def entry(self, key: str) -> Entry | None:
        """(timestamp, value) at key, or None."""
        return self.entries.get(key)

    def set(self, key: str, value: str, ts: int) -> "LatestMap":
        """A copy with key set at ts, if that is later than what is there (so `set` is a merge of one entry)."""
        return self.merge(LatestMap({key: (ts, value)}))

    def without(self, *keys: str) -> "LatestMap":
        """A copy without these keys (render-time use; not a merge)."""
        if not any(k in self.entries for k in keys):
            return self
        return LatestMap({k: e for k, e in self.entries.items() if k not in keys})

    def values(self) -> dict[str, str]:
        """Plain key -> value dict, timestamps dropped."""
        return {k: e[1] for k, e in self.entries.items()}

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


EMPTY: Final = LatestMap()

"""Sets: key -> set of strings, merged by union. Also used for a node's parents (topology -> node IDs)."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from typing import Final

from ._maps import merge_maps
from ._value import value


def _union(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    if b <= a:
        return a
    if a <= b:
        return b
    return a | b


@value
class Sets:
    """Immutable map of key -> frozenset of strings; merge is per-key union. Empty sets are not stored."""

    entries: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @staticmethod
    def empty() -> "Sets":
        """The identity of merge."""
        return EMPTY

    @staticmethod
    def of(values: Mapping[str, Iterable[str]]) -> "Sets":
        """Build from any iterables, dropping empty ones."""
        d = {k: frozenset(v) for k, v in values.items()}
        return Sets({k: v for k, v in d.items() if v}) if d else EMPTY

    def merge(self, other: "Sets") -> "Sets":
        """Join: per-key union."""
        out = merge_maps(self.entries, other.entries, _union)
        if out is self.entries:
            return self
        if out is other.entries:
            return other
        return Sets(out)

    def get(self, key: str) -> frozenset[str]:
        """The set at key (empty if absent)."""
        return self.entries.get(key, frozenset())

    def add(self, key: str, *values: str) -> "Sets":
        """A copy with values added at key."""
        return self.merge(Sets({key: frozenset(values)})) if values else self

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


EMPTY: Final = Sets()

"""Per-edge L4 data: what Scope dropped in 2017 (EdgeMetadata), brought back so that merge stays idempotent.

Scope summed edge counters when merging, so merging a report with itself doubled them. Here each observation is
a sample keyed by (source, time): a probe says "between my previous tick and `time` this edge moved these bytes".
Merge is a union of samples; the same sample arriving twice is the same key, so nothing is double-counted. Totals
are summed only when rendering (`EdgeData.total`).
"""

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Final, NamedTuple

from ._maps import merge_maps
from ._value import value


class EdgeCounts(NamedTuple):
    """Counters for one edge over one interval (or, from `total`, over a window)."""

    bytes_sent: int = 0
    bytes_received: int = 0
    connections: int = 0
    failed_connections: int = 0
    retransmits: int = 0

    def join(self, other: "EdgeCounts") -> "EdgeCounts":
        """Field-wise max: the join for one sample key seen with two values (never a sum)."""
        if self == other:
            return self
        joined = EdgeCounts(*(a if a >= b else b for a, b in zip(self, other, strict=True)))
        # A side itself when it covers the other, so that merging what is known allocates nothing upstream.
        return self if joined == self else other if joined == other else joined

    def plus(self, other: "EdgeCounts") -> "EdgeCounts":
        """Field-wise sum, for totals at render time."""
        return EdgeCounts(*(a + b for a, b in zip(self, other, strict=True)))


ZERO: Final = EdgeCounts()
# A sample's key: (source, time in ns). The source is whoever observed it (a probe ID), so two probes that both
# see one connection (each end of it) keep separate samples.
SampleKey = tuple[str, int]


def _join(a: EdgeCounts, b: EdgeCounts) -> EdgeCounts:
    return a.join(b)


@value
class EdgeData:
    """The samples of one edge."""

    samples: Mapping[SampleKey, EdgeCounts] = field(default_factory=dict)

    def merge(self, other: "EdgeData") -> "EdgeData":
        """Join: union of samples."""
        out = merge_maps(self.samples, other.samples, _join)
        if out is self.samples:
            return self
        if out is other.samples:
            return other
        return EdgeData(out)

    def total(self, since: int | None = None, source: str | None = None) -> EdgeCounts:
        """Sum of the samples (newer than `since`, from `source`, when given)."""
        acc = ZERO
        for (src, t), c in self.samples.items():
            if (since is None or t > since) and (source is None or src == source):
                acc = acc.plus(c)
        return acc


def _merge_edge(a: EdgeData, b: EdgeData) -> EdgeData:
    return a.merge(b)


@value
class Edges:
    """A node's edge data, by target node ID. Which edges exist is still the node's `adjacency`."""

    entries: Mapping[str, EdgeData] = field(default_factory=dict)

    @staticmethod
    def empty() -> "Edges":
        """The identity of merge."""
        return EMPTY

    def merge(self, other: "Edges") -> "Edges":
        """Join per target."""
        out = merge_maps(self.entries, other.entries, _merge_edge)
        if out is self.entries:
            return self
        if out is other.entries:
            return other
        return Edges(out)

    def get(self, target: str) -> EdgeData | None:
        """The data of the edge to target, or None."""
        return self.entries.get(target)

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


EMPTY: Final = Edges()

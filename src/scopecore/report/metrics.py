"""Metric: time-stamped samples with min and max; Metrics: the name -> Metric map of a node."""

import math
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from itertools import pairwise
from typing import Final

from ._maps import merge_maps
from ._value import value


@value
class Metric:
    """Samples sorted by time (one per timestamp), plus min and max.

    Scope's `max` is really a capacity (CPU 100 x nCPU, a memory limit), so both bounds are kept as reported and
    joined by min/max rather than recomputed from the samples. Times and values are parallel tuples: a sample
    then costs two machine numbers rather than a tuple of them.
    """

    times: tuple[int, ...] = ()
    values: tuple[float, ...] = ()
    min: float = math.inf
    max: float = -math.inf

    @staticmethod
    def of(samples: Iterable[tuple[int, float]], min: float | None = None, max: float | None = None) -> "Metric":
        """From (time, value) pairs in any order; a time given twice keeps the larger value."""
        d: dict[int, float] = {}
        for t, v in samples:
            if t not in d or v > d[t]:
                d[t] = v
        times = tuple(sorted(d))
        values = tuple(d[t] for t in times)
        lo = min if min is not None else (_min(values) if values else math.inf)
        hi = max if max is not None else (_max(values) if values else -math.inf)
        return Metric(times, values, lo, hi)

    @staticmethod
    def from_lists(
        times: list[int], values: list[float], min: float | None = None, max: float | None = None
    ) -> "Metric":
        """From parallel lists, as decoders have them; same result as `of`, faster when already sorted."""
        if len(times) != len(values):
            raise ValueError(f"{len(times)} sample times but {len(values)} values")
        if all(a < b for a, b in pairwise(times)):
            lo = min if min is not None else (_min(tuple(values)) if values else math.inf)
            hi = max if max is not None else (_max(tuple(values)) if values else -math.inf)
            return Metric(tuple(times), tuple(values), lo, hi)
        return Metric.of(zip(times, values, strict=True), min, max)

    def samples(self) -> Iterator[tuple[int, float]]:
        """(time, value) pairs, oldest first."""
        return zip(self.times, self.values, strict=True)

    def last(self) -> float | None:
        """The newest value, or None."""
        return self.values[-1] if self.values else None

    def merge(self, other: "Metric") -> "Metric":
        """Join: union of samples (a time present on both sides keeps the larger value), min of mins, max of maxes."""
        if other is self:
            return self
        lo = self.min if self.min <= other.min else other.min
        hi = self.max if self.max >= other.max else other.max
        a, b = self, other
        if not b.times or (a.times == b.times and a.values == b.values):
            times, values = a.times, a.values
        elif not a.times:
            times, values = b.times, b.values
        elif a.times[-1] < b.times[0]:  # the usual case: consecutive reports from one probe
            times, values = a.times + b.times, a.values + b.values
        elif b.times[-1] < a.times[0]:
            times, values = b.times + a.times, b.values + a.values
        else:
            times, values = _merge_samples(a.times, a.values, b.times, b.values)
        if times is self.times and lo == self.min and hi == self.max:
            return self
        if times is other.times and lo == other.min and hi == other.max:
            return other
        return Metric(times, values, lo, hi)


def _merge_samples(
    at: tuple[int, ...], av: tuple[float, ...], bt: tuple[int, ...], bv: tuple[float, ...]
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Linear merge of two sorted sample runs; a time on both sides keeps the larger value. Returns a side's own
    tuples when the other adds nothing (the same probe report merged twice), so the caller can reuse it."""
    for xt, xv, yt, yv in ((at, av, bt, bv), (bt, bv, at, av)):
        # y a contiguous run of x's samples (the same report merged twice): x as is.
        n = len(yt)
        if n <= len(xt):
            i = bisect_left(xt, yt[0])
            if xt[i : i + n] == yt and xv[i : i + n] == yv:
                return xt, xv
    times: list[int] = []
    values: list[float] = []
    i = j = 0
    na, nb = len(at), len(bt)
    while i < na and j < nb:
        ta, tb = at[i], bt[j]
        if ta < tb:
            times.append(ta)
            values.append(av[i])
            i += 1
        elif tb < ta:
            times.append(tb)
            values.append(bv[j])
            j += 1
        else:
            times.append(ta)
            values.append(av[i] if av[i] >= bv[j] else bv[j])
            i += 1
            j += 1
    times.extend(at[i:])
    values.extend(av[i:])
    times.extend(bt[j:])
    values.extend(bv[j:])
    t, v = tuple(times), tuple(values)
    for xt, xv in ((at, av), (bt, bv)):
        if t == xt and v == xv:
            return xt, xv
    return t, v


def _min(values: tuple[float, ...]) -> float:
    return min(values)


def _max(values: tuple[float, ...]) -> float:
    return max(values)


def _merge_metric(a: Metric, b: Metric) -> Metric:
    return a.merge(b)


@value
class Metrics:
    """Immutable map of metric name -> Metric; merge is per-name Metric.merge."""

    entries: Mapping[str, Metric] = field(default_factory=dict)

    @staticmethod
    def empty() -> "Metrics":
        """The identity of merge."""
        return EMPTY

    def merge(self, other: "Metrics") -> "Metrics":
        """Join per name."""
        out = merge_maps(self.entries, other.entries, _merge_metric)
        if out is self.entries:
            return self
        if out is other.entries:
            return other
        return Metrics(out)

    def get(self, name: str) -> Metric | None:
        """The metric called name, or None."""
        return self.entries.get(name)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


EMPTY: Final = Metrics()

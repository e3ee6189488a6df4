"""The one join of two immutable dicts that every map-shaped report value uses."""

from collections.abc import Callable, Mapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def merge_maps(a: Mapping[K, V], b: Mapping[K, V], merge: Callable[[V, V], V]) -> Mapping[K, V]:
    """Per-key join of two maps, values joined with `merge`.

    Returns `a` or `b` itself when the other adds nothing, so merging what is already known allocates nothing
    (Scope's StringSet.Merge does the same). Iterates the smaller side; `merge` must be commutative.
    """
    if not b or a is b:
        return a
    if not a:
        return b
    if len(a) < len(b):
        a, b = b, a
    out: dict[K, V] | None = None
    for k, vb in b.items():
        va = a.get(k)
        if va is None:
            v = vb
        else:
            v = merge(va, vb)
            if v is va:
                continue
        if out is None:
            out = dict(a)
        out[k] = v
    return a if out is None else out

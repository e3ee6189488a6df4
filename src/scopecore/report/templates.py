"""What a topology says about how to show its nodes: metadata, metric and table templates, and controls.

Where Scope lets "the last one win" on a collision, the join here picks by a total order (priority first where
there is one), so merging in any order gives the same topology.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ._maps import merge_maps


class _Keyed(Protocol):
    def sort_key(self) -> tuple[object, ...]: ...


T = TypeVar("T", bound=_Keyed)


def pick(a: T, b: T) -> T:
    """The join of two values stored under one key: the greater by sort_key (a if equal)."""
    if a is b or a == b:
        return a
    return a if a.sort_key() >= b.sort_key() else b  # type: ignore[operator,unused-ignore]


@dataclass(frozen=True, slots=True)
class MetadataTemplate:
    """How to show one latest/sets key as a metadata row."""

    id: str
    label: str = ""
    truncate: int = 0
    datatype: str = ""  # "", number, datetime, duration, ip
    priority: float = 0.0
    from_: str = ""  # latest, sets, counters

    def sort_key(self) -> tuple[object, ...]:
        return (self.priority, self.id, self.label, self.truncate, self.datatype, self.priority, self.from_)


@dataclass(frozen=True, slots=True)
class MetricTemplate:
    """How to show one metric."""

    id: str
    label: str = ""
    format: str = ""  # "", percent, filesize, integer
    group: str = ""
    priority: float = 0.0

    def sort_key(self) -> tuple[object, ...]:
        return (self.priority, self.id, self.label, self.format, self.group, self.priority)


@dataclass(frozen=True, slots=True, order=True)
class Column:
    """A column of a multicolumn table."""

    id: str
    label: str = ""
    datatype: str = ""


@dataclass(frozen=True, slots=True)
class TableTemplate:
    """How to gather latest keys into a table: rows are keys `prefix + label` or `prefix + row___col`."""

    id: str
    label: str = ""
    prefix: str = ""
    type: str = ""  # property-list, multicolumn-table
    columns: tuple[Column, ...] = ()
    fixed_rows: tuple[tuple[str, str], ...] = ()  # (latest key, row label), sorted by key

    def sort_key(self) -> tuple[object, ...]:
        return (self.id, self.label, self.prefix, self.type, self.columns, self.fixed_rows)


@dataclass(frozen=True, slots=True)
class Control:
    """A control a topology's nodes may offer (which ones are active is the node's `active_controls`)."""

    id: str
    human: str = ""
    icon: str = ""
    confirmation: str = ""
    rank: int = 0

    def sort_key(self) -> tuple[object, ...]:
        return (self.id, self.human, self.icon, self.confirmation, self.rank)


@dataclass(frozen=True, slots=True)
class PluginSpec:
    """A plugin as a probe announces it in a report."""

    id: str
    label: str = ""
    description: str = ""
    interfaces: tuple[str, ...] = ()
    api_version: str = ""
    status: str = ""

    def sort_key(self) -> tuple[object, ...]:
        return (self.id, self.label, self.description, self.interfaces, self.api_version, self.status)


def merge_picked(a: Mapping[str, T], b: Mapping[str, T]) -> Mapping[str, T]:
    """Per-key join of two template maps."""
    return merge_maps(a, b, pick)

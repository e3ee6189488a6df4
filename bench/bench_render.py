"""Render benchmarks beside Weave Scope 1.13's figures (reference notes §7; table in README.md, "Render").

On `bench.fleet`'s synthetic fleet (one report per host, merged, as Scope's benchmark did):
  * render processes / hosts: `render(merged, view)` with our default options, cold (no cache);
  * summaries: the NodeSummaries of a rendered view (what `to_json()` serialises);
  * incremental: one host's report replaced by its next tick, the view brought up to date by an
    IncrementalRenderer that holds the window (summaries included), beside the same view rendered in full.

Inputs are built before timing, and the heap holding them is frozen for the cyclic GC (`gc.freeze()`, undone
after the module): reports are acyclic, so reference counting frees them anyway, and without it a full
collection over the window's million objects lands in random rounds (0.5-1 s each). README.md gives both.

Run enabled: `pytest bench/bench_render.py --benchmark-enable --benchmark-only -o testpaths=bench`. Run
disabled (the repo's default addopts), each benchmark runs once on a 3x10 fleet, checking the results.
"""

import functools
import gc
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bench.fleet import Fleet, host_report
from scopecore.render import IncrementalRenderer, Rendered, render
from scopecore.report import Report

SHAPES = [pytest.param((10, 100), id="10x100"), pytest.param((50, 100), id="50x100"),
          pytest.param((100, 200), id="100x200")]
SMALL = (3, 10)
FREEZE = os.environ.get("BENCH_RENDER_GC", "freeze") == "freeze"


def _shape(benchmark: BenchmarkFixture, shape: tuple[int, int]) -> tuple[int, int]:
    return SMALL if benchmark.disabled else shape


@functools.cache
def _parts(hosts: int, procs: int) -> dict[str, Report]:
    """The fleet's reports of tick 0, by host."""
    fleet = Fleet(hosts, procs)
    return {fleet.hostname(h): host_report(fleet, h, 0) for h in range(hosts)}


@functools.cache
def _merged(hosts: int, procs: int) -> Report:
    parts = _parts(hosts, procs)
    return Report.merge_all(parts[k] for k in sorted(parts))


@pytest.fixture(scope="module", autouse=True)
def _frozen_heap() -> Iterator[None]:
    yield
    gc.unfreeze()


def _freeze() -> None:
    if FREEZE:
        gc.collect()
        gc.freeze()


def _rounds(benchmark: BenchmarkFixture, fn: Callable[[], Any], rounds: int = 5, setup: Any = None) -> Any:
    return benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1, setup=setup)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("view", ["processes", "hosts"])
def test_render(benchmark: BenchmarkFixture, shape: tuple[int, int], view: str) -> None:
    hosts, procs = _shape(benchmark, shape)
    merged = _merged(hosts, procs)
    _freeze()
    got: Rendered = _rounds(benchmark, lambda: render(merged, view))
    if view == "processes":
        assert len(got.nodes) == hosts * procs
    else:
        assert len(got.nodes) == hosts


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("view", ["processes", "hosts"])
def test_summaries(benchmark: BenchmarkFixture, shape: tuple[int, int], view: str) -> None:
    hosts, procs = _shape(benchmark, shape)
    rendered = render(_merged(hosts, procs), view)
    _freeze()

    def fresh() -> tuple[tuple[Rendered], dict[str, Any]]:
        # A new Rendered over the same nodes: its summaries are not made yet.
        from scopecore.render.base import Nodes
        return (Rendered(view, Nodes(rendered.nodes, rendered.filtered), rendered.context),), {}

    got = benchmark.pedantic(lambda r: r.summaries(), setup=fresh, rounds=5, iterations=1, warmup_rounds=1)  # type: ignore[no-untyped-call]
    assert len(got) == len(rendered.nodes)


@pytest.mark.parametrize("summaries", [True, False], ids=["with-summaries", "nodes-only"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("view", ["processes", "hosts"])
def test_incremental_update(benchmark: BenchmarkFixture, shape: tuple[int, int], view: str, summaries: bool) -> None:
    """One host's report changes (its next tick); the view (and its summaries) are brought up to date."""
    hosts, procs = _shape(benchmark, shape)
    fleet = Fleet(hosts, procs)
    parts = dict(_parts(hosts, procs))
    inc = IncrementalRenderer(view)
    inc.update(parts).summaries()
    ticks = iter(range(1, 1000))
    _freeze()

    def next_window() -> tuple[tuple[dict[str, Report]], dict[str, Any]]:
        tick = next(ticks)
        h = tick % hosts
        parts[fleet.hostname(h)] = host_report(fleet, h, tick)
        return (dict(parts),), {}

    def update(window: dict[str, Report]) -> Rendered:
        got = inc.update(window)
        if summaries:
            got.summaries()
        return got

    got = benchmark.pedantic(update, setup=next_window, rounds=10, iterations=1, warmup_rounds=1)  # type: ignore[no-untyped-call]
    assert inc.rendered_parts == 1
    assert got.to_json() == render(Report.merge_all(parts[k] for k in sorted(parts)), view).to_json()

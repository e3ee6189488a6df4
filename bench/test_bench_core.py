"""Benchmarks of the report core beside Weave Scope 1.13's figures (reference notes §7; table in README.md).

Merge: two reports; `Report.merge_all` of a fleet (one report per host) and of a 15 s window (5 reports per
host), on `bench.fleet`'s synthetic fleet; the Scope "shop" fixture's merged report with its probe report.
Codec: decode JSON, decode msgpack+gzip and encode msgpack+gzip, for the fixtures (Scope's own bytes) and one
fleet host report. The codec benchmarks skip while `scopecore.codec` has no `loads`/`dumps`.

`make bench` runs them enabled. Run disabled (`pytest bench`, the default addopts), every test runs once on a
small fleet instead, as a quick check that the benchmarked code works.
"""

import functools
import gzip
from collections.abc import Callable
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bench import scope_fixtures
from bench.fleet import Fleet, fleet_reports, host_report, window
from scopecore.report import Report, TopologyKind

SHAPES = [pytest.param((10, 100), id="10x100"), pytest.param((100, 200), id="100x200")]
FLEET_SHAPES = [*SHAPES[:1], pytest.param((50, 100), id="50x100"), *SHAPES[1:]]
SMALL = (3, 10)  # the fleet plain (benchmark-disabled) runs use instead
BIG_NODES = 100_000  # from about this many input nodes, time a few rounds by hand (pedantic), not ~1 s worth
MSGPACK = "application/msgpack"
JSON = "application/json"
Codec = tuple[Callable[..., Report], Callable[..., bytes]]  # (scopecore.codec.loads, scopecore.codec.dumps)


def _shape(benchmark: BenchmarkFixture, shape: tuple[int, int]) -> tuple[int, int]:
    return SMALL if benchmark.disabled else shape


@functools.cache
def _window(hosts: int, procs: int) -> tuple[Report, ...]:
    """The 15 s window of a fleet: 5 ticks x hosts, tick-major. Generated once per session."""
    return tuple(window(hosts, procs, ticks=5))


@functools.cache
def _fleet(hosts: int, procs: int) -> tuple[Report, ...]:
    """One report per host, all of tick 0 (the window's first tick)."""
    return tuple(fleet_reports(hosts, procs, tick=0))


def _node_count(reports: tuple[Report, ...]) -> int:
    return sum(len(t.nodes) for r in reports for _, t in r.items())


def _run(benchmark: BenchmarkFixture, fn: Callable[[], Any], input_nodes: int, rounds: int = 3) -> Any:
    """Benchmark fn: the default calibrated loop for small inputs, `rounds` single calls for big ones."""
    if input_nodes >= BIG_NODES:
        return benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)  # type: ignore[no-untyped-call]
    return benchmark(fn)


def _assert_merged_fleet(merged: Report, fleet: Fleet, samples: int) -> None:
    counts = {kind: len(merged.nodes(kind)) for kind in fleet.merged_counts()}
    assert counts == fleet.merged_counts()
    some_process = next(iter(merged.nodes(TopologyKind.PROCESS).values()))
    cpu = some_process.metrics.get("process_cpu_usage_percent")
    assert cpu is not None
    assert len(cpu.times) == samples


@pytest.fixture
def codec() -> Codec:
    """(loads, dumps) of scopecore.codec; skips the test while the codec does not exist."""
    try:
        from scopecore.codec import dumps, loads
    except ImportError as e:
        pytest.skip(f"scopecore.codec has no loads/dumps yet ({e}); these benchmarks run once it does")
    return loads, dumps


# Codec (first, while the heap is small: the merge tests cache big fleets, and a big heap makes the
# collector's full passes land inside these short timings).


# Inputs: (JSON bytes, msgpack+gzip bytes, Report) of each case. The fixtures' bytes are Scope's own;
# report.replay.json is Scope's compact JSON of report.json's content (report.json is pretty-printed).
CODEC_CASES = ["fixture-merged", "fixture-probe", "fleet-10x100", "fleet-100x200"]


def _codec_input(case: str, codec: Codec, disabled: bool) -> tuple[bytes, bytes, Report]:
    loads, dumps = codec
    if case.startswith("fixture"):
        if not scope_fixtures.available():
            pytest.skip("Scope fixtures not found")
        if case == "fixture-merged":
            js, mp = scope_fixtures.raw("report.replay.json"), scope_fixtures.merged_report_msgpack_gzip()
        else:
            js, mp = scope_fixtures.raw("probe_report.json"), scope_fixtures.probe_report_msgpack_gzip()
        return js, mp, loads(js, content_type=JSON)
    hosts, procs = SMALL if disabled else (10, 100) if case == "fleet-10x100" else (100, 200)
    report = host_report(Fleet(hosts, procs), 0, 0)
    js = dumps(report, content_type=JSON)
    mp = dumps(report, content_type=MSGPACK, content_encoding="gzip")
    return js, mp, report


@pytest.mark.benchmark(group="codec-decode-json")
@pytest.mark.parametrize("case", CODEC_CASES)
def test_decode_json(benchmark: BenchmarkFixture, codec: Codec, case: str) -> None:
    """JSON bytes to Report: Scope 2.08 ms for the fixture's merged report."""
    js, _, report = _codec_input(case, codec, benchmark.disabled)
    loads, _ = codec
    benchmark.extra_info["json_bytes"] = len(js)
    decoded = benchmark(loads, js, content_type=JSON)
    assert decoded == report


@pytest.mark.benchmark(group="codec-decode-msgpack-gzip")
@pytest.mark.parametrize("case", CODEC_CASES)
def test_decode_msgpack_gzip(benchmark: BenchmarkFixture, codec: Codec, case: str) -> None:
    """gunzip + msgpack to Report (a probe's POST): Scope 0.90 ms (merged fixture), 0.42 ms (probe fixture),
    2.1 ms (10x100 host report), 2.6 ms (100x200 host report)."""
    _, mp, report = _codec_input(case, codec, benchmark.disabled)
    loads, _ = codec
    benchmark.extra_info.update(gzip_bytes=len(mp), msgpack_bytes=len(gzip.decompress(mp)))
    decoded = benchmark(loads, mp, content_type=MSGPACK, content_encoding="gzip")
    assert decoded == report


@pytest.mark.benchmark(group="codec-encode-msgpack-gzip")
@pytest.mark.parametrize("case", CODEC_CASES)
def test_encode_msgpack_gzip(benchmark: BenchmarkFixture, codec: Codec, case: str) -> None:
    """Report to msgpack + gzip: Scope 3.21 ms (merged fixture), 1.24 ms (probe fixture), 5.5 ms (10x100 host
    report), 8.5 ms (100x200 host report)."""
    _, _, report = _codec_input(case, codec, benchmark.disabled)
    loads, dumps = codec
    body = benchmark(dumps, report, content_type=MSGPACK, content_encoding="gzip")
    benchmark.extra_info.update(gzip_bytes=len(body), msgpack_bytes=len(gzip.decompress(body)))
    assert loads(body, content_type=MSGPACK, content_encoding="gzip") == report


# Merge.


@pytest.mark.benchmark(group="merge-two")
def test_merge_two_consecutive_reports_of_a_host(benchmark: BenchmarkFixture) -> None:
    """One host's reports of two consecutive ticks (10x100 fleet: 100 processes, ~1000 endpoints)."""
    fleet = Fleet(*_shape(benchmark, (10, 100)))
    a, b = host_report(fleet, 0, 0), host_report(fleet, 0, 1)
    merged = benchmark(a.merge, b)
    assert len(merged.nodes(TopologyKind.PROCESS)) == fleet.procs


@pytest.mark.benchmark(group="merge-two")
def test_merge_two_hosts_reports(benchmark: BenchmarkFixture) -> None:
    """Two hosts' reports of one tick (10x100 fleet): mostly disjoint nodes."""
    fleet = Fleet(*_shape(benchmark, (10, 100)))
    a, b = host_report(fleet, 0, 0), host_report(fleet, 1, 0)
    merged = benchmark(a.merge, b)
    assert len(merged.nodes(TopologyKind.PROCESS)) == 2 * fleet.procs


@pytest.mark.benchmark(group="merge-two")
@pytest.mark.skipif(not scope_fixtures.available(), reason="Scope fixtures not found")
def test_merge_fixture_report_with_probe_report(benchmark: BenchmarkFixture, codec: Codec) -> None:
    """Scope's shop merged report (fixtures/scope-1.13/report.json) with its probe report: Scope 48 µs."""
    report = scope_fixtures.load_report(scope_fixtures.MERGED_REPORT)
    probe = scope_fixtures.load_report(scope_fixtures.PROBE_REPORT)
    merged = benchmark(report.merge, probe)
    assert len(merged.nodes(TopologyKind.PROCESS)) >= len(report.nodes(TopologyKind.PROCESS))


@pytest.mark.benchmark(group="merge-fleet")
@pytest.mark.parametrize("shape", FLEET_SHAPES)
def test_merge_all_fleet(benchmark: BenchmarkFixture, shape: tuple[int, int]) -> None:
    """Report.merge_all of one report per host: Scope 3 ms (10x100), 16 ms (50x100), 107 ms (100x200)."""
    hosts, procs = _shape(benchmark, shape)
    reports = _fleet(hosts, procs)
    n = _node_count(reports)
    benchmark.extra_info.update(reports=len(reports), input_nodes=n)
    merged = _run(benchmark, lambda: Report.merge_all(reports), n, rounds=5)
    _assert_merged_fleet(merged, Fleet(hosts, procs), samples=3)


@pytest.mark.benchmark(group="merge-window")
@pytest.mark.parametrize("shape", SHAPES)
def test_merge_all_window(benchmark: BenchmarkFixture, shape: tuple[int, int]) -> None:
    """Report.merge_all of a 15 s window, 5 reports per host (what Scope's app merges on every render). Scope has
    no figure for it: its 159 ms (the issue's) and 107 ms (reference notes §7) are of one report per host."""
    hosts, procs = _shape(benchmark, shape)
    reports = _window(hosts, procs)
    n = _node_count(reports)
    benchmark.extra_info.update(reports=len(reports), input_nodes=n)
    merged = _run(benchmark, lambda: Report.merge_all(reports), n, rounds=3)
    _assert_merged_fleet(merged, Fleet(hosts, procs), samples=15)


@pytest.mark.benchmark(group="merge-window")
@pytest.mark.parametrize("shape", SHAPES)
def test_merge_all_probe_windows(benchmark: BenchmarkFixture, shape: tuple[int, int]) -> None:
    """The same window as the app holds it: the collector keeps a window per probe, merged on its own (and again
    only when that probe sends), so the fleet-wide merge joins one merged window per probe."""
    hosts, procs = _shape(benchmark, shape)
    reports = _window(hosts, procs)
    per_probe = tuple(Report.merge_all(reports[h::hosts]) for h in range(hosts))
    n = _node_count(per_probe)
    benchmark.extra_info.update(reports=len(per_probe), input_nodes=n)
    merged = _run(benchmark, lambda: Report.merge_all(per_probe), n, rounds=5)
    _assert_merged_fleet(merged, Fleet(hosts, procs), samples=15)

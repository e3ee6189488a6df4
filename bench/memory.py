"""Memory of merging a fleet's 15 s window (5 reports per host), measured with tracemalloc.

    .venv/bin/python -m bench.memory [HOSTS PROCS]      # default 100 200

Prints, in MB: the input reports; the peak of what `Report.merge_all` allocates beyond them; what the merged
report adds on top of the inputs (it shares unchanged nodes with them); and the merged report alone once the
inputs are gone. tracemalloc slows allocation, so this is a script and not a timed benchmark.
"""

import gc
import sys
import time
import tracemalloc

from bench.fleet import Fleet, _layout, window
from scopecore.report import Report

MB = 1024 * 1024


def measure(hosts: int, procs: int) -> dict[str, float]:
    """Sizes in bytes (and node counts) of a window merge of a hosts x procs fleet."""
    _layout(Fleet(hosts, procs))  # the fleet's cached layout is not part of any report
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    reports = window(hosts, procs)
    inputs = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.reset_peak()
    t = time.perf_counter()
    merged = Report.merge_all(reports)
    seconds = time.perf_counter() - t
    current, peak = tracemalloc.get_traced_memory()
    added = current - base - inputs
    merge_peak = peak - base - inputs
    del reports
    gc.collect()
    alone = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    nodes = sum(len(topo.nodes) for _, topo in merged.items())
    return {
        "inputs": inputs,
        "merge_peak": merge_peak,
        "merged_added": added,
        "merged_alone": alone,
        "merged_nodes": nodes,
        "merge_seconds_traced": seconds,
    }


def main(argv: list[str]) -> None:
    hosts, procs = (int(argv[0]), int(argv[1])) if len(argv) == 2 else (100, 200)
    m = measure(hosts, procs)
    print(f"fleet {hosts}x{procs}, window of 5 reports per host ({5 * hosts} reports)")
    print(f"  input reports                        {m['inputs'] / MB:8.1f} MB")
    print(f"  merge_all peak beyond the inputs     {m['merge_peak'] / MB:8.1f} MB")
    print(f"  merged report, beyond shared inputs  {m['merged_added'] / MB:8.1f} MB")
    print(f"  merged report alone                  {m['merged_alone'] / MB:8.1f} MB"
          f"  ({m['merged_nodes']:.0f} nodes, {m['merged_alone'] / m['merged_nodes']:.0f} B/node)")
    print(f"  (merge under tracemalloc took {m['merge_seconds_traced']:.1f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])

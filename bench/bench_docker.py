"""Docker reporter cost: CPU and memory of a probe-like process running DockerReporter, with no containers and
with N running ones, and what it costs dockerd.

    .venv/bin/python bench/bench_docker.py [--containers 50] [--seconds 30]

Starts its own private dockerd (tests/docker/dockerd.py: own data root, socket and network namespace) and busybox
containers, and stops them at the end. For each case a child process connects a DockerReporter, waits for the
first relist, then calls report() once a second as the probe does (one metric sample per container per call) for
`--seconds`, with events and the 10 s resync running. The child reports its CPU over that window (getrusage, all
threads), RSS and peak RSS (VmRSS, VmHWM), and the time report() takes; the parent measures dockerd + containerd
CPU over the same window. Prints a table and one JSON line. Needs root (like the privileged tests).
"""

import argparse
import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IDLE = 'trap "exit 0" TERM; while true; do sleep 1 & wait; done'


def _status_kb(field: str) -> int:
    m = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(m.group(1)) if m else 0


async def _child(host: str, seconds: float) -> dict[str, Any]:
    """The measured process: a reporter, report() every second."""
    from scopecore.report import TopologyKind
    from scopeprobe.docker import DockerReporter

    shortcuts = 0

    def on_shortcut(_: object) -> None:
        nonlocal shortcuts
        shortcuts += 1

    reporter = DockerReporter("bench", probe_id="bench", env={"DOCKER_HOST": host}, on_shortcut=on_shortcut)
    t0 = time.perf_counter()
    await reporter.start()
    await reporter.wait_connected(60)
    sync_ms = (time.perf_counter() - t0) * 1000
    reporter.report(time.time_ns())  # warm: cgroup paths resolved, first counters read
    await asyncio.sleep(1)
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    durations, cpu_times = [], []
    nodes = samples = 0
    while time.monotonic() - start < seconds:
        t, c = time.perf_counter(), time.thread_time()
        report = reporter.report(time.time_ns())
        durations.append(time.perf_counter() - t)
        cpu_times.append(time.thread_time() - c)
        containers = report.nodes(TopologyKind.CONTAINER)
        nodes = len(containers)
        samples += sum(len(m.times) for n in containers.values() for m in n.metrics.entries.values())
        await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - t)))
    wall = time.monotonic() - start
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    await reporter.stop()
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    durations.sort()
    cpu_times.sort()
    return {
        "containers": nodes,
        "cpu_percent": round(100 * cpu / wall, 2),
        "rss_mb": round(_status_kb("VmRSS") / 1024, 1),
        "peak_rss_mb": round(_status_kb("VmHWM") / 1024, 1),
        "report_ms_median": round(1000 * durations[len(durations) // 2], 2),
        "report_ms_max": round(1000 * durations[-1], 2),
        "report_cpu_ms_median": round(1000 * cpu_times[len(cpu_times) // 2], 2),
        "reports": len(durations),
        "metric_samples": samples,
        "first_sync_ms": round(sync_ms, 1),
        "shortcut_reports": shortcuts,
    }


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants (dockerd, containerd, shims)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry))
        stats[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, 0.0)
        todo.extend(children.get(p, []))
    return total


def _measure(d: Any, seconds: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    before = _tree_cpu(d.proc.pid)
    t = time.monotonic()
    out = subprocess.run([sys.executable, __file__, "--child", d.host, "--seconds", str(seconds)], env=env,
                         capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    # The child's window is `seconds` out of its whole run; dockerd is measured over the whole run.
    result["dockerd_cpu_percent"] = round(100 * (_tree_cpu(d.proc.pid) - before) / (time.monotonic() - t), 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--child", metavar="DOCKER_HOST", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_child(args.child, args.seconds))))
        return

    sys.path.insert(0, str(ROOT / "tests" / "docker"))
    from dockerd import IMAGE, PrivateDockerd, why_not

    reason = why_not()
    if reason:
        sys.exit(f"bench_docker: {reason}")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-docker-") as tmp, PrivateDockerd(Path(tmp)) as d:
        d.import_busybox()
        results.append(_measure(d, args.seconds))
        api = d.api
        net = api.create_network("benchnet", driver="bridge")
        for i in range(args.containers):
            c = api.create_container(IMAGE, ["sh", "-c", IDLE], name=f"idle{i}", labels={"bench": "docker"},
                                     stop_timeout=1, host_config=api.create_host_config(network_mode="benchnet"))
            api.start(c["Id"])
        time.sleep(2)
        results.append(_measure(d, args.seconds))
        d.remove_all()
        del net
    print(f"{'containers':>10} {'CPU %':>6} {'RSS MB':>7} {'peak MB':>8} {'report() wall ms med/max':>25} "
          f"{'CPU ms':>7} {'samples':>8} {'1st sync ms':>11} {'dockerd CPU %':>13}")
    for r in results:
        print(f"{r['containers']:>10} {r['cpu_percent']:>6} {r['rss_mb']:>7} {r['peak_rss_mb']:>8} "
              f"{r['report_ms_median']:>13} / {r['report_ms_max']:<9} {r['report_cpu_ms_median']:>7} "
              f"{r['metric_samples']:>8} {r['first_sync_ms']:>11} {r['dockerd_cpu_percent']:>13}")
    print(json.dumps({"seconds": args.seconds, "results": results}))


if __name__ == "__main__":
    main()

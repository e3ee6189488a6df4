"""Probe overhead: CPU % of one core and peak RSS of `scope probe` publishing to a local `scope app` for N seconds.

    .venv/bin/python bench/bench_probe_overhead.py --seconds 60 [--no-ebpf] [--no-conntrack] [--no-docker]

Both run as their own processes (so the figures are the probe's alone), on whatever this host runs. Prints one
JSON line: the probe's CPU over the run (after a 5 s warm-up), its VmHWM, and its per-reporter tick costs from
its own /metrics.
"""

import argparse
import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app_load import App, _free_port, _proc_stats

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--no-ebpf", action="store_true")
    p.add_argument("--no-conntrack", action="store_true")
    p.add_argument("--no-docker", action="store_true")
    args = p.parse_args()
    app = App()
    probe = None
    try:
        app.wait_ready()
        metrics_port = _free_port()
        flags = [f for f in ("--no-ebpf", "--no-conntrack", "--no-docker") if getattr(args, f[2:].replace("-", "_"))]
        probe = subprocess.Popen([str(ROOT / ".venv/bin/scope"), "probe", f"--app=127.0.0.1:{app.grpc}",
                                  f"--metrics-listen=127.0.0.1:{metrics_port}", "--no-kubernetes", *flags],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(5)
        cpu0, _ = _proc_stats(probe.pid)
        t0 = time.monotonic()
        time.sleep(args.seconds)
        cpu1, hwm = _proc_stats(probe.pid)
        elapsed = time.monotonic() - t0
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
        costs = {}
        for m in re.finditer(r'scope_probe_reporter_seconds_(sum|count)\{reporter="(\w+)"\} (\S+)', text):
            costs.setdefault(m.group(2), {})[m.group(1)] = float(m.group(3))
        per_tick = {k: round(1000 * v["sum"] / v["count"], 2) for k, v in costs.items() if v.get("count")}
        probes = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{app.http}/api/probes", timeout=10).read())
        print(json.dumps({"seconds": round(elapsed, 1), "flags": flags,
                          "probe_cpu_percent_of_core": round(100 * (cpu1 - cpu0) / elapsed, 2),
                          "probe_peak_rss_mb": round(hwm / 2**20, 1), "reporter_ms_per_tick": per_tick,
                          "sources": probes[0]["sources"] if probes else {}}))
    finally:
        if probe is not None:
            probe.send_signal(signal.SIGTERM)
            try:
                probe.wait(10)
            except subprocess.TimeoutExpired:
                probe.kill()
        app.stop()


if __name__ == "__main__":
    main()

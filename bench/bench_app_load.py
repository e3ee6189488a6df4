"""App load benchmark: a synthetic fleet of probes publishing into one app over gRPC, and the time from a
report's arrival to the websocket delta.

    .venv/bin/python bench/bench_app_load.py --probes 1000 --procs 20 --seconds 60
    .venv/bin/python bench/bench_app_load.py --latency-hosts 100 --procs 20

The app runs as its own process (`scope app`), so its CPU and peak RSS are its own. The probes are
GrpcAppClients (the probe's real publisher) in this process, sending pre-encoded reports of bench/fleet.py
(every probe publishes every 3 s, first at a random phase). Prints one JSON line of results.
"""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import Fleet, host_report
from scopecore.codec import GZIP, MSGPACK, dumps
from scopecore.report import Report
from scopecore.report.delta import delta
from scopeprobe.publish import GrpcAppClient, Identity

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_stats(pid: int) -> tuple[float, int]:
    """(CPU seconds, peak RSS bytes) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    hwm = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return cpu, int(hwm.group(1)) * 1024 if hwm else 0


def _metric(http: int, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=10).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def _histogram_quantile(http: int, name: str, q: float) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=10).read().decode()
    buckets = []
    for line in text.splitlines():
        m = re.match(rf'{name}_bucket{{le="([^"]+)"}} (\S+)', line)
        if m:
            buckets.append((float(m.group(1)), float(m.group(2))))
    total = buckets[-1][1] if buckets else 0
    for le, count in buckets:
        if total and count >= q * total:
            return le
    return float("nan")


class App:
    """`scope app` in a subprocess on free ports."""

    def __init__(self) -> None:
        self.http, self.grpc = _free_port(), _free_port()
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/scope"), "app", f"--listen=127.0.0.1:{self.http}",
             f"--grpc-listen=127.0.0.1:{self.grpc}", "--log-level=warning"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def wait_ready(self) -> None:
        for _ in range(200):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{self.http}/readyz", timeout=1).status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("app did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _schedule(fleet: Fleet, h: int, full_only: bool) -> list[tuple[str, bytes]]:
    """What probe h publishes, in a cycle, as (kind, body). Its host alternates between two ticks' reports, so
    every publish changes its window as a live probe's does. Like our probe (Probe.next_publication), every
    third publish is a full report and the others are deltas against what was sent; `full_only` sends every
    report in full, as Scope's probes do."""
    ticks = [host_report(fleet, h, t) for t in (0, 1)]
    if full_only:
        return [("full", dumps(r, MSGPACK, GZIP)) for r in ticks]
    out, sent = [], Report.empty()
    for n in range(6):  # the pattern repeats after lcm(2 ticks, 3 publishes)
        current = ticks[n % 2]
        if n % 3 == 0:
            sent = current
            out.append(("full", dumps(current, MSGPACK, GZIP)))
        else:
            d = delta(current, sent)
            sent = sent.merge(d)
            out.append(("delta", dumps(d, MSGPACK, GZIP)))
    return out


async def load(app: App, probes: int, procs: int, seconds: float, full_only: bool) -> dict[str, object]:
    fleet = Fleet(probes, procs)
    bodies = [_schedule(fleet, h, full_only) for h in range(probes)]
    clients = [GrpcAppClient(f"127.0.0.1:{app.grpc}", Identity(f"probe-{h}", fleet.hostname(h), "bench"),
                             queue_size=2) for h in range(probes)]
    tasks = [asyncio.create_task(c.run()) for c in clients]
    deadline = time.monotonic() + 60
    while sum(c.stats.connected for c in clients) < probes and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    connected = sum(c.stats.connected for c in clients)
    cpu0, _ = _proc_stats(app.proc.pid)
    started = time.monotonic()

    async def publisher(h: int) -> None:
        await asyncio.sleep(random.uniform(0, 3))
        n = 0
        while time.monotonic() - started < seconds:
            kind, body = bodies[h][n % len(bodies[h])]
            clients[h].publish(body, kind)
            n += 1
            await asyncio.sleep(3)

    await asyncio.gather(*(publisher(h) for h in range(probes)))
    await asyncio.sleep(2)  # let the last reports land
    elapsed = time.monotonic() - started
    cpu1, hwm = _proc_stats(app.proc.pid)
    sent = sum(c.stats.sent for c in clients)
    dropped = sum(c.stats.dropped for c in clients)
    ingested = _metric(app.http, "scope_reports_ingested_total")
    p99 = _histogram_quantile(app.http, "scope_report_decode_seconds", 0.99)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"probes": probes, "procs_per_probe": procs, "connected": connected, "seconds": round(elapsed, 1),
            "reports_sent": sent, "reports_ingested": int(ingested), "client_drops": dropped,
            "reports_lost": sent - int(ingested), "ingest_p99_s_bucket": p99,
            "report_bytes_avg": sum(len(b) for bs in bodies for _k, b in bs) // sum(len(bs) for bs in bodies),
            "full_only": full_only,
            "app_cpu_percent_of_core": round(100 * (cpu1 - cpu0) / elapsed, 1), "app_peak_rss_mb": hwm >> 20}


async def latency(app: App, hosts: int, procs: int, trials: int) -> dict[str, object]:
    import aiohttp

    fleet = Fleet(hosts, procs)
    reports = [[host_report(fleet, h, t) for t in range(trials + 1)] for h in range(hosts)]
    clients = [GrpcAppClient(f"127.0.0.1:{app.grpc}", Identity(f"probe-{h}", fleet.hostname(h), "bench"))
               for h in range(hosts)]
    tasks = [asyncio.create_task(c.run()) for c in clients]
    while sum(c.stats.connected for c in clients) < hosts:
        await asyncio.sleep(0.1)
    for h, c in enumerate(clients):
        c.publish(dumps(reports[h][0], MSGPACK, GZIP))
    samples = []
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"http://127.0.0.1:{app.http}/api/topology/hosts/ws?t=100ms") as ws:
        first = await ws.receive_json(timeout=30)
        while len(first.get("add") or []) < hosts:
            first = await ws.receive_json(timeout=30)
        await asyncio.sleep(1)
        for t in range(1, trials + 1):
            h = random.randrange(hosts)
            body = dumps(reports[h][t], MSGPACK, GZIP)
            while not ws.closed:  # drain what earlier publishes caused
                try:
                    await ws.receive_json(timeout=0.3)
                except TimeoutError:
                    break
            sent = time.perf_counter()
            clients[h].publish(body)
            host_id = fleet.host_id(h)
            while True:
                delta = await ws.receive_json(timeout=30)
                if any(n["id"] == host_id for n in delta.get("update") or []):
                    samples.append(time.perf_counter() - sent)
                    break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    samples.sort()
    return {"hosts": hosts, "procs_per_host": procs, "trials": len(samples),
            "report_to_delta_ms_p50": round(1000 * samples[len(samples) // 2], 1),
            "report_to_delta_ms_p99": round(1000 * samples[int(len(samples) * 0.99) - 1], 1),
            "report_to_delta_ms_max": round(1000 * samples[-1], 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--probes", type=int, default=0, help="probes for the load run (0: skip)")
    p.add_argument("--procs", type=int, default=20, help="processes per synthetic host")
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--latency-hosts", type=int, default=0, help="hosts for the latency run (0: skip)")
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--full-only", action="store_true",
                   help="every publish a full report (Scope's probes); default: our probe's full + 2 deltas")
    args = p.parse_args()
    random.seed(1)
    for run, kw in (("load", {"probes": args.probes}), ("latency", {"hosts": args.latency_hosts})):
        if not next(iter(kw.values())):
            continue
        app = App()
        try:
            app.wait_ready()
            if run == "load":
                result = asyncio.run(load(app, args.probes, args.procs, args.seconds, args.full_only))
            else:
                result = asyncio.run(latency(app, args.latency_hosts, args.procs, args.trials))
            print(json.dumps({"run": run, **result}), flush=True)
        finally:
            app.stop()


if __name__ == "__main__":
    main()

"""What the eBPF tracker costs: a loopback TCP load generator in a network namespace, with and without it.

The generator is two processes in a namespace the bench creates: a server, and a client making connections
one after the other (connect, send 100 B, read 100 B, close). Each connection fires about 12 programs.

- `paced`: RATE connections/s for SECONDS, with the tracker polling and draining once a second as the probe
  would. This process's CPU (user, and user+system) as a % of one core, its RSS, and the time the kernel spent
  in the tracker's programs per connection (BPF run-time stats, which add two clock reads per program run).
- `flat out`: the generator as fast as it can, without the tracker, with it (the default attach types) and with
  classic tracepoints only, interleaved ROUNDS times. Cost per connection = 1e9/rate(with) - 1e9/rate(without)
  from the medians: the programs, plus the tracker's own CPU competing with the generator for the 2 cores.

Run as root, after `make -C bpf`: `python bench/bench_ebpf.py [--rate 1000] [--seconds 5] [--rounds 5]`.
The namespace and the generator processes are removed/killed by name and pid on exit.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

from scopeprobe.ebpf import Attach, NotSupported, Tracker, run_time_stats

SERVER = """
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1024)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.recv(65536); c.sendall(b"r" * 100)
    while c.recv(65536): pass
    c.close()
"""

# argv: port rate seconds (rate 0: as fast as possible). Prints the connections made and the seconds taken.
CLIENT = """
import socket, sys, time
port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
payload = b"q" * 100
n, t0 = 0, time.perf_counter()
end = t0 + seconds
while True:
    now = time.perf_counter()
    if now >= end: break
    if rate and t0 + n / rate > now:
        time.sleep(t0 + n / rate - now)
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(payload); c.recv(65536); c.close()
    n += 1
print(n, time.perf_counter() - t0, flush=True)
"""

MODES: dict[str, Sequence[Attach] | None] = {"default": None, "tracepoint": (Attach.TRACEPOINT,)}


class Run(NamedTuple):
    """One generator run, and what this process (the tracker's) spent meanwhile."""

    connections: int
    seconds: float
    tracker_user: float
    tracker_system: float
    events: int
    events_lost: int
    bpf_runs: int
    bpf_ns: int

    @property
    def rate(self) -> float:
        return self.connections / self.seconds


@contextmanager
def namespace() -> Iterator[str]:
    """A fresh network namespace with lo up, deleted by name on exit."""
    name = f"scope-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)


def generate(ns: str, rate: float, seconds: float, tracker: Tracker | None) -> Run:
    """One generator run (a fresh server and client), this process following `tracker` meanwhile."""
    exec_ = ["ip", "netns", "exec", ns, sys.executable, "-c"]
    server = subprocess.Popen([*exec_, SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        if tracker is not None:
            tracker.drain()
        before = tracker.program_stats() if tracker is not None else {}
        t0 = os.times()
        client = subprocess.Popen([*exec_, CLIENT, str(port), str(rate), str(seconds)], stdout=subprocess.PIPE,
                                  text=True)
        events, next_drain = 0, time.monotonic() + 1.0
        while client.poll() is None:
            if tracker is None:
                time.sleep(0.05)
                continue
            tracker.poll(0.1)
            if time.monotonic() >= next_drain:
                events += len(tracker.drain()[0])
                next_drain += 1.0
        if tracker is not None:
            events += len(tracker.drain()[0])
        t1 = os.times()
        out = client.communicate()[0].split()
    finally:
        server.kill()
        server.wait()
    if tracker is None:
        return Run(int(out[0]), float(out[1]), 0.0, 0.0, 0, 0, 0, 0)
    after = tracker.program_stats()
    runs = sum(after[p].runs - before[p].runs for p in after)
    ns_ = sum(after[p].run_ns - before[p].run_ns for p in after)
    return Run(int(out[0]), float(out[1]), t1.user - t0.user, t1.system - t0.system, events,
               tracker.stats().events_lost, runs, ns_)


def tracked(ns: str, attach: Sequence[Attach] | None) -> Tracker:
    """A started tracker following only namespace `ns`."""
    tracker = Tracker(netns=os.stat(f"/var/run/netns/{ns}").st_ino, attach=attach)
    tracker.start()
    return tracker


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    with open("/proc/self/status") as f:
        kv = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
    return int(kv["VmRSS"].split()[0]) / 1024, int(kv["VmHWM"].split()[0]) / 1024


def paced(ns: str, rate: float, seconds: float) -> None:
    print(f"paced: {rate:.0f} connections/s for {seconds:.0f} s, drained every second")
    for mode, attach in MODES.items():
        tracker = tracked(ns, attach)
        try:
            with run_time_stats():
                run = generate(ns, rate, seconds, tracker)
            rss, hwm = rss_mb()
        finally:
            tracker.close()
        print(f"  {mode:<11} {run.rate:6.0f} conn/s  tracker CPU: user {100 * run.tracker_user / run.seconds:.1f}%,"
              f" user+sys {100 * (run.tracker_user + run.tracker_system) / run.seconds:.1f}% of a core;"
              f" in BPF programs {run.bpf_ns / run.connections:.0f} ns/conn"
              f" ({run.bpf_runs / run.connections:.1f} runs/conn); events {run.events} (lost {run.events_lost});"
              f" RSS {rss:.1f} MB (peak {hwm:.1f})")


def flat_out(ns: str, seconds: float, rounds: int) -> None:
    print(f"flat out: {rounds} interleaved rounds of {seconds:.0f} s per mode")
    rates: dict[str, list[float]] = {"none": [], **{m: [] for m in MODES}}
    for _ in range(rounds):
        for mode in rates:
            tracker = tracked(ns, MODES[mode]) if mode != "none" else None
            try:
                rates[mode].append(generate(ns, 0, seconds, tracker).rate)
            finally:
                if tracker is not None:
                    tracker.close()
    base = statistics.median(rates["none"])
    for mode, runs in rates.items():
        rate = statistics.median(runs)
        cost = "" if mode == "none" else f"  cost {1e9 / rate - 1e9 / base:+.0f} ns/conn"
        print(f"  {mode:<11} {rate:6.0f} conn/s median (min {min(runs):.0f}, max {max(runs):.0f}){cost}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with namespace() as ns:
        try:
            tracker = tracked(ns, None)
        except NotSupported as e:
            sys.exit(f"bench_ebpf: {e}")
        print("attached:", ", ".join(f"{s}={a}" for s, a in tracker.attached.items()))
        tracker.close()
        paced(ns, args.rate, args.seconds)
        flat_out(ns, args.seconds, args.rounds)


if __name__ == "__main__":
    main()

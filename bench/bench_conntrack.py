"""Benchmarks of the conntrack flow source on this machine: what a FlowTracker costs per event and per flow.

- `parse`: parse.parse_event on real captured event datagrams (the parser alone), beside pyroute2's own decoder
  of the same bytes (what parse.py replaced), and FlowTable.apply.
- `live`: a burst of N short TCP connections (6 events each: NEW + 5 state UPDATEs) made by a separate process
  in a namespace the bench creates, with the tracker reading as they happen: events/s handled, CPU of the
  tracker's process per 1000 connections, events lost.
- `backlog`: the same burst while the tracker's event loop is blocked, so the events wait in the socket
  buffer; then the time to drain it: the most events/s one tracker can handle.
- `dump`: a resync dump of the N TIME_WAIT entries the burst left: time per 1000 flows.
- `memory`: tracemalloc bytes per flow held in the table.

Run as root: `python bench/bench_conntrack.py [--connections N] [--repeat R] [--events new,destroy]
[--rcvbuf-mib M]`. The default 256 MiB buffer holds a whole burst, to measure capacity; `--rcvbuf-mib 8` shows
what the tracker's default buffer drops.
"""

import argparse
import asyncio
import os
import pickle
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

from pyroute2 import netns as pyroute2_netns
from pyroute2.netlink.nfnetlink.nfctsocket import AsyncNFCTSocket
from pyroute2.netlink.nlsocket import Marshal

from scopeprobe.conntrack import EventType, FlowTable, FlowTracker, parse
from scopeprobe.conntrack.socket import EventSocket

# N connections opened, used and closed one after the other, as fast as one process can.
_BURST = """
import socket, sys
n = int(sys.argv[1])
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1024)
port = server.getsockname()[1]
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port)); a, _ = server.accept()
    c.sendall(b"ping"); a.recv(4); c.close(); a.close()
"""


def sh(ns: str, *cmd: str) -> None:
    subprocess.run(["ip", "netns", "exec", ns, *cmd], check=True, capture_output=True, timeout=30)


def make_netns() -> str:
    name = f"scope-ct-bench-{uuid.uuid4().hex[:8]}"
    pyroute2_netns.create(name)
    try:
        sh(name, "ip", "link", "set", "lo", "up")
        sh(name, "iptables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED", "-j", "ACCEPT")
        sh(name, "sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1")
    except BaseException:
        pyroute2_netns.remove(name)
        raise
    return name


def burst(ns: str, n: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", _BURST, str(n)])


async def quiet(tracker: FlowTracker, for_s: float = 0.3, timeout: float = 60.0) -> float:
    """Wait until no event arrived for `for_s`; the time the last one was handled."""
    deadline = time.monotonic() + timeout
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        if tracker.stats.events != last_count:
            last_count, last_change = tracker.stats.events, time.monotonic()
        elif time.monotonic() - last_change > for_s:
            return last_change
        await asyncio.sleep(0.005)
    raise TimeoutError("events kept coming")


async def run_live(n: int, events: frozenset[EventType], backlog: bool, rcvbuf: int) -> dict[str, float]:
    ns = make_netns()
    try:
        async with FlowTracker(ns, events=events, rcvbuf=rcvbuf, resync_interval=3600) as tracker:
            cpu0, t0 = time.process_time(), time.monotonic()
            proc = burst(ns, n)
            if backlog:
                proc.wait()  # blocks the loop: the kernel queues the events in our buffer (or drops them)
                cpu0, t0 = time.process_time(), time.monotonic()
            else:
                while proc.poll() is None:
                    await asyncio.sleep(0.01)
            burst_s = time.monotonic() - t0
            end = await quiet(tracker)
            cpu = time.process_time() - cpu0
            wall = end - t0
            handled = tracker.stats.events
            dropped = tracker.stats.dropped
            dump0 = time.monotonic()
            await tracker.resync()
            dump_s = time.monotonic() - dump0
            flows = len(tracker)
        return {
            "events": handled,
            "events_per_s": handled / wall,
            "cpu_ms_per_1000_conns": cpu / n * 1e6,
            "cpu_us_per_event": cpu / max(handled, 1) * 1e6,
            "wall_s": wall,
            "burst_s": burst_s,
            "dropped": dropped,
            "dump_ms_per_1000_flows": dump_s / max(flows, 1) * 1e6,
            "dump_flows": flows,
        }
    finally:
        pyroute2_netns.remove(ns)


async def capture_events(n: int) -> tuple[list[bytes], int]:
    """Real event datagrams of n short connections, for the parser benchmark."""
    ns = make_netns()
    datagrams: list[bytes] = []
    try:
        sock = await EventSocket.open(ns, set(EventType), 64 << 20, datagrams.append)
        try:
            proc = burst(ns, n)
            while proc.poll() is None:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)
        finally:
            sock.close()
        return datagrams, os.stat(f"/var/run/netns/{ns}").st_ino
    finally:
        pyroute2_netns.remove(ns)


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_parse(datagrams: list[bytes], inode: int, repeat: int) -> dict[str, float]:
    pairs = [(d, h) for d in datagrams for h in parse.messages(d)]
    n = len(pairs)
    ours = best(lambda: [parse.parse_event(d, h, inode) for d, h in pairs], repeat)
    marshal = Marshal()
    marshal.msg_map.update(AsyncNFCTSocket.policy)
    sample = datagrams[: min(len(datagrams), 2000)]

    def pyroute2_full() -> None:
        for d in sample:
            for m in marshal.parse(d):
                # what reading every attribute costs: pyroute2 decodes nested attributes on access
                m.dump()

    theirs = best(pyroute2_full, max(1, repeat // 3))
    events = [parse.parse_event(d, h, inode) for d, h in pairs]

    def apply_all() -> None:
        table = FlowTable()
        for e in events:
            table.apply(e)
        table.drain()

    apply = best(apply_all, repeat)
    flows = [e.flow for e in events if e.type is EventType.NEW]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    table = FlowTable()
    for f in flows:
        # a fresh copy of each flow, as a dump would hold (the events list above keeps the originals alive)
        table.apply(parse.FlowEvent(EventType.NEW, pickle.loads(pickle.dumps(f))))
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return {
        "messages": n,
        "parse_us": ours / n * 1e6,
        "pyroute2_decode_us": theirs / len(sample) * 1e6,
        "table_apply_us": apply / n * 1e6,
        "bytes_per_flow": held / max(len(flows), 1),
    }


def _fmt(rows: list[dict[str, float]], key: str, unit: str = "", digits: int = 1) -> str:
    values = [r[key] for r in rows]
    lo, med = min(values), statistics.median(values)
    return f"{lo:,.{digits}f}{unit} (median {med:,.{digits}f}{unit})" if len(values) > 1 else f"{lo:,.{digits}f}{unit}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--events", default="new,update,destroy", help="event groups to join")
    parser.add_argument("--rcvbuf-mib", type=int, default=256, help="socket buffer (the tracker's default: 8)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (network namespaces, CAP_NET_ADMIN)", file=sys.stderr)
        return 1
    events = frozenset(EventType(e.strip()) for e in args.events.split(","))
    n = args.connections

    datagrams, inode = asyncio.run(capture_events(min(n, 2000)))
    p = bench_parse(datagrams, inode, args.repeat * 3)
    print(f"parse ({p['messages']:.0f} real event messages): parse_event {p['parse_us']:.1f} us/message, "
          f"pyroute2's decoder {p['pyroute2_decode_us']:.0f} us/message, FlowTable.apply "
          f"{p['table_apply_us']:.2f} us/event, {p['bytes_per_flow']:.0f} B per flow held")

    for mode in ("live", "backlog"):
        rows = [asyncio.run(run_live(n, events, mode == "backlog", args.rcvbuf_mib << 20)) for _ in range(args.repeat)]
        groups = ",".join(sorted(e.value for e in events))
        print(f"{mode} ({n} connections, {args.rcvbuf_mib} MiB buffer, events {groups}, "
              f"{rows[0]['events']:.0f} events): "
              f"{_fmt([{'v': -r['events_per_s']} for r in rows], 'v', ' events/s', 0).replace('-', '')}; "
              f"CPU {_fmt(rows, 'cpu_ms_per_1000_conns', ' ms')} per 1000 connections "
              f"({_fmt(rows, 'cpu_us_per_event', ' us')} per event); burst took {_fmt(rows, 'burst_s', ' s', 2)}; "
              f"dropped up to {max(r['dropped'] for r in rows):.0f}; resync dump of {rows[0]['dump_flows']:.0f} flows: "
              f"{_fmt(rows, 'dump_ms_per_1000_flows', ' ms')} per 1000 flows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

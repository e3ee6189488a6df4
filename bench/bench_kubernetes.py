"""Kubernetes watch latency: from a change on the API server to the app's websocket delta, through the probe.

    .venv/bin/python bench/bench_kubernetes.py --events 30

The fake API server (tests/k8s, the real fixture objects) runs in a thread; the app and a probe watching it run
in this process's event loop. For each of `--events` rounds a pod is added, relabelled and deleted; the time from
each API call to the delta (add, update, remove) on the pods websocket is recorded. Prints one JSON line.
"""

import argparse
import asyncio
import concurrent.futures
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/k8s"))

from fake_apiserver import FakeApiServer  # noqa: E402

from scopeapp.app import create_app  # noqa: E402
from scopeapp.config import AppConfig  # noqa: E402
from scopeapp.keys import GRPC_PORT  # noqa: E402
from scopeprobe.probe import Probe, ProbeConfig  # noqa: E402

NODE = "aks-nodepool1-28869405-vmss000000"


async def measure(fixtures: Path, events: int) -> dict[str, Any]:
    api = FakeApiServer(fixtures, token="t").start()
    runner = web.AppRunner(create_app(AppConfig(grpc_port=0), env={}))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    http = runner.addresses[0][1]
    with tempfile.TemporaryDirectory() as tmp:
        probe = Probe(ProbeConfig(apps=[f"127.0.0.1:{runner.app[GRPC_PORT][0]}"], ebpf=False, conntrack=False,
                                  docker=False, plugins=False, kubeconfig=str(api.write_kubeconfig(Path(tmp) / "k")),
                                  kubernetes_node_name=NODE))
        task = asyncio.create_task(probe.run())
        template = api.get("pods", "default", "nginx-sts-1")
        latencies: dict[str, list[float]] = {"add": [], "update": [], "remove": []}
        try:
            async with aiohttp.ClientSession() as session, \
                    session.ws_connect(f"http://127.0.0.1:{http}/api/topology/pods/ws?t=50ms") as ws:
                await ws.receive_json()
                while True:  # wait for the cluster to be in the view
                    async with session.get(f"http://127.0.0.1:{http}/api/topology/pods") as r:
                        if len((await r.json())["nodes"]) >= 12:
                            break
                    await asyncio.sleep(0.1)
                for i in range(events):
                    pod = copy.deepcopy(template)
                    name = f"bench-{i}"
                    pod["metadata"].update(name=name, uid=f"bench-uid-{i}")
                    node_id = f"bench-uid-{i};<pod>"
                    for kind, change, args in (
                            ("add", api.add, ("pods", pod)),
                            ("update", api.modify, ("pods", "default", name, {"metadata": {"labels": {"r": str(i)}}})),
                            ("remove", api.delete, ("pods", "default", name))):
                        started = time.perf_counter()
                        await asyncio.to_thread(change, *args)
                        while True:
                            delta = await ws.receive_json(timeout=10)
                            got = delta.get(kind) or ()
                            if node_id in (got if kind == "remove" else [n["id"] for n in got]):
                                break
                        latencies[kind].append(time.perf_counter() - started)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await runner.cleanup()
            api.stop()
    out: dict[str, Any] = {"events": events}
    for kind, xs in latencies.items():
        xs.sort()
        out[kind] = {"p50_ms": round(statistics.median(xs) * 1000, 1),
                     "p99_ms": round(xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000, 1),
                     "max_ms": round(xs[-1] * 1000, 1)}
    return out


def test_watch_events_reach_the_websocket(benchmark: Any) -> None:
    """Smoke in normal runs (3 rounds, no timing asserted); `make bench` records the figures."""
    fixtures = ROOT.parent / "shared/fixtures/k8s"
    import pytest

    if not fixtures.is_dir():
        pytest.skip(f"Kubernetes fixtures not found at {fixtures}")
    # In a thread of its own: Playwright's sync API (the UI tests' browser) keeps a loop running on this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        result = benchmark.pedantic(lambda: pool.submit(asyncio.run, measure(fixtures, 3)).result(),
                                    rounds=1, iterations=1)
    assert result["events"] == 3


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=30)
    p.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared/fixtures/k8s")
    a = p.parse_args()
    print(json.dumps(asyncio.run(measure(a.fixtures, a.events))))

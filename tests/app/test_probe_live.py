"""Our probe, reading this machine for real, publishing to a real app over gRPC."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from scopeapp.keys import GRPC_PORT
from scopeprobe.probe import Probe, ProbeConfig

pytestmark = pytest.mark.app

SERVER = """
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(120)
"""
CLIENT = """
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(c.getsockname()[1], flush=True); time.sleep(120)
"""


@pytest.fixture
def tcp_pair() -> Iterator[tuple[int, int]]:
    """A server and a client process on loopback, connected; (server pid, client pid). Killed by handle."""
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    client = None
    try:
        assert server.stdout is not None
        port = server.stdout.readline().strip()
        client = subprocess.Popen([sys.executable, "-c", CLIENT, port], stdout=subprocess.PIPE, text=True)
        assert client.stdout is not None
        client.stdout.readline()
        yield server.pid, client.pid
    finally:
        for p in (client, server):
            if p is not None:
                p.kill()
                p.wait()
                if p.stdout is not None:
                    p.stdout.close()


async def _probe(client: Any, **kw: Any) -> tuple[Probe, "asyncio.Task[None]"]:
    port = client.server.app[GRPC_PORT][0]
    probe = Probe(ProbeConfig(apps=[f"127.0.0.1:{port}"], spy_interval=0.3, publish_interval=0.6, **kw))
    return probe, asyncio.create_task(probe.run())


async def test_a_tcp_pair_is_two_processes_joined_by_an_edge(make_client: Any, tcp_pair: tuple[int, int],
                                                            wait_until: Any) -> None:
    server_pid, client_pid = tcp_pair
    app = await make_client()
    probe, task = await _probe(app)
    server_id, client_id = f"{probe.hostname};{server_pid}", f"{probe.hostname};{client_pid}"
    try:
        async def joined() -> bool:
            nodes = (await (await app.get("/api/topology/processes?unconnected=hide")).json())["nodes"]
            return client_id in nodes and server_id in (nodes[client_id].get("adjacency") or [])

        await wait_until(joined, timeout=20)
        details = await (await app.get(f"/api/topology/processes/{server_id.replace(';', '%3B')}")).json()
        rows = {m["id"]: m["value"] for m in details["node"]["metadata"]}
        assert rows["pid"] == str(server_pid)
        assert "python" in details["node"]["label"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_process_count_matches_ps_and_the_host_has_every_field(make_client: Any, wait_until: Any) -> None:
    app = await make_client()
    probe, task = await _probe(app)
    try:
        async def published() -> bool:
            probes = await (await app.get("/api/probes")).json()
            return bool(probes) and probes[0]["reports"] >= 2

        await wait_until(published, timeout=20)
        report = probe.spy()
        from scopecore.report import TopologyKind

        ps = subprocess.run(["ps", "-e", "--no-headers"], capture_output=True, text=True, check=True)
        assert abs(len(report.nodes(TopologyKind.PROCESS)) - len(ps.stdout.splitlines())) <= 10
        host = (await (await app.get(f"/api/topology/hosts/{probe.hostname}%3B%3Chost%3E")).json())["node"]
        metadata = {m["id"] for m in host["metadata"]}
        assert {"host_name", "os", "kernel_version", "uptime", "cpu_arch", "cpu_count", "mem_total_bytes",
                "host_ips", "local_networks", "load5", "load15"} <= metadata
        metrics = {m["id"] for m in host["metrics"]}
        assert {"host_cpu_usage_percent", "host_mem_usage_bytes", "load1", "host_net_rx_bytes",
                "host_disk_read_bytes"} <= metrics
        tables = {t["id"]: t for t in host["tables"]}
        assert any(row["id"] == "/" for row in tables["host_disk_"]["rows"]), tables["host_disk_"]
        assert [c["id"] for c in host["controls"]] == ["host_exec"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="needs /bin/sh")
async def test_host_shell_over_a_pipe(make_client: Any, wait_until: Any) -> None:
    app = await make_client()
    probe, task = await _probe(app)
    try:
        async def connected() -> bool:
            return bool(await (await app.get("/api/probes")).json())

        await wait_until(connected, timeout=20)
        node = f"{probe.hostname}%3B%3Chost%3E"
        resp = await app.post(f"/api/control/{probe.config.probe_id}/{node}/host_exec")
        body = await resp.json()
        assert resp.status == 200 and body["raw_tty"] is True, body
        ws = await app.ws_connect(f"/api/pipe/{body['pipe']}")
        resize = await app.post(f"/api/control/{probe.config.probe_id}/{node}/{body['resize_tty_control']}",
                                json={"pipeID": body["pipe"], "height": "33", "width": "101"})
        assert resize.status == 200, await resize.text()
        await ws.send_bytes(b"stty size; echo done-$((6*7))\n")
        seen = b""
        while b"done-42" not in seen:
            seen += (await ws.receive(timeout=10)).data
        assert b"33 101" in seen
        await ws.send_bytes(b"exit\n")
        while True:
            msg = await ws.receive(timeout=10)
            if msg.type != 2:  # not BINARY: the pipe closed when the shell exited
                break
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

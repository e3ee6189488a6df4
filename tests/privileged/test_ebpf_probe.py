"""The eBPF tracker inside the probe: short-lived connections between two processes in a namespace the test
made become one edge between exactly those processes, with the number of connections and exact bytes each way,
in the report and in the rendered connection rows."""

import asyncio
import time
from typing import Any

import pytest
from ebpf_world import detach_behind_its_back, netns, read_line, running, tracefs_as_found, why_not

from scopeapp.app import create_app
from scopeapp.config import AppConfig
from scopeapp.keys import GRPC_PORT
from scopecore import render
from scopecore.report import TopologyKind, ids
from scopeprobe.probe import Probe, ProbeConfig

pytestmark = pytest.mark.privileged

N = 300
SERVER = """
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(512)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    data = b""
    while len(data) < 1000:
        data += c.recv(65536)
    c.sendall(b"r" * 700); c.close()
"""
CLIENT = """
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port)); c.sendall(b"q" * 1000)
    got = b""
    while len(got) < 700:
        got += c.recv(65536)
    c.close()
print("done", flush=True)
"""


async def test_short_connections_become_one_edge_with_exact_bytes() -> None:
    reason = why_not()
    if reason:
        pytest.skip(reason)
    with tracefs_as_found(), netns() as ns:
        inode = ns.inode
        probe = Probe(ProbeConfig(apps=[], conntrack=False, docker=False))
        await probe._start_ebpf()
        assert probe.ebpf is not None, probe.sources["ebpf"]
        try:
            server = ns.popen(SERVER)
            with running(server):
                port = int(read_line(server))
                probe.spy()  # starts from here: drains what came before
                client = ns.popen(CLIENT, port, N)
                with running(client):
                    assert read_line(client) == "done"
                    time.sleep(0.2)
                    report = probe.spy()
        finally:
            probe.ebpf.close()
    scope = f"{probe.hostname}-{inode}"
    server_ep = ids.endpoint(scope, "127.0.0.1", port)
    endpoints = report.nodes(TopologyKind.ENDPOINT)
    assert endpoints[server_ep].latest.get("pid") == str(server.pid)
    into_server = [n for n in endpoints.values() if server_ep in n.adjacency]
    assert {n.latest.get("pid") for n in into_server} == {str(client.pid)}
    totals = [n.edges.get(server_ep).total() for n in into_server]  # type: ignore[union-attr]
    assert sum(t.connections for t in totals) >= 0.99 * N
    assert sum(t.bytes_sent for t in totals) == 1000 * N
    assert sum(t.bytes_received for t in totals) == 700 * N
    # And in the rendered details of the client process: one outbound row to the server with those figures.
    node_id = ids.process(probe.hostname, client.pid)
    details = render.details(report, "processes", node_id)
    assert details is not None
    outbound = next(t for t in details["node"]["connections"] if t["id"] == "outgoing-connections")
    [row] = [r for r in outbound["connections"] if r["nodeId"] == ids.process(probe.hostname, server.pid)]
    values = {m["id"]: m["value"] for m in row["metadata"]}
    assert int(values["bytes_sent"]) == 1000 * N and int(values["bytes_received"]) == 700 * N


async def test_the_probe_falls_back_when_the_tracker_dies(aiohttp_client: Any, wait_until: Any) -> None:
    """Programs detached under a running probe: it says so in /api/probes and carries on with conntrack."""
    reason = why_not()
    if reason:
        pytest.skip(reason)
    app = await aiohttp_client(create_app(AppConfig(grpc_port=0), env={}))
    probe = Probe(ProbeConfig(apps=[f"127.0.0.1:{app.server.app[GRPC_PORT][0]}"], spy_interval=0.2,
                              publish_interval=0.4, docker=False))
    with tracefs_as_found():
        task = asyncio.create_task(probe.run())
        try:
            async def sources() -> dict[str, Any]:
                probes = await (await app.get("/api/probes")).json()
                return probes[0]["sources"] if probes else {}

            async def ebpf_live() -> bool:
                return (await sources()).get("ebpf", {}).get("live") is True

            await wait_until(ebpf_live, timeout=20)
            assert probe.ebpf is not None
            detach_behind_its_back(probe.ebpf)

            async def fell_back() -> bool:
                s = await sources()
                return s.get("ebpf", {}).get("live") is False and s.get("conntrack", {}).get("live") is True

            await wait_until(fell_back, timeout=20)
            assert "stopped working" in (await sources())["ebpf"]["reason"]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

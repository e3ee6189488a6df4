"""Three hosts on one machine: network namespaces with their own hostname and pid namespace, each running its
own probe into one app over a bridge the test creates. The hosts view shows three hosts and the edges between
them (shared/notes/platform.md, "Simulating several hosts")."""

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from scopeapp.app import create_app
from scopeapp.config import AppConfig
from scopeapp.keys import GRPC_PORT

pytestmark = [
    pytest.mark.privileged,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root: network and pid namespaces"),
    pytest.mark.skipif(not shutil.which("ip") or not shutil.which("unshare"), reason="needs iproute2 and unshare"),
]

TAG = f"sc{os.getpid() % 100000}"
SUBNET = f"10.251.{os.getpid() % 200 + 20}"
SERVE_AND_CONNECT = """
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 7100)); s.listen()
peer = sys.argv[1]
conns = []
for _ in range(300):
    try:
        conns.append(socket.create_connection((peer, 7100), timeout=1)); break
    except OSError:
        time.sleep(0.1)
accepted = []
s.settimeout(0.5)
while True:
    try:
        accepted.append(s.accept()[0])
    except OSError:
        pass
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
async def network() -> AsyncIterator[list[str]]:
    """Three host namespaces on a bridge inside a switch namespace of their own (so the root namespace's
    firewall, e.g. dockerd's FORWARD DROP, never sees their traffic), and a veth from the root namespace, where
    the app listens, to the switch. Removed afterwards by the names made here."""
    switch = f"{TAG}sw"
    hosts = [f"{TAG}h{i}" for i in (1, 2, 3)]
    uplink = f"{TAG}up"
    try:
        _ip("netns", "add", switch)
        _ip("-n", switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", switch, "link", "set", "br0", "up")
        _ip("link", "add", uplink, "type", "veth", "peer", "name", "uplink0", "netns", switch)
        _ip("addr", "add", f"{SUBNET}.1/24", "dev", uplink)
        _ip("link", "set", uplink, "up")
        _ip("-n", switch, "link", "set", "uplink0", "master", "br0", "up")
        for i, ns in enumerate(hosts, 1):
            _ip("netns", "add", ns)
            _ip("-n", switch, "link", "add", f"p{i}", "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("-n", switch, "link", "set", f"p{i}", "master", "br0", "up")
            _ip("-n", ns, "addr", "add", f"{SUBNET}.{10 + i}/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        yield hosts
    finally:
        subprocess.run(["ip", "link", "del", uplink], capture_output=True)
        for ns in [*hosts, switch]:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


async def test_three_hosts_and_their_cross_host_edges(network: list[str], wait_until: Any) -> None:
    env = {"SCOPE_ADMIN_TOKEN": "admin-t", "SCOPE_PROBE_TOKEN": "probe-t"}
    app = create_app(AppConfig(host=f"{SUBNET}.1", grpc_host=f"{SUBNET}.1", grpc_port=0), env=env)
    client = TestClient(TestServer(app, host=f"{SUBNET}.1"))
    await client.start_server()
    scope = str(Path(sys.executable).parent / "scope")
    grpc = f"{SUBNET}.1:{app[GRPC_PORT][0]}"
    procs = []
    try:
        for i, ns in enumerate(network, 1):
            peer = f"{SUBNET}.{10 + i % 3 + 1}"  # h1 -> h2 -> h3 -> h1
            inner = (f"hostname h{i}; {sys.executable} -c '{SERVE_AND_CONNECT}' {peer} & "
                     f"exec {scope} probe --app {grpc} --token probe-t --spy-interval 0.5s --publish-interval 1s")
            procs.append(subprocess.Popen(
                ["ip", "netns", "exec", ns, "unshare", "--uts", "--pid", "--fork", "--kill-child", "--mount-proc",
                 "sh", "-c", inner], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        auth = {"Authorization": "Bearer admin-t"}

        async def three_hosts_joined() -> bool:
            nodes = (await (await client.get("/api/topology/hosts", headers=auth)).json())["nodes"]
            edges = {(n["label"], nodes[t]["label"]) for n in nodes.values() for t in n.get("adjacency") or []
                     if t in nodes}
            return {n["label"] for n in nodes.values()} >= {"h1", "h2", "h3"} and {
                ("h1", "h2"), ("h2", "h3"), ("h3", "h1")} <= edges

        try:
            await wait_until(three_hosts_joined, timeout=45)
        except AssertionError:
            nodes = (await (await client.get("/api/topology/hosts", headers=auth)).json())["nodes"]
            probes = await (await client.get("/api/probes", headers=auth)).json()
            raise AssertionError(f"hosts: {[(n['label'], n.get('adjacency')) for n in nodes.values()]}; "
                                 f"probes: {[(p['hostname'], p['reports']) for p in probes]}") from None
        probes = await (await client.get("/api/probes", headers=auth)).json()
        assert sorted(p["hostname"] for p in probes) == ["h1", "h2", "h3"]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        await client.close()
        await asyncio.sleep(0)

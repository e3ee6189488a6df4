"""Kubernetes end to end: the fake API server (real objects) -> our probe (official client, kubeconfig) -> the app
over gRPC -> the views, the websocket, and controls allowed only to roles that may use them."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fake_apiserver import FakeApiServer

from scopeapp.app import create_app
from scopeapp.config import AppConfig
from scopeapp.keys import GRPC_PORT
from scopeprobe.probe import Probe, ProbeConfig

pytestmark = pytest.mark.app
NODE = "aks-nodepool1-28869405-vmss000000"
TOKENS = {"SCOPE_VIEWER_TOKEN": "v-tok", "SCOPE_OPERATOR_TOKEN": "o-tok", "SCOPE_PROBE_TOKEN": "p-tok"}
VIEWER, OPERATOR = {"Authorization": "Bearer v-tok"}, {"Authorization": "Bearer o-tok"}


@pytest.fixture
async def world(aiohttp_client: Any, kubeconfig: Path) -> AsyncIterator[tuple[Any, Probe]]:
    """The app and a probe of this host that also watches the fake cluster (as its node, all roles)."""
    app = await aiohttp_client(create_app(AppConfig(grpc_port=0, pipe_idle_timeout=5.0), env=TOKENS))
    port = app.server.app[GRPC_PORT][0]
    probe = Probe(ProbeConfig(apps=[f"127.0.0.1:{port}"], token="p-tok", spy_interval=0.3, publish_interval=0.6,
                              ebpf=False, conntrack=False, docker=False, plugins=False, kubeconfig=str(kubeconfig),
                              kubernetes_node_name=NODE))
    task = asyncio.create_task(probe.run())
    yield app, probe
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _labels(app: Any, view: str, **options: str) -> dict[str, dict[str, Any]]:
    resp = await app.get(f"/api/topology/{view}", params=options, headers=VIEWER)
    return {n["label"]: n for n in (await resp.json())["nodes"].values()}


async def _shown(app: Any, wait_until: Any, view: str, label: str, present: bool = True) -> None:
    """Wait until the view has (or no longer has) a node of this label."""
    async def check() -> bool:
        return (label in await _labels(app, view)) is present

    await wait_until(check, timeout=20)


async def test_objects_reach_the_views_and_watch_events_follow(world: Any, apiserver: FakeApiServer,
                                                              wait_until: Any) -> None:
    app, _ = world
    await _shown(app, wait_until, "pods", "nginx-sts-0")
    assert {"coredns", "kube-proxy", "nginx-sts"} <= set(await _labels(app, "kube-controllers"))
    assert {"kube-dns", "nginx-sts-web"} <= set(await _labels(app, "services"))
    probes = await (await app.get("/api/probes", headers=VIEWER)).json()
    assert probes[0]["sources"]["kubernetes"] == {"live": True, "reason": ""}
    old = (await _labels(app, "pods"))["nginx-sts-1"]["id"]
    # The websocket sees a pod deleted and recreated by its stateful set (the captured watch stream).
    ws = await app.ws_connect("/api/topology/pods/ws?t=100ms&token=v-tok")
    assert (await ws.receive_json(timeout=5))["reset"] is True
    apiserver.replay_watch_fixture("watch-pods.jsonl")
    added: set[str] = set()
    removed: set[str] = set()
    while not (old in removed and added):
        delta = await ws.receive_json(timeout=5)
        added |= {n["id"] for n in delta.get("add") or () if n["label"] == "nginx-sts-1"}
        removed |= set(delta.get("remove") or ())
    await ws.close()
    assert old not in added


async def test_controls_change_the_cluster_for_operators_only(world: Any, apiserver: FakeApiServer,
                                                             wait_until: Any) -> None:
    app, probe = world
    await _shown(app, wait_until, "kube-controllers", "coredns")
    dep = (await _labels(app, "kube-controllers"))["coredns"]
    details = await (await app.get(f"/api/topology/kube-controllers/{quote(dep['id'], safe='')}",
                                   headers=VIEWER)).json()
    assert {"kubernetes_scale_up", "kubernetes_scale_down"} <= {c["id"] for c in details["node"]["controls"]}
    url = f"/api/control/{probe.config.probe_id}/{quote(dep['id'], safe='')}/kubernetes_scale_up"
    before = apiserver.get("deployments", "kube-system", "coredns")["spec"]["replicas"]
    assert (await app.post(url, json={}, headers=VIEWER)).status == 403
    assert apiserver.get("deployments", "kube-system", "coredns")["spec"]["replicas"] == before
    resp = await app.post(url, json={}, headers=OPERATOR)
    assert resp.status == 200, await resp.text()
    assert apiserver.get("deployments", "kube-system", "coredns")["spec"]["replicas"] == before + 1

    async def desired_shown() -> bool:
        got = await (await app.get(f"/api/topology/kube-controllers/{quote(dep['id'], safe='')}",
                                   headers=VIEWER)).json()
        rows = {m["id"]: m["value"] for m in got["node"]["metadata"]}
        return rows.get("kubernetes_desired_replicas") == str(before + 1)

    await wait_until(desired_shown, timeout=10)
    pod = (await _labels(app, "pods"))["tunnelfront-6869944cf6-j2zsk"]
    url = f"/api/control/{probe.config.probe_id}/{quote(pod['id'], safe='')}/kubernetes_delete_pod"
    assert (await app.post(url, json={}, headers=OPERATOR)).status == 200
    assert apiserver.get("pods", "kube-system", "tunnelfront-6869944cf6-j2zsk") is None
    await _shown(app, wait_until, "pods", "tunnelfront-6869944cf6-j2zsk", present=False)


async def test_pod_logs_are_a_live_pipe(world: Any, apiserver: FakeApiServer, wait_until: Any) -> None:
    app, probe = world
    await _shown(app, wait_until, "pods", "nginx-sts-0")
    pod = (await _labels(app, "pods"))["nginx-sts-0"]
    url = f"/api/control/{probe.config.probe_id}/{quote(pod['id'], safe='')}/kubernetes_get_logs"
    reply = await (await app.post(url, json={}, headers=OPERATOR)).json()
    ws = await app.ws_connect(f"/api/pipe/{reply['pipe']}?token=o-tok")
    await asyncio.to_thread(apiserver.wait_for, lambda: apiserver.open_log_follows() == 1)
    apiserver.append_log("default", "nginx-sts-0", "nginx", "a line written after the pipe opened")
    seen = b""
    while b"a line written after the pipe opened" not in seen:
        msg = await ws.receive(timeout=5)
        seen += msg.data if isinstance(msg.data, bytes) else str(msg.data).encode()
    await ws.close()

"""Docker end to end: a real probe with a real dockerd, publishing to a real app; containers in the app's views,
controls through `POST /api/control/...` changing the real containers, an exec pipe, and a batch stop."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from dockerd import PrivateDockerd

import docker
from scopeapp.app import create_app
from scopeapp.config import AppConfig
from scopeapp.keys import GRPC_PORT
from scopecore.report import ids
from scopeprobe.probe import Probe, ProbeConfig

pytestmark = pytest.mark.privileged

NET = "scopeapptest"
IMAGE = "local/busybox:latest"


def _free_prefix() -> str:
    from scopeprobe.hostinfo import interface_addresses

    used = {a.address.rsplit(".", 1)[0] + "." for a in interface_addresses()}
    return next(p for p in (f"10.{n}.77." for n in range(200, 250)) if p not in used)


@pytest.fixture
async def world(dockerd: PrivateDockerd, aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch
                ) -> AsyncIterator[tuple[TestClient[Any, Any], Probe, dict[str, str], Any]]:
    """An app, a probe of this host with Docker on, and a db server and a client talking over a user network."""
    api = dockerd.api
    for key, value in dockerd.env.items():
        monkeypatch.setenv(key, value)
    prefix = _free_prefix()
    pool = docker.types.IPAMPool(subnet=prefix + "0/24", gateway=prefix + "1")
    net = api.create_network(NET, driver="bridge", ipam=docker.types.IPAMConfig(pool_configs=[pool]))
    made: dict[str, str] = {}

    def run(name: str, ip: str, cmd: str) -> None:
        c = api.create_container(IMAGE, ["sh", "-c", cmd], name=name, labels={"app": "scopeapptest", "tier": name},
                                 stop_timeout=1, host_config=api.create_host_config(network_mode=NET),
                                 networking_config=api.create_networking_config(
                                     {NET: api.create_endpoint_config(ipv4_address=ip)}))
        api.start(c["Id"])
        made[name] = c["Id"]

    client = await aiohttp_client(create_app(AppConfig(grpc_port=0), env={}))
    probe = Probe(ProbeConfig(apps=[f"127.0.0.1:{client.server.app[GRPC_PORT][0]}"], spy_interval=0.3,
                              publish_interval=0.6, conntrack=False))
    task = asyncio.create_task(probe.run())
    try:
        run("db", prefix + "10", "while true; do nc -ll -p 9000 -e /bin/cat; sleep 1; done")
        run("api", prefix + "11", f"while true; do (while true; do echo hi; sleep 1; done) | nc {prefix}10 9000; "
                                  "sleep 1; done")
        run("logger", prefix + "12", "i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.2; done")
        yield client, probe, made, api
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for cid in made.values():
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_container(cid, force=True)
        api.remove_network(net["Id"])


def _node(cid: str) -> str:
    return ids.container(cid).replace(";", "%3B").replace("<", "%3C").replace(">", "%3E")


async def test_containers_view_controls_exec_and_batch(world: Any, wait_until: Any) -> None:
    client, probe, made, api = world
    db, app_c = ids.container(made["db"]), ids.container(made["api"])

    async def joined() -> bool:
        nodes = (await (await client.get("/api/topology/containers")).json())["nodes"]
        return app_c in nodes and db in (nodes[app_c].get("adjacency") or [])

    try:
        await wait_until(joined, timeout=30)
    except AssertionError:
        nodes = (await (await client.get("/api/topology/containers?stopped=both")).json())["nodes"]
        procs = (await (await client.get("/api/topology/processes?unconnected=show")).json())["nodes"]
        report = await (await client.get("/api/report")).json()
        eps = {k: (v.get("adjacency"), {a: b["value"] for a, b in (v.get("latest") or {}).items()})
               for k, v in report["Endpoint"].get("nodes", {}).items() if "77" in k}
        ncs = [(p["label"], p.get("adjacency"), [x["label"] for x in p.get("parents") or []]) for p in procs.values()
               if p["label"] in ("nc", "sh")]
        raise AssertionError(f"containers {[(n['label'], n.get('adjacency')) for n in nodes.values()]}\n"
                             f"endpoints {eps}\nprocs {ncs}") from None
    nodes = (await (await client.get("/api/topology/containers")).json())["nodes"]
    rows = {m["id"]: m["value"] for m in nodes[db]["metadata"]}
    assert rows["docker_image_name"] == "local/busybox" and rows["docker_container_state_human"].startswith("Up")
    assert {t["id"] for t in nodes[db]["tables"]} >= {"docker_label_"}
    assert {m["id"] for m in nodes[db]["metrics"] or []} >= {"docker_cpu_total_usage", "docker_memory_usage"}

    probe_id = probe.config.probe_id

    async def control(cid: str, name: str, body: Any = None) -> Any:
        resp = await client.post(f"/api/control/{probe_id}/{_node(cid)}/{name}", json=body)
        assert resp.status == 200, await resp.text()
        return await resp.json()

    def state(cid: str) -> str:
        return str(api.inspect_container(cid)["State"]["Status"])

    await control(made["db"], "docker_pause_container")
    assert state(made["db"]) == "paused"
    await control(made["db"], "docker_unpause_container")
    assert state(made["db"]) == "running"
    await control(made["db"], "docker_stop_container")
    assert state(made["db"]) == "exited"
    await control(made["db"], "docker_start_container")
    assert state(made["db"]) == "running"
    started = api.inspect_container(made["db"])["State"]["StartedAt"]
    await control(made["db"], "docker_restart_container")
    assert api.inspect_container(made["db"])["State"]["StartedAt"] != started

    pipe = await control(made["api"], "docker_exec_container")
    ws = await client.ws_connect(f"/api/pipe/{pipe['pipe']}")
    await client.post(f"/api/control/{probe_id}/{_node(made['api'])}/{pipe['resize_tty_control']}",
                      json={"pipeID": pipe["pipe"], "height": "30", "width": "90"})
    await ws.send_bytes(b"stty size; echo round-$((20+22))\n")
    seen = b""
    while b"round-42" not in seen:
        seen += (await ws.receive(timeout=10)).data
    assert b"30 90" in seen
    await ws.close()

    logs = await control(made["logger"], "docker_get_logs", {"follow": "true", "tail": "3"})
    ws = await client.ws_connect(f"/api/pipe/{logs['pipe']}")
    text = b""
    while text.count(b"line-") < 8:  # the tail, then new lines as they are written
        text += (await ws.receive(timeout=10)).data
    numbers = [int(x.split(b"\n")[0].split()[0]) for x in text.split(b"line-")[1:] if x[:1].isdigit()]
    assert numbers == sorted(numbers) and numbers[-1] - numbers[0] >= 7
    await ws.close()

    resp = await client.post("/api/controls", json={"control": "docker_stop_container", "nodes": [
        {"probe": probe_id, "node": ids.container(made["db"])},
        {"probe": probe_id, "node": ids.container(made["api"])}]})
    assert [r["status"] for r in (await resp.json())["results"]] == [200, 200]
    assert state(made["db"]) == state(made["api"]) == "exited"
    await control(made["api"], "docker_remove_container")
    with pytest.raises(docker.errors.NotFound):
        api.inspect_container(made["api"])
    made.pop("api")




async def test_a_daemon_that_appears_later_is_picked_up(dockerd: PrivateDockerd, tmp_path: Any,
                                                        monkeypatch: pytest.MonkeyPatch, wait_until: Any) -> None:
    """No socket at start: Docker is off and says where it looked (the SDK is not even loaded); once a daemon
    answers there, the probe starts reporting it without a restart."""
    import scopeprobe.probe

    monkeypatch.setattr(scopeprobe.probe, "_DOCKER_LOOK_EVERY", 0.2)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/not-yet.sock")
    probe = Probe(ProbeConfig(apps=[], spy_interval=0.1, publish_interval=0.3, conntrack=False, ebpf=False,
                              plugins=False, kubernetes=False))
    task = asyncio.create_task(probe.run())
    try:
        async def said() -> bool:
            return "not-yet.sock" in probe.sources.get("docker", {}).get("reason", "")

        await wait_until(said, timeout=10)
        assert probe.docker is None
        for key, value in dockerd.env.items():
            monkeypatch.setenv(key, value)

        async def live() -> bool:
            return bool(probe.sources.get("docker", {}).get("live"))

        await wait_until(live, timeout=20)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

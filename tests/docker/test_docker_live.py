"""Live tests of the Docker reporter against a private dockerd (tests/docker/dockerd.py): discovery, nodes and
metrics of real containers, every control and pipe, process -> container, and surviving a dockerd restart.

Skipped, with the reason, without root, docker.io or busybox-static. Containers talk only over the user bridge
network the module creates. The dockerd restart test runs last: the restart stops every container.
"""

import asyncio
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from dockerd import IMAGE, PrivateDockerd

import docker
from scopecore.report import Node, Report, TopologyKind, ids
from scopeprobe.docker import DockerReporter, NetworkContext, container_of
from scopeprobe.docker import keys as k
from scopeprobe.hostinfo.netlink import interface_addresses

pytestmark = pytest.mark.privileged

T = TypeVar("T")
HOST = "testhost"
NET_NAME = "scopetest"
CANDIDATE_SUBNETS = ("172.29.251.", "10.213.77.", "192.168.213.")
# A shell as PID 1 ignores SIGTERM unless it traps it: without the trap every stop control would wait 10 s.
# (Containers are also created with a 1 s stop timeout, which is what dockerd waits for each when it stops.)
LOOP = 'trap "exit 0" TERM; while true; do sleep 1 & wait; done'


async def eventually(check: Callable[[], T], timeout: float = 15.0, what: str = "") -> T:
    """check()'s first truthy value, polling every 50 ms."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.05)


@dataclass
class Shop:
    """Two containers on a user bridge network: web (httpd) and client (a wget loop to web)."""

    api: Any
    env: dict[str, str]
    subnet: str
    web: str
    client: str
    web_ip: str
    web_port: int
    volume: Path


@dataclass
class Pipes:
    """The probe side of pipes: what the reporter sent, and which pipes it closed."""

    data: dict[str, bytearray] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)

    def send(self, pipe_id: str, data: bytes) -> None:
        self.data.setdefault(pipe_id, bytearray()).extend(data)

    def close(self, pipe_id: str) -> None:
        self.closed.append(pipe_id)

    def text(self, pipe_id: str) -> str:
        return bytes(self.data.get(pipe_id, b"")).decode(errors="replace")


def _free_subnet() -> str:
    used = {a.address.rsplit(".", 1)[0] + "." for a in interface_addresses()}
    return next(s for s in CANDIDATE_SUBNETS if s not in used)


@pytest.fixture(scope="module")
def shop(dockerd: PrivateDockerd, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    api = dockerd.api
    prefix = _free_subnet()
    pool = docker.types.IPAMPool(subnet=prefix + "0/24", gateway=prefix + "1")
    net = api.create_network(NET_NAME, driver="bridge", ipam=docker.types.IPAMConfig(pool_configs=[pool]),
                             labels={"app": "scopetest"})
    volume = tmp_path_factory.mktemp("www")
    (volume / "index.html").write_text("hello from web\n")
    web_ip = prefix + "10"

    def run(name: str, cmd: list[str], ip: str, **host: Any) -> str:
        endpoint = api.create_endpoint_config(ipv4_address=ip)
        c = api.create_container(
            IMAGE, cmd, name=name, labels={"app": "scopetest", "tier": name},
            environment={"SCOPE_TIER": name, "LOG_LEVEL": "info"}, ports=[8080] if name == "web" else None,
            stop_timeout=1,
            host_config=api.create_host_config(network_mode=NET_NAME, **host),
            networking_config=api.create_networking_config({NET_NAME: endpoint}))
        api.start(c["Id"])
        return str(c["Id"])

    web = run("web", ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"], web_ip, mem_limit="64m",
              nano_cpus=500_000_000, port_bindings={8080: ("127.0.0.1", None)},
              binds={str(volume): {"bind": "/www", "mode": "ro"}})
    client = run("client", ["sh", "-c", f"while true; do wget -q -O /dev/null http://{web_ip}:8080/; sleep 0.1; done"],
                 prefix + "11")
    port = int(api.inspect_container(web)["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"])
    yield Shop(api, dockerd.env, prefix, web, client, web_ip, port, volume)
    for c in (web, client):
        api.remove_container(c, force=True)
    api.remove_network(net["Id"])


def _reporter(env: dict[str, str], **kw: Any) -> DockerReporter:
    return DockerReporter(HOST, probe_id="probe1", env=env, omit_env_vars=False, min_backoff=0.1, max_backoff=0.5,
                          network_context=lambda: NetworkContext(("192.0.2.1",), ("192.0.2.1",)), **kw)


def _container(report: Report, cid: str) -> Node | None:
    return report.nodes(TopologyKind.CONTAINER).get(ids.container(cid))


def _state(shortcuts: list[Report], cid: str) -> str | None:
    """The container's state in the newest shortcut report that has it."""
    for r in reversed(shortcuts):
        n = _container(r, cid)
        if n is not None:
            return n.latest.get(k.CONTAINER_STATE)
    return None


def _start(api: Any, name: str, cmd: str, **kw: Any) -> str:
    c = api.create_container(IMAGE, ["sh", "-c", cmd], name=name, labels={"app": "scopetest"}, stop_timeout=1,
                             host_config=api.create_host_config(network_mode=NET_NAME), **kw)
    api.start(c["Id"])
    return str(c["Id"])


async def test_containers_appear_with_scopes_shape_and_metrics(shop: Shop) -> None:
    async with _reporter(shop.env) as r:
        await r.wait_connected(10)
        r.report(time.time_ns())
        await asyncio.sleep(1.0)
        report = r.report(time.time_ns())
    web, client = _container(report, shop.web), _container(report, shop.client)
    assert web is not None and client is not None
    image_id = shop.api.inspect_image(IMAGE)["Id"].removeprefix("sha256:")
    latest = web.latest.values()
    assert latest[k.CONTAINER_NAME] == "web"
    assert latest[k.CONTAINER_STATE] == "running" and latest[k.CONTAINER_STATE_HUMAN].startswith("Up ")
    assert latest[k.CONTAINER_COMMAND] == "httpd -f -v -p 8080 -h /www"
    assert (latest[k.IMAGE_ID], latest[k.IMAGE_NAME], latest[k.IMAGE_TAG]) == (image_id, "local/busybox", "latest")
    assert latest[k.LABEL_PREFIX + "tier"] == "web" and latest[k.ENV_PREFIX + "SCOPE_TIER"] == "web"
    assert latest[k.ENV_PREFIX + "PATH"] == "/bin"  # from the image
    assert latest[k.CONTAINER_NETWORK_MODE] == NET_NAME
    assert latest[k.CONTAINER_CPU_LIMIT] == "0.5" and latest[k.CONTAINER_MEMORY_LIMIT] == str(64 << 20)
    assert latest[k.MOUNT_PREFIX + "/www"] == f"{shop.volume} (bind, ro)"
    assert latest[k.CONTROL_PROBE_ID] == "probe1" and latest[k.HOST_NODE_ID] == "testhost;<host>"
    assert ids.split_list(latest[k.ACTIVE_CONTROLS]) == [k.RESTART_CONTAINER, k.STOP_CONTAINER, k.PAUSE_CONTAINER,
                                                         k.ATTACH_CONTAINER, k.EXEC_CONTAINER, k.GET_LOGS]
    assert web.sets.get(k.CONTAINER_NETWORKS) == {NET_NAME}
    assert web.sets.get(k.CONTAINER_IPS) == {shop.web_ip}
    assert web.sets.get(k.CONTAINER_IPS_WITH_SCOPES) == {f"{HOST};{shop.web_ip}"}
    assert web.sets.get(k.CONTAINER_PORTS) == {f"127.0.0.1:{shop.web_port}->8080/tcp"}
    assert web.parents.get("container_image") == {ids.container_image(image_id)}
    image = report.nodes(TopologyKind.CONTAINER_IMAGE)[ids.container_image(image_id)]
    assert image.latest.get(k.IMAGE_NAME) == "local/busybox" and image.latest.get(k.IMAGE_SIZE, "").endswith("MB")
    for node in (web, client):
        for metric in (k.CPU_TOTAL_USAGE, k.MEMORY_USAGE, k.NETWORK_RX_RATE, k.NETWORK_TX_RATE, k.BLOCK_READ_RATE,
                       k.BLOCK_WRITE_RATE):
            m = node.metrics.get(metric)
            assert m is not None and len(m.times) == 1, (node.id, metric)
        memory = node.metrics.get(k.MEMORY_USAGE)
        assert memory is not None and 0 < (memory.last() or 0) <= memory.max
        cpu = node.metrics.get(k.CPU_TOTAL_USAGE)
        assert cpu is not None and cpu.max == 100.0 and 0 <= (cpu.last() or 0) <= 100
        # The wget loop fetches the page every 0.1 s: both ends see traffic on the test's bridge.
        assert (node.metrics.entries[k.NETWORK_RX_RATE].last() or 0) > 100
        assert (node.metrics.entries[k.NETWORK_TX_RATE].last() or 0) > 100
    assert web.metrics.entries[k.MEMORY_USAGE].max == 64 << 20


async def test_lifecycle_controls_change_the_real_container(shop: Shop) -> None:
    api = shop.api
    cid = _start(api, "ctl", LOOP)
    node = ids.container(cid)
    shortcuts: list[Report] = []
    async with _reporter(shop.env, on_shortcut=shortcuts.append) as r:
        await r.wait_connected(10)

        async def control(name: str, state: str) -> dict[str, Any]:
            response = await r.handle_control(node, name, {})
            await eventually(lambda: _state(shortcuts, cid) == state, what=f"{name} -> {state}")
            return response

        assert await control(k.PAUSE_CONTAINER, "paused") == {}
        assert api.inspect_container(cid)["State"]["Paused"]
        paused = _container(shortcuts[-1], cid)
        assert paused is not None and paused.latest.get(k.ACTIVE_CONTROLS) == k.UNPAUSE_CONTAINER
        assert await control(k.UNPAUSE_CONTAINER, "running") == {}
        assert api.inspect_container(cid)["State"]["Running"]
        assert await control(k.STOP_CONTAINER, "exited") == {}
        assert api.inspect_container(cid)["State"]["Status"] == "exited"
        stopped = _container(r.report(time.time_ns()), cid)
        assert stopped is not None and not stopped.metrics
        assert stopped.latest.get(k.ACTIVE_CONTROLS) == "docker_start_container;docker_remove_container;docker_get_logs"
        assert await control(k.START_CONTAINER, "running") == {}
        started = api.inspect_container(cid)["State"]["StartedAt"]
        assert (await r.handle_control(node, k.REMOVE_CONTAINER, {}))["error"]  # running: docker refuses
        shortcuts.clear()
        assert await r.handle_control(node, k.RESTART_CONTAINER, {}) == {}
        await eventually(lambda: api.inspect_container(cid)["State"]["StartedAt"] != started, what="restart")
        await eventually(lambda: _state(shortcuts, cid) == "running", what="restart event")
        await control(k.STOP_CONTAINER, "exited")
        assert await control(k.REMOVE_CONTAINER, "deleted") == {"removedNode": node}
        with pytest.raises(docker.errors.NotFound):
            api.inspect_container(cid)
        assert _container(r.report(time.time_ns()), cid) is None


async def test_exec_pipe_round_trips_and_resizes(shop: Shop) -> None:
    pipes = Pipes()
    async with _reporter(shop.env, send=pipes.send, close=pipes.close) as r:
        await r.wait_connected(10)
        response = await r.handle_control(ids.container(shop.web), k.EXEC_CONTAINER, {})
        pipe = response["pipe"]
        assert response == {"pipe": pipe, "raw_tty": True, "resize_tty_control": k.RESIZE_EXEC_TTY}
        for rows, cols in ((40, 100), (25, 132)):
            resized = await r.handle_control("", k.RESIZE_EXEC_TTY,
                                             {"pipeID": pipe, "height": str(rows), "width": str(cols)})
            assert resized == {}
            r.pipe_input(pipe, f"stty size; echo scope-$(({rows}*{cols}))\n".encode())
            await eventually(lambda rows=rows, cols=cols: f"scope-{rows * cols}" in pipes.text(pipe), what="echo")
            assert re.search(rf"^{rows} {cols}\r?$", pipes.text(pipe), re.M), pipes.text(pipe)
        r.pipe_input(pipe, b"exit\n")
        await eventually(lambda: pipe in pipes.closed, what="the shell's exit to close the pipe")


async def test_logs_pipe_streams_new_lines(shop: Shop) -> None:
    api = shop.api
    talk = 'trap "exit 0" TERM; i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.1 & wait; done'
    cid = _start(api, "talker", talk)
    pipes = Pipes()
    try:
        async with _reporter(shop.env, send=pipes.send, close=pipes.close) as r:
            await r.wait_connected(10)
            await asyncio.sleep(0.5)  # some history
            response = await r.handle_control(ids.container(cid), k.GET_LOGS, {"tail": "2"})
            pipe = response["pipe"]
            assert response == {"pipe": pipe, "raw_tty": False}
            first = await eventually(lambda: re.findall(r"line (\d+)", pipes.text(pipe)), what="the tail")
            await eventually(lambda: int(re.findall(r"line (\d+)", pipes.text(pipe))[-1]) >= int(first[0]) + 5,
                             what="new lines")
            text = pipes.text(pipe)
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line \d+$", text.splitlines()[0]), text[:200]
            assert not re.search(r"^\S+ line 0$", text, re.M)  # tail=2 left out the early lines
            r.pipe_closed(pipe)
            size = len(pipes.data[pipe])
            await asyncio.sleep(0.4)
            assert len(pipes.data[pipe]) == size and pipe not in pipes.closed  # stopped, and not closed back
            whole = (await r.handle_control(ids.container(cid), k.GET_LOGS, {"follow": "false",
                                                                              "timestamps": "false"}))["pipe"]
            await eventually(lambda: whole in pipes.closed, what="a finished log to close its pipe")
            assert pipes.text(whole).startswith("line 0\nline 1\n")
    finally:
        api.remove_container(cid, force=True)


async def test_attach_pipe_without_tty(shop: Shop) -> None:
    api = shop.api
    c = api.create_container(IMAGE, ["cat"], name="catter", stdin_open=True, tty=False,
                             host_config=api.create_host_config(network_mode=NET_NAME))
    api.start(c["Id"])
    pipes = Pipes()
    try:
        async with _reporter(shop.env, send=pipes.send, close=pipes.close) as r:
            await r.wait_connected(10)
            response = await r.handle_control(ids.container(c["Id"]), k.ATTACH_CONTAINER, {})
            assert response == {"pipe": response["pipe"], "raw_tty": False}
            r.pipe_input(response["pipe"], b"hello scope\n")
            await eventually(lambda: pipes.text(response["pipe"]) == "hello scope\n", what="cat's echo")
    finally:
        api.remove_container(c["Id"], force=True)


async def test_processes_map_to_their_container(shop: Shop) -> None:
    api = shop.api
    exec_id = api.exec_create(shop.web, ["sleep", "30"])["Id"]
    api.exec_start(exec_id, detach=True)
    pids = await eventually(lambda: [int(p[1]) for p in api.top(shop.web)["Processes"] if "sleep" in p[-1]],
                            what="the exec'd process")
    init = api.inspect_container(shop.web)["State"]["Pid"]
    for pid in (init, *pids):
        assert container_of(pid, Path("/proc")) == shop.web
    assert container_of(os.getpid(), Path("/proc")) is None
    async with _reporter(shop.env) as r:
        await r.wait_connected(10)
        assert r.container_of(pids[0]) == shop.web
        assert r.container_of(os.getpid()) is None


async def test_reporter_survives_dockerd_restart(shop: Shop, dockerd: PrivateDockerd) -> None:
    """Runs last in this module: stopping dockerd stops every container."""
    shortcuts: list[Report] = []
    async with _reporter(shop.env, on_shortcut=shortcuts.append) as r:
        await r.wait_connected(10)
        sessions = r.sessions
        await asyncio.to_thread(dockerd.stop)
        await eventually(lambda: not r.connected, what="the outage to be noticed")
        assert r.report(time.time_ns()).topology(TopologyKind.CONTAINER).label == "container"
        await asyncio.to_thread(dockerd.start)
        await r.wait_connected(15)
        assert r.sessions == sessions + 1
        # The relist noticed what happened while it was down: web was stopped with the daemon.
        assert _state(shortcuts, shop.web) == "exited"
        # Events flow again: a container started now is reported by a shortcut.
        shortcuts.clear()
        cid = _start(dockerd.api, "after", LOOP)
        await eventually(lambda: _state(shortcuts, cid) == "running", what="an event after the restart")
        dockerd.api.remove_container(cid, force=True)
        await eventually(lambda: _state(shortcuts, cid) == "deleted", what="the destroy event")

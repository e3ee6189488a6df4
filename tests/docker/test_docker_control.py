"""Unit tests of the Docker reporter without a daemon: control arguments, the attach demultiplexer, discovery,
control errors, the reporter's behaviour while dockerd is absent, and the watcher against a fake daemon."""

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from scopecore.report import TopologyKind, ids
from scopeprobe.docker import (
    CONTAINER_TOPOLOGY,
    DockerReporter,
    NetworkContext,
    docker_host,
    logs_options,
)
from scopeprobe.docker import keys as k
from scopeprobe.docker.controls import Controller
from scopeprobe.docker.frames import Demuxer
from scopeprobe.docker.humanize import NS
from scopeprobe.docker.registry import Registry

pytestmark = pytest.mark.unit

ID_A = "07ff543733b59cce60018b30780bb13bc80c45928f062e3b8be43c37a94be6a9"
NET = NetworkContext(local_ipv4s=("192.0.2.2",), host_ipv4s=("127.0.0.1", "192.0.2.2"))


# ---- controls without a daemon ---------------------------------------------------------------------------------


def test_logs_options() -> None:
    now = 1_800_000_000 * NS
    assert logs_options({}, now) == (True, True, "all", None)
    assert logs_options({"follow": "false", "timestamps": "0", "tail": "10"}, now) == (False, False, 10, None)
    assert logs_options({"since": "1h30m"}, now).since == 1_800_000_000 - 5400
    assert logs_options({"since": "45s"}, now).since == 1_800_000_000 - 45
    assert logs_options({"since": "1796414350.5"}, now).since == 1796414350.5
    assert logs_options({"since": "2026-12-04T19:59:10Z"}, now).since == 1796414350
    for bad in ({"tail": "-1"}, {"follow": "maybe"}, {"since": "yesterday"}):
        with pytest.raises(ValueError):
            logs_options(bad, now)


def test_demuxer_handles_any_split() -> None:
    stream = b"\x01\0\0\0\0\0\0\x03hi\n" + b"\x02\0\0\0\0\0\0\x02!\n" + b"\x01\0\0\0\0\0\0\0"
    assert Demuxer().feed(stream) == b"hi\n!\n"
    d = Demuxer()
    assert b"".join(d.feed(stream[i:i + 1]) for i in range(len(stream))) == b"hi\n!\n"


def test_docker_host_is_the_clis() -> None:
    assert docker_host({}) == "unix:///var/run/docker.sock"
    assert docker_host({"DOCKER_HOST": "tcp://10.0.0.1:2376"}) == "tcp://10.0.0.1:2376"


async def test_controller_errors_without_daemon() -> None:
    c = Controller(lambda: None, Registry(), lambda: None)
    node = ids.container(ID_A)
    assert "unknown control" in (await c.handle(node, "docker_fly", {}))["error"]
    assert (await c.handle("vm;<host>", k.STOP_CONTAINER, {}))["error"] == "Invalid ID: vm;<host>"
    assert "not available" in (await c.handle(node, k.STOP_CONTAINER, {}))["error"]
    resize = await c.handle(node, k.RESIZE_EXEC_TTY, {"pipeID": "pipe-1", "height": "40", "width": "100"})
    assert "Unknown pipeID" in resize["error"]
    assert "size" in (await c.handle(node, k.RESIZE_EXEC_TTY, {"pipeID": "p", "height": "x"}))["error"]


async def test_reporter_without_daemon_reports_templates_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="scopeprobe.docker")
    env = {"DOCKER_HOST": f"unix://{tmp_path}/nothing.sock"}
    async with DockerReporter("vm", env=env, min_backoff=0.01, max_backoff=0.02,
                              network_context=lambda: NET) as r:
        await asyncio.sleep(0.3)
        assert not r.connected
        report = r.report(1)
        response = await r.handle_control(ids.container(ID_A), k.START_CONTAINER, {})
    topo = report.topology(TopologyKind.CONTAINER)
    assert not topo.nodes and topo.controls == CONTAINER_TOPOLOGY.controls
    assert report.topology(TopologyKind.CONTAINER_IMAGE).label == "image"
    assert response == {"error": "docker is not available"}
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    retries = [r for r in caplog.records if r.levelno == logging.DEBUG and "still unavailable" in r.getMessage()]
    assert len(warnings) == 1 and "no daemon" in warnings[0].getMessage()
    assert len(retries) >= 3


# ---- the watcher, against a fake daemon ----------------------------------------------------------------------


class FakeAPI:
    """The DockerAPI calls the watcher makes, over a dict of inspects."""

    def __init__(self, containers: dict[str, dict[str, Any]]) -> None:
        self.containers = containers
        self.inspected: list[str] = []

    def container_states(self) -> dict[str, str]:
        return {cid: c["State"]["Status"] for cid, c in self.containers.items()}

    def images(self) -> list[dict[str, Any]]:
        return [{"Id": "sha256:abc", "RepoTags": ["x:1"]}]

    def inspect(self, cid: str) -> dict[str, Any]:
        from scopeprobe.docker import ContainerNotFound

        self.inspected.append(cid)
        if cid not in self.containers:
            raise ContainerNotFound(cid)
        return self.containers[cid]


def _event(kind: str, action: str, actor: str, **attributes: str) -> dict[str, Any]:
    return {"Type": kind, "Action": action, "Actor": {"ID": actor, "Attributes": attributes}}


async def test_watcher_resyncs_what_changed_and_handles_events(inspects: dict[str, Any]) -> None:
    from scopeprobe.docker.watch import DockerWatcher

    web, cli, cache = (dict(inspects[n]) for n in ("web", "cli", "cache"))
    fake = FakeAPI({c["Id"]: c for c in (web, cli)})
    api: Any = fake  # duck-typed DockerAPI
    registry = Registry()
    changes: list[tuple[list[str], list[str]]] = []
    watcher = DockerWatcher(registry, lambda: api, lambda changed, gone: changes.append((changed, gone)))
    await watcher.resync(api, full=True)
    assert registry.ids() == {web["Id"], cli["Id"]} and changes == [([web["Id"], cli["Id"]], [])]
    # A resync inspects only what is new or changed state, and forgets what is gone: one change report.
    fake.inspected.clear()
    del fake.containers[cli["Id"]]
    fake.containers[cache["Id"]] = cache
    await watcher.resync(api)
    assert fake.inspected == [cache["Id"]]
    assert changes[-1] == ([cache["Id"]], [cli["Id"]])
    await watcher.resync(api)
    assert len(changes) == 2  # nothing changed: no report
    # Events: a state change is inspected; exec_* is not; a network event names its container; destroy deletes.
    await watcher._handle(api, _event("container", "pause", web["Id"]))
    assert changes[-1] == ([web["Id"]], [])
    await watcher._handle(api, _event("container", "exec_start: sh", web["Id"]))
    assert len(changes) == 3
    await watcher._handle(api, _event("network", "connect", "net", container=cache["Id"]))
    assert changes[-1] == ([cache["Id"]], [])
    await watcher._handle(api, _event("container", "destroy", web["Id"]))
    assert changes[-1] == ([], [web["Id"]]) and registry.get(web["Id"]) is None
    await watcher._handle(api, _event("container", "start", "gone"))
    assert changes[-1] == ([], ["gone"])  # removed before we could inspect it

"""Docker in the probe: the reporter's report each tick, process -> container tags, container controls and their
pipes routed to the app link that asked for them, and shortcut reports published at once."""

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from scopecore.report import LatestMap, Node, Report, ReportBuilder, Sets, TopologyKind, ids
from scopeprobe.controls import Controls, Pipes
from scopeprobe.docker import CONTROLS, DockerReporter

log = logging.getLogger("scopeprobe.docker")


class _DockerPipe:
    """The probe's end of a container pipe, as a Pipes entry."""

    def __init__(self, reporter: DockerReporter, pipe_id: str) -> None:
        self.reporter, self.pipe_id = reporter, pipe_id

    def write(self, data: bytes) -> None:
        self.reporter.pipe_input(self.pipe_id, data)

    async def close(self) -> None:
        self.reporter.pipe_closed(self.pipe_id)


class DockerLink:
    """Owns the DockerReporter for the probe."""

    def __init__(self, hostname: str, probe_id: str, on_shortcut: Callable[[Report], None], *,
                 omit_env_vars: bool = True) -> None:
        self._owners: dict[str, Pipes] = {}
        self.reporter = DockerReporter(hostname, probe_id=probe_id, on_shortcut=on_shortcut, send=self._send,
                                       close=self._close, omit_env_vars=omit_env_vars)

    def _send(self, pipe_id: str, data: bytes) -> None:
        owner = self._owners.get(pipe_id)
        if owner is not None:
            owner.send(pipe_id, data)

    def _close(self, pipe_id: str) -> None:
        owner = self._owners.pop(pipe_id, None)
        if owner is not None and owner.ends.pop(pipe_id, None) is not None:
            owner.send(pipe_id, None)

    def register(self, controls: Controls) -> None:
        """Serve Scope's container controls (and our logs control) through the reporter."""
        async def handle(node_id: str, args: Mapping[str, Any], pipes: Pipes, control: str = "") -> dict[str, Any]:
            result = await self.reporter.handle_control(node_id, control, args)
            pipe = result.get("pipe")
            if isinstance(pipe, str):  # registered before anything else is awaited: no byte is missed
                self._owners[pipe] = pipes
                pipes.ends[pipe] = _DockerPipe(self.reporter, pipe)
            return result

        for control in CONTROLS:
            controls.register(control, functools.partial(handle, control=control))

    def tag_processes(self, report: Report) -> Report:
        """Each containerised process gets its container's ID and the container and image as parents (by cgroup,
        not by walking parents as Scope did)."""
        containers = report.nodes(TopologyKind.CONTAINER)
        builder = ReportBuilder()
        for node in report.nodes(TopologyKind.PROCESS).values():
            pid = node.latest.get("pid")
            cid = self.reporter.container_of(int(pid)) if pid and pid.isdigit() else None
            if cid is None:
                continue
            container_id = ids.container(cid)
            parents: dict[str, set[str]] = {"container": {container_id}}
            container = containers.get(container_id)
            if container is not None:
                parents["container_image"] = set(container.parents.get("container_image"))
            ts = node.latest.entry("pid")[0]  # type: ignore[index]
            builder.add(TopologyKind.PROCESS, Node(node.id, latest=LatestMap.of({"docker_container_id": cid}, ts),
                                                   parents=Sets.of(parents)))
        return report.merge(builder.freeze()) if builder.has_nodes() else report

    @staticmethod
    def local_ips(report: Report) -> frozenset[str]:
        """Container addresses: local to this host, so endpoints on them are scoped by host (Scope's
        --probe.docker.bridge)."""
        out: set[str] = set()
        for node in report.nodes(TopologyKind.CONTAINER).values():
            out |= node.sets.get("docker_container_ips")
        return frozenset(out)

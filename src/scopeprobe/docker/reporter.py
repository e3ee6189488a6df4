"""DockerReporter: the probe's view of the local Docker daemon, as Scope's Container and ContainerImage
topologies, plus the container controls and pipes.

    reporter = DockerReporter("vm", probe_id=probe_id, on_shortcut=publish, send=pipe_send, close=pipe_close)
    await reporter.start()                      # connects in the background; absent dockerd is fine
    report = reporter.report(time.time_ns())    # once per spy tick (1 s): nodes + one metric sample each
    await reporter.handle_control("07ff...;<container>", "docker_pause_container", {})
    await reporter.stop()

`report()` does no Docker API call: it reads the registry the watcher keeps, and the cgroup files (about 0.1 ms
of CPU per container). Call it from the event loop's thread or any other, one call at a time.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from scopecore.report import LatestMap, Node, Report, ReportBuilder, TopologyKind
from scopeprobe.hostinfo.netlink import interface_addresses, interface_name
from scopeprobe.procfs._io import read_at
from scopeprobe.procfs.parse_system import parse_meminfo

from .cgroupfs import CgroupReader
from .client import DockerAPI
from .controls import Controller, Response
from .nodes import (
    NetworkContext,
    NodeOptions,
    container_node,
    deleted_container_node,
    image_node,
    network_sets,
    timely_latest,
    trim_image_id,
)
from .pipes import PipeClose, Pipes, PipeSend
from .procmap import PROC_ROOT, ContainerMapper
from .registry import Inspect, Registry
from .sampler import ContainerSampler
from .topologies import CONTAINER_TOPOLOGY, IMAGE_TOPOLOGY
from .watch import DockerWatcher

log = logging.getLogger(__name__)

OnShortcut = Callable[[Report], None]
_FALLBACK_HOST_MEMORY = 1 << 40  # if /proc/meminfo cannot be read: a max no container reaches
_NETWORK_CONTEXT_TTL_NS = 10 * 1_000_000_000  # host addresses change rarely; one netlink dump per resync period


class _Built(NamedTuple):
    """A container node as built from one inspect: reused until the inspect, the image or the host's addresses
    change, with only the time-dependent values restamped. Scope did the same (its baseNode), so the values that
    come from the inspect keep the time they were first seen."""

    inspect: Inspect
    image: Any
    net: NetworkContext
    node: Node


def host_network_context() -> NetworkContext:
    """The host's IPv4 addresses: all of them, and those a 0.0.0.0 port binding stands for (Scope's
    LocalAddresses: not loopback, docker bridges or veths)."""
    v4 = [a for a in interface_addresses() if a.family == socket.AF_INET]
    local = [a.address for a in v4 if not interface_name(a).startswith(("veth", "docker", "lo"))]
    return NetworkContext(local_ipv4s=tuple(local), host_ipv4s=tuple(a.address for a in v4))


def _host_memory(proc_root: Path) -> int:
    try:
        return parse_meminfo(read_at(None, f"{proc_root}/meminfo")).total
    except OSError:
        return _FALLBACK_HOST_MEMORY


class DockerReporter:
    """Reports containers (running, paused and stopped) and their images; runs their controls."""

    def __init__(
        self,
        host_id: str,
        *,
        probe_id: str = "",
        on_shortcut: OnShortcut | None = None,
        send: PipeSend | None = None,
        close: PipeClose | None = None,
        env: Mapping[str, str] | None = None,
        omit_env_vars: bool = True,
        omit_cmd_args: bool = False,
        proc_root: Path = PROC_ROOT,
        fs_root: Path = Path("/"),
        resync_interval: float = 10.0,
        min_backoff: float = 1.0,
        max_backoff: float = 30.0,
        network_context: Callable[[], NetworkContext] = host_network_context,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        """host_id: this host's ID (hostname). probe_id: written as control_probe_id. on_shortcut: called on the
        loop with a shortcut report after each container change (must not block). send/close: the probe's pipe
        callables (see pipes.py); without them exec, attach and logs answer an error. env: where DOCKER_HOST is
        looked up (os.environ by default). omit_env_vars/omit_cmd_args: Scope's --probe.omit.* flags."""
        self.options = NodeOptions(host_id, probe_id, omit_env_vars, omit_cmd_args)
        self.registry = Registry()
        self._env = dict(os.environ if env is None else env)
        self._on_shortcut = on_shortcut
        self._send, self._close = send, close
        self._network_context = network_context
        self._clock = clock
        self._sampler = ContainerSampler(CgroupReader(proc_root, fs_root), os.cpu_count() or 1,
                                         _host_memory(proc_root))
        self._mapper = ContainerMapper(proc_root)
        self._watcher = DockerWatcher(self.registry, lambda: DockerAPI.connect(self._env), self._changed,
                                      resync_interval=resync_interval, min_backoff=min_backoff,
                                      max_backoff=max_backoff)
        self._built: dict[str, _Built] = {}
        self._net_cache: tuple[int, NetworkContext] | None = None
        self._pipes: Pipes | None = None
        self._controller = Controller(lambda: self._watcher.api, self.registry, lambda: self._pipes, clock)
        self._task: asyncio.Task[None] | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start watching the daemon in the background (returns at once, connected or not)."""
        if self._task is not None:
            return
        loop = asyncio.get_running_loop()
        if self._send is not None and self._close is not None:
            self._pipes = Pipes(loop, self._send, self._close)
        self._task = loop.create_task(self._watcher.run(), name="docker-watcher")

    async def stop(self) -> None:
        """Stop watching and close every pipe."""
        if self._pipes is not None:
            self._pipes.close_all()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def __aenter__(self) -> "DockerReporter":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def connected(self) -> bool:
        """True while the daemon answers and the registry matches it."""
        return self._watcher.synced.is_set()

    @property
    def sessions(self) -> int:
        """How many times the reporter has (re)connected and relisted."""
        return self._watcher.sessions

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Until the registry matches the daemon (raises TimeoutError)."""
        await asyncio.wait_for(self._watcher.synced.wait(), timeout)

    # ---- reports --------------------------------------------------------------------------------------------

    def report(self, now_ns: int) -> Report:
        """Container and ContainerImage topologies as of now_ns, each running container with a metric sample."""
        containers, images = self.registry.snapshot()
        net = self._net(now_ns)
        b = ReportBuilder(ts=now_ns)
        b.describe(TopologyKind.CONTAINER, CONTAINER_TOPOLOGY)
        b.describe(TopologyKind.CONTAINER_IMAGE, IMAGE_TOPOLOGY)
        sampled = []
        for c in containers:
            node = self._node(c, now_ns, net, images)
            state = c.get("State") or {}
            pid = state.get("Pid") or 0
            if state.get("Running") and pid > 0:
                host_net = (c.get("HostConfig") or {}).get("NetworkMode") == "host"
                node = replace(node, metrics=self._sampler.sample(c["Id"], pid, now_ns, network=not host_net))
                sampled.append(c["Id"])
            b.add(TopologyKind.CONTAINER, node)
        for image_id in {trim_image_id(c.get("Image") or "") for c in containers}:
            b.add(TopologyKind.CONTAINER_IMAGE, image_node(image_id, images.get(image_id), now_ns,
                                                           self.options.host_id))
        self._sampler.retain(sampled)
        for cid in self._built.keys() - {c["Id"] for c in containers}:
            del self._built[cid]
        return b.freeze()

    def _net(self, now_ns: int) -> NetworkContext:
        if self._net_cache is not None and now_ns - self._net_cache[0] < _NETWORK_CONTEXT_TTL_NS:
            return self._net_cache[1]
        try:
            net = self._network_context()
        except OSError:
            log.debug("docker: cannot read the host's addresses", exc_info=True)
            net = NetworkContext()
        self._net_cache = (now_ns, net)
        return net

    def _node(self, c: Inspect, now_ns: int, net: NetworkContext, images: Mapping[str, Any],
              cache: bool = True) -> Node:
        image = images.get(trim_image_id(c.get("Image") or ""))
        if not cache:
            return container_node(c, now_ns, self.options, image=image,
                                  sets=network_sets(c, self.options.host_id, net, self.registry.lookup))
        built = self._built.get(c["Id"])
        shared_net = ((c.get("HostConfig") or {}).get("NetworkMode") or "").startswith("container:")
        if built is not None and built.inspect is c and built.image is image and built.net is net and not shared_net:
            # Same inspect: only the uptime and "Up 5 minutes" are new.
            latest = built.node.latest.merge(LatestMap.of(timely_latest(c, now_ns), now_ns))
            return replace(built.node, latest=latest)
        sets = network_sets(c, self.options.host_id, net, self.registry.lookup)
        node = container_node(c, now_ns, self.options, image=image, sets=sets)
        self._built[c["Id"]] = _Built(c, image, net, node)
        return node

    def _changed(self, changed: list[str], gone: list[str]) -> None:
        """The watcher's callback: one shortcut report with the changed containers and the deleted ones."""
        if self._on_shortcut is None:
            return
        now = self._clock()
        _, images = self.registry.snapshot()
        net = self._net(now)
        b = ReportBuilder(ts=now, shortcut=True)
        b.describe(TopologyKind.CONTAINER, CONTAINER_TOPOLOGY)
        for cid in changed:
            c = self.registry.get(cid)
            if c is not None:
                # Not through report()'s cache: report() may be running in another thread.
                b.add(TopologyKind.CONTAINER, self._node(c, now, net, images, cache=False))
        for cid in gone:
            b.add(TopologyKind.CONTAINER, deleted_container_node(cid, now))
        try:
            self._on_shortcut(b.freeze())
        except Exception:
            log.exception("docker: the shortcut report callback failed")

    # ---- processes ------------------------------------------------------------------------------------------

    def container_of(self, pid: int) -> str | None:
        """The ID of the known container the process is in (the innermost, under Docker in Docker), or None."""
        cid = self._mapper.container_of(pid)
        if cid is None:
            return None
        if self.registry.get(cid) is not None:
            return cid
        return next((c for c in self._mapper.container_ids(pid) if self.registry.get(c) is not None), None)

    # ---- controls and pipes ---------------------------------------------------------------------------------

    async def handle_control(self, node_id: str, control: str, args: Mapping[str, str]) -> Response:
        """Run a control (a docker_* control ID) on a container node; returns Scope's response shape."""
        return await self._controller.handle(node_id, control, args)

    def pipe_input(self, pipe_id: str, data: bytes) -> None:
        """Bytes from the browser for a pipe this reporter opened."""
        if self._pipes is not None:
            self._pipes.input(pipe_id, data)

    def pipe_closed(self, pipe_id: str) -> None:
        """The browser or the app closed a pipe this reporter opened."""
        if self._pipes is not None:
            self._pipes.closed(pipe_id)

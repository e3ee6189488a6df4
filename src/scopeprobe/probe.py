"""The probe: read the host every spy tick, publish to every app every publish interval, serve controls.

Spy ticks (1 s) walk /proc once, scan sockets once per network namespace, and sample the host; the reports of
a publish interval (3 s) are merged and sent as a full report every `full_every`th publish and as a delta
(scopecore.report.delta) between. Sources that cannot run here (no privileges, no kernel support) are left out
with one log line each, and /api/probes shows which are live and why not.
"""

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import grpc

from scopecore import __version__
from scopecore.codec import GZIP, MSGPACK, dumps
from scopecore.protocol import ControlRequest, PipeClose, PipeData
from scopecore.report import Report, ReportBuilder, TopologyKind
from scopecore.report.delta import delta
from scopeprobe import topologies
from scopeprobe.conntrack import Flow, NotSupported, direction_index
from scopeprobe.controls import Controls, Pipes, host_controls
from scopeprobe.docker_host import docker_host, socket_missing
from scopeprobe.ebpf import NotSupported as EbpfNotSupported
from scopeprobe.ebpf import Tracker as EbpfTracker
from scopeprobe.hostinfo import DiskUsage, HostSampler, read_disk_usage, read_host_facts
from scopeprobe.kubernetes import NoApiServer, Role, api_client, tag_containers
from scopeprobe.metrics import ProbeMetrics
from scopeprobe.plugins import Plugins, active_controls_patch
from scopeprobe.procfs import ProcessWalker, SocketScanner
from scopeprobe.publish import ClientStats, GrpcAppClient, Identity
from scopeprobe.reporters.ebpf import EbpfEdges
from scopeprobe.reporters.endpoints import add_endpoints, add_flows
from scopeprobe.reporters.host import add_host
from scopeprobe.reporters.processes import add_processes
from scopeprobe.stamps import Stamper

if TYPE_CHECKING:
    from scopeprobe.conntrack.tracker import FlowTracker
    from scopeprobe.docker_link import DockerLink
    from scopeprobe.kubernetes.reporter import KubernetesReporter

_DOCKER_LOOK_EVERY = 10.0  # seconds between looks for a Docker daemon's socket that is not there yet

log = logging.getLogger("scopeprobe")
NS = 1_000_000_000


@dataclass
class ProbeConfig:
    """What `scope probe` takes."""

    apps: list[str] = field(default_factory=list)
    token: str = ""
    spy_interval: float = 1.0
    publish_interval: float = 3.0
    full_every: int = 3
    proc_root: Path = Path("/proc")
    conntrack: bool = True
    ebpf: bool = True
    docker: bool = True
    docker_env_vars: bool = False  # Scope's --probe.omit.env-vars, inverted: environment variables are secrets
    plugins_root: Path = Path("/var/run/scope/plugins")
    tls_ca: Path | None = None  # trust this CA for the app's HTTPS and gRPC (apps serving --tls-cert)
    kubernetes: bool = True
    kubeconfig: str | None = None
    kubernetes_role: str = "all"  # host | cluster | all (kubernetes.Role)
    kubernetes_node_name: str = ""  # default: $KUBERNETES_NODENAME, then the hostname
    plugins: bool = True
    probe_id: str = field(default_factory=lambda: secrets.token_hex(8))
    hostname: str = ""


class AppClient(Protocol):
    """What the probe needs of a link to an app."""

    stats: ClientStats

    def publish(self, body: bytes, kind: str = "full") -> None: ...

    async def run(self) -> None: ...


class Probe:
    """One probe: its sources, its report loop and its links to apps."""

    def __init__(self, config: ProbeConfig) -> None:
        self.config = config
        root = config.proc_root
        self.walker = ProcessWalker(root)
        self.scanner = SocketScanner(root)
        self.sampler = HostSampler(root)
        self.stamper = Stamper()
        self.facts = read_host_facts(root)
        self._facts_read = -1e9
        self._disks: list[DiskUsage] = []
        self.hostname = config.hostname or self.facts.hostname or socket.gethostname()
        self.controls = Controls()
        host_controls(self.controls, lambda: f"{self.hostname};<host>")
        self.sources: dict[str, dict[str, Any]] = {"proc": {"live": True, "reason": ""}}
        self.clients: list[AppClient] = []
        self.metrics = ProbeMetrics()
        self.docker: DockerLink | None = None
        self._docker_looked = -1e9
        self.kubernetes: KubernetesReporter | None = None
        self.plugins: Plugins | None = None
        self._plugins_scanned = 0.0
        self.ebpf: EbpfTracker | None = None
        self._ebpf_edges = EbpfEdges(self.hostname, config.probe_id)
        self._spied: list[Report] = []
        self._sent = Report.empty()
        self._publishes = 0
        self._warned: set[str] = set()

    # --- reading the host ---

    def spy(self, flows: tuple[list[Flow], list[Flow]] = ([], []), docker: Report | None = None,
            extra: list[Report] | None = None, sockets: bool = True) -> Report:
        """One spy tick: every source read once, as a report. `flows`: conntrack's (live, ended) since the last
        tick, and `docker`: the Docker reporter's report, both taken on the event loop that owns them.
        `sockets`: scan /proc's socket tables too (run() skips them between publishes when eBPF or conntrack
        sees every connection: the publish merges the ticks, so one scan per publish shows the same)."""
        now = time.time_ns()
        builder = ReportBuilder(ts=now, window=int(self.config.spy_interval * NS))
        for kind, topo in ((TopologyKind.PROCESS, topologies.PROCESS), (TopologyKind.HOST, topologies.HOST)):
            builder.describe(kind, topo)
        timed = self.metrics.reporter_seconds
        started = time.perf_counter()
        with timed.labels("processes").time():
            snapshot = self.walker.walk()
            add_processes(builder, snapshot, self.hostname, now, self.stamper)
        live, ended = flows
        local_ips = self.docker.local_ips(docker) if docker is not None and self.docker is not None else frozenset()
        denied = len(snapshot.denied)
        if sockets:
            with timed.labels("endpoints").time():
                net = self.scanner.scan(snapshot.processes)
                add_endpoints(builder, net, self.hostname, now, self.stamper, local_ips,
                              directions=direction_index([*live, *ended]) if live or ended else None)
            denied += len(net.denied)
        with timed.labels("conntrack").time():
            add_flows(builder, [*live, *ended], self.hostname, now, local_ips)
        if self.ebpf is not None:
            with timed.labels("ebpf").time():
                events, stats = self.ebpf.drain()
                self._ebpf_edges.add(builder, events, stats, now, local_ips)
        if docker is not None:
            builder.merge(docker)
        with timed.labels("host").time():
            sample = self.sampler.sample()
            if time.monotonic() - self._facts_read >= 10.0:  # names, addresses and disk usage change slowly
                self._facts_read = time.monotonic()
                self.facts = read_host_facts(self.config.proc_root)
                self._disks = read_disk_usage(self.config.proc_root)
            disks = self._disks
            add_host(builder, self.facts._replace(hostname=self.hostname), sample, disks,
                     probe_id=self.config.probe_id, version=__version__, now=now, stamper=self.stamper)
        if extra:  # plugins' reports, their active controls united with ours
            patch = active_controls_patch(builder.freeze(), extra)
            for r in [*extra, patch]:
                builder.merge(r)
        self.metrics.tick_seconds.observe(time.perf_counter() - started)
        self.stamper.end_tick(forget=sockets)
        if denied and os.geteuid() != 0:
            self._warn_once("denied", "running without privileges to read some of /proc: reporting what is "
                                      f"visible ({denied} reads denied)")
        report = builder.freeze(self.config.probe_id)
        if self.docker is not None:
            with timed.labels("docker_tags").time():
                report = self.docker.tag_processes(report)
                report = tag_containers(report)
        return report

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message)

    # --- publishing ---

    def next_publication(self) -> tuple[Report, str] | None:
        """The report to publish now (full or delta) from the spy reports since the last one, or None."""
        if not self._spied:
            return None
        current = Report.merge_all(self._spied)
        self._spied = []
        full = self._publishes % self.config.full_every == 0
        self._publishes += 1
        if full:
            self._sent = current
            return current, "full"
        d = delta(current, self._sent)
        self._sent = self._sent.merge(d)
        return d, "delta"

    async def run(self) -> None:
        """Spy and publish until cancelled."""
        await self._start_ebpf()
        tracker = None if self.ebpf is not None else await self._start_conntrack()
        await self._start_docker()
        await self._start_kubernetes()
        self.clients = [await self._client(url) for url in self.config.apps]
        tasks = [asyncio.create_task(c.run()) for c in self.clients]
        try:
            loop = asyncio.get_running_loop()
            next_publish = loop.time() + self.config.publish_interval
            while True:
                started = loop.time()
                if self.ebpf is not None and not self.ebpf.alive:
                    # The tracker died (programs detached, ring buffer failed): fall back, and say so.
                    log.warning("eBPF tracker stopped working, falling back to conntrack")
                    self.sources["ebpf"] = {"live": False, "reason": "the tracker stopped working at run time"}
                    await asyncio.to_thread(self.ebpf.close)
                    self.ebpf = None
                    tracker = await self._start_conntrack()
                    self._tell_sources()
                flows = tracker.drain() if tracker is not None else ([], [])
                if self.docker is None and self.config.docker and \
                        time.monotonic() - self._docker_looked >= _DOCKER_LOOK_EVERY:
                    await self._start_docker()
                docker = self.docker.reporter.report(time.time_ns()) if self.docker is not None else None
                extra = await self._plugin_reports()
                if self.kubernetes is not None:
                    extra = [*extra, self.kubernetes.report(time.time_ns())]
                # The last tick before a publish (or every tick when only /proc shows connections) scans sockets.
                due = loop.time() + self.config.spy_interval / 2 >= next_publish
                sockets = due or (self.ebpf is None and tracker is None)
                self._spied.append(await asyncio.to_thread(self.spy, flows, docker, extra, sockets))
                self._update_sources()
                if due:
                    next_publish += self.config.publish_interval
                    self.publish()
                await asyncio.sleep(max(0.0, self.config.spy_interval - (loop.time() - started)))
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if tracker is not None:
                await tracker.close()
            if self.docker is not None:
                await self.docker.reporter.stop()
            if self.kubernetes is not None:
                await asyncio.to_thread(self.kubernetes.stop)
            if self.ebpf is not None:
                await asyncio.to_thread(self.ebpf.close)

    async def once(self) -> Report:
        """One report of this host and, when an API server is configured, its Kubernetes objects (`--once`)."""
        await self._start_kubernetes()
        try:
            self.spy()
            await asyncio.sleep(min(1.0, self.config.spy_interval))  # CPU % needs two readings
            extra = [self.kubernetes.report(time.time_ns())] if self.kubernetes is not None else []
            return await asyncio.to_thread(self.spy, ([], []), None, extra)
        finally:
            if self.kubernetes is not None:
                await asyncio.to_thread(self.kubernetes.stop)

    async def _start_ebpf(self) -> None:
        """The eBPF tracker first: every connection with its bytes; without it, conntrack then /proc."""
        if not self.config.ebpf:
            self.sources["ebpf"] = {"live": False, "reason": "turned off (--no-ebpf)"}
            return
        tracker = EbpfTracker(self_pid=os.getpid())
        try:
            await asyncio.to_thread(tracker.start)
        except EbpfNotSupported as e:
            self.sources["ebpf"] = {"live": False, "reason": str(e)}
            log.warning("eBPF unavailable, falling back to conntrack", extra={"reason": str(e)})
            return
        self.ebpf = tracker
        self.sources["ebpf"] = {"live": True, "reason": ""}
        self.sources["conntrack"] = {"live": False, "reason": "not needed: eBPF is live"}

    async def _plugin_reports(self) -> list[Report]:
        """Scope plugins' reports this tick (rescanning their directory every 5 s, as Scope's probe)."""
        if not self.config.plugins:
            return []
        if self.plugins is None:
            self.plugins = Plugins(self.config.plugins_root, self.config.probe_id)
            plugins = self.plugins

            async def control(name: str, node_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
                return await plugins.control(name, node_id, dict(args))

            self.controls.plugin_router = control
        if time.monotonic() - self._plugins_scanned >= 5.0:
            self._plugins_scanned = time.monotonic()
            await asyncio.to_thread(self.plugins.scan)
        return await self.plugins.reports() if self.plugins.sockets else []

    async def _start_docker(self) -> None:
        """Docker when the daemon is there; the reporter keeps reconnecting if it goes away. A daemon whose unix
        socket does not exist yet is looked for every 10 s, without loading the docker SDK (6 MB of modules) for
        the hosts that have none (containerd-only Kubernetes nodes, plain servers)."""
        if not self.config.docker:
            self.sources["docker"] = {"live": False, "reason": "turned off (--no-docker)"}
            return
        self._docker_looked = time.monotonic()
        host = docker_host()
        if socket_missing(host):
            self.sources["docker"] = {"live": False, "reason": f"no Docker daemon at {host}"}
            return
        from scopeprobe.docker_link import DockerLink

        self.docker = DockerLink(self.hostname, self.config.probe_id, self._shortcut,
                                 omit_env_vars=not self.config.docker_env_vars)
        self.docker.register(self.controls)
        await self.docker.reporter.start()
        with contextlib.suppress(TimeoutError):
            await self.docker.reporter.wait_connected(2.0)
        self._update_sources()

    async def _start_kubernetes(self) -> None:
        """Kubernetes when an API server is configured; informers keep retrying if it goes away."""
        if not self.config.kubernetes:
            self.sources["kubernetes"] = {"live": False, "reason": "turned off (--no-kubernetes)"}
            return
        try:
            api, origin = await asyncio.to_thread(api_client, self.config.kubeconfig)
        except NoApiServer as e:
            self.sources["kubernetes"] = {"live": False, "reason": str(e)}
            log.info("Kubernetes off", extra={"reason": str(e)})
            return
        # Imported only now: the official client is 40 MB of modules a probe without Kubernetes never needs.
        from scopeprobe.kubernetes.controls import KubernetesControls
        from scopeprobe.kubernetes.reporter import KubernetesReporter

        loop = asyncio.get_running_loop()

        def shortcut(report: Report) -> None:  # from the reporter's thread
            loop.call_soon_threadsafe(self._shortcut, report)

        node_name = (self.config.kubernetes_node_name or os.environ.get("KUBERNETES_NODENAME") or self.hostname)
        self.kubernetes = KubernetesReporter(
            api, role=Role(self.config.kubernetes_role), node_name=node_name, hostname=self.hostname,
            probe_id=self.config.probe_id, on_shortcut=shortcut)
        KubernetesControls(self.kubernetes).register(self.controls)
        self.kubernetes.start()
        synced = await asyncio.to_thread(self.kubernetes.wait_synced, 5.0)
        log.info("Kubernetes on", extra={"from": origin, "role": self.config.kubernetes_role, "node": node_name,
                                         "synced": synced})
        self._update_sources()

    def _update_sources(self) -> None:
        if self.kubernetes is not None:
            errors = self.kubernetes.errors
            live = not errors
            if self.sources.get("kubernetes", {}).get("live") != live:
                reason = "" if live else "; ".join(f"{k}: {v}" for k, v in sorted(errors.items()))
                self.sources["kubernetes"] = {"live": live, "reason": reason}
                self._tell_sources()
        if self.docker is None:
            return
        live = self.docker.reporter.connected
        if self.sources.get("docker", {}).get("live") != live:
            self.sources["docker"] = {"live": live, "reason": "" if live else "no Docker daemon answers"}
            self._tell_sources()

    def _tell_sources(self) -> None:
        for c in self.clients:
            if isinstance(c, GrpcAppClient):
                c.set_sources(dict(self.sources))

    def _shortcut(self, report: Report) -> None:
        """A container changed: publish it now (Scope's shortcut reports), not at the next interval."""
        body = dumps(report, MSGPACK, GZIP)
        for c in self.clients:
            c.publish(body, "shortcut")

    async def _start_conntrack(self) -> "FlowTracker | None":
        """conntrack for connection direction and short-lived connections; without it, /proc alone."""
        if not self.config.conntrack:
            self.sources["conntrack"] = {"live": False, "reason": "turned off (--no-conntrack)"}
            return None
        from scopeprobe.conntrack.tracker import FlowTracker  # pyroute2: only for probes that use conntrack

        tracker = FlowTracker()
        try:
            await tracker.start()
        except NotSupported as e:
            self.sources["conntrack"] = {"live": False, "reason": str(e)}
            log.warning("conntrack unavailable, using /proc alone", extra={"reason": str(e)})
            return None
        self.sources["conntrack"] = {"live": True, "reason": ""}
        return tracker

    def publish(self) -> None:
        """Send what has been seen since the last publish to every app."""
        out = self.next_publication()
        if out is None:
            return
        report, kind = out
        body = dumps(report, MSGPACK, GZIP)
        self.metrics.publishes.labels(kind).inc()
        self.metrics.report_bytes.inc(len(body))
        for c in self.clients:
            c.publish(body, kind)
        self.metrics.dropped.set(sum(c.stats.dropped for c in self.clients))

    async def _client(self, target: str) -> AppClient:
        identity = Identity(self.config.probe_id, self.hostname, __version__, self.sources)
        url = target if "://" in target else f"grpc://{target}"
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("http", "https"):
            stream = await _discover_stream(url, self.config.tls_ca)
            if stream is None:
                from scopeprobe.http_publish import HttpAppClient  # aiohttp: only to publish to a Scope app

                log.info("app speaks only Scope's HTTP API: posting reports", extra={"app": url})
                return HttpAppClient(url, identity, token=self.config.token)
            target = f"{parts.hostname}:{stream.rsplit(':', 1)[1]}"
        else:
            target = parts.netloc
        credentials = (grpc.ssl_channel_credentials(root_certificates=self.config.tls_ca.read_bytes())
                       if self.config.tls_ca is not None else None)
        client = GrpcAppClient(target, identity, token=self.config.token, credentials=credentials)

        def send(pipe_id: str, data: bytes | None) -> None:
            client.send(PipeData(pipe_id, data) if data is not None else PipeClose(pipe_id, "closed by probe"))

        pipes = Pipes(send)

        async def on_control(req: ControlRequest) -> Mapping[str, Any]:
            return await self.controls.handle(req.node_id, req.control, req.args, pipes)

        client.on_control = on_control
        client.on_pipe = pipes.from_app
        return client


async def _discover_stream(url: str, ca: Path | None = None) -> str | None:
    """Ask an app for its probe stream address (our capability); None for a Scope app or no answer. (The
    standard library's client, in a thread: this one request does not justify loading aiohttp.)"""
    ssl_ctx = ssl.create_default_context(cafile=str(ca)) if ca is not None else None

    def get() -> Any:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api", timeout=5, context=ssl_ctx) as resp:
            return json.loads(resp.read(1 << 20))

    try:
        body = await asyncio.to_thread(get)
    except (OSError, ValueError):  # URLError, HTTPError, timeouts and bad JSON
        return None
    stream = (body.get("capabilities") or {}).get("probe_stream") if isinstance(body, dict) else None
    return stream if isinstance(stream, str) and ":" in stream else None

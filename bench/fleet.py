"""A synthetic fleet of Scope probes: seeded, deterministic reports shaped like Weave Scope 1.13's.

It is the fleet of the reference notes §7 (Scope's figures for H hosts x P processes): every process
listens on one TCP port and keeps `conns` (3) long-lived outgoing connections to processes on *other*
hosts, and every host runs a probe that spies once a second and publishes a full report every
`spy_ticks` (3) spy ticks. Benchmarks, app load tests and render benchmarks share it, so that their
figures are about the same input.

API
---
    Fleet(hosts, procs, seed=0, conns=3, spy_ticks=3, start=START, local_lan=False)
        The fleet's shape. Frozen and hashable; its layout (pids, ports, who connects to whom) is drawn
        from `seed` once and cached. Same arguments, same reports, in any process (no hash-seed effects).
    host_report(fleet, host_index, tick) -> Report
        The full report host `host_index` publishes at publish tick `tick` (>= 0).
    fleet_reports(hosts, procs, tick=0, *, seed=0) -> list[Report]
        One report per host, all of publish tick `tick` (what an app holds once every probe published).
    window(hosts, procs, ticks=5, *, seed=0) -> list[Report]
        `ticks` consecutive reports per host, ordered by tick then host: 5 x 3 s = the app's 15 s window.
    Fleet.merged_counts() -> dict[TopologyKind, int]
        Node counts of the merge of any set of whole ticks (what a test of a merged fleet can assert).
    Fleet.hostname(h), .host_id(h), .address(h), .pids(h)
        Names of host h and its processes, to build expected node IDs from.

Time
----
Timestamps are ints, ns since the Unix epoch. Spy tick `s` of host `h` happens at
`start + s * SPY_INTERVAL + phase(h)`: 1 s apart, `phase` being a fixed per-host offset below 1 s so
that hosts are not in lock-step. The report of publish tick `t` covers spy ticks `t * spy_ticks` to
`(t + 1) * spy_ticks - 1`: its `ts` is just before the first of them, its `window` is `spy_ticks`
seconds, every metric has one sample per spy tick (3), and latest entries are stamped at the last spy
tick (plus a few ms, as a probe's reporters run one after another). Merging the 5 reports of a window
therefore gives 15 samples per metric and the newest latest values, as in Scope's app.

What a host report holds (the shapes of fixtures/scope-1.13/probe_report.json)
------------------------------------------------------------------------------
* Process (P nodes, `host;pid`): latest `pid name ppid cmdline threads host_node_id`; metrics
  `process_cpu_usage_percent process_memory_usage_bytes open_files_count`; parents `host`.
  The topology carries Scope's shape, labels and metadata/metric templates.
* Host (1 node, `host;<host>`): latest `host_node_id host_name os kernel_version uptime ts
  host_scope_version control_probe_id active_controls`; set `local_networks`; metrics
  `host_cpu_usage_percent host_mem_usage_bytes load1`; parents `host`. The topology carries Scope's
  shape, labels, templates and the `host_exec` control.
* Endpoint (`scope;ip;port`, built with `scopecore.report.ids`): what Scope's connection tracker
  reports from its /proc walk, the direction chosen by its port heuristic (ephemeral -> listening):
    - each outgoing connection of a local process: the local endpoint, with latest `pid` and
      `host_node_id` and adjacency to the remote listening endpoint, plus a bare node for the latter;
    - each incoming connection to a local process: a bare node for the remote client endpoint, with
      adjacency to the local listening endpoint, which has latest `pid` and `host_node_id`.
  So about 10 P endpoint nodes per host report; in a merged fleet, 3 H P client endpoints plus one
  listening endpoint per process that anyone connects to (about 4 H P).
* DNS: reverse names of the report's addresses (own and peers'). No plugins; Sampling 0/0; a seeded ID.

Endpoint scoping: Scope scopes an address by the reporting host's ID only when the address is in the
probe's local networks (docker bridge, weave), not for a LAN address. The fleet's hosts talk over
10.0.0.0/16, so by default endpoint IDs are unscoped (`;10.0.0.7;41234`) and both probes of a
connection name its endpoints alike: that is what joins the two halves into a cross-host edge in a
merged report. `local_lan=True` declares the LAN local, so every endpoint ID is scoped by the reporting
host's name (`ip-10-0-0-4;10.0.0.7;41234`), exactly as Scope would write it then; the two halves of a
connection then stay separate nodes (more nodes, no cross-host joins).

Stable across ticks: hosts, pids, names, ports and connections (no churn). Changing: metric values
and every timestamp. IDs are fresh strings per report, like a decoded report's.
"""

import functools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scopecore.report import (
    DNSRecord,
    MetadataTemplate,
    Metric,
    Metrics,
    MetricTemplate,
    Node,
    Report,
    ReportBuilder,
    Sets,
    Topology,
    TopologyKind,
    ids,
)
from scopecore.report.latest import LatestMap
from scopecore.report.templates import Control

__all__ = [
    "SPY_INTERVAL",
    "START",
    "Fleet",
    "fleet_reports",
    "host_report",
    "window",
]

NS = 1_000_000_000
SPY_INTERVAL = NS  # Scope's --spy.interval default
START = 1_796_414_350_000_000_000  # 2026-12-04T19:59:10Z, the shop fixture's capture time
SCOPE_VERSION = "1.13.2"
KERNEL = "5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023"
NO_MEMORY_LIMIT = 1.8446744073709552e19  # what Scope reports as a process's memory max with no cgroup limit

# (name, cmdline without the trailing space Scope leaves, threads, base CPU %, base RSS bytes, open files)
_PROGRAMS: tuple[tuple[str, str, int, float, int, int], ...] = (
    ("nginx", "nginx: worker process", 1, 0.8, 12_582_912, 42),
    ("postgres", "postgres: app orders 10.0.0.12(41234) idle", 1, 1.5, 58_720_256, 27),
    ("redis-server", "/usr/bin/redis-server 0.0.0.0:6379", 5, 0.6, 9_437_184, 18),
    ("java", "/usr/bin/java -Xmx512m -jar /srv/orders/orders-service.jar --spring.profiles.active=prod", 41,
     6.0, 612_368_384, 180),
    ("node", "node /srv/web/server.js --port 3000", 11, 2.5, 96_468_992, 35),
    ("python3", "/usr/bin/python3 -m gunicorn --workers 4 --bind 0.0.0.0:8000 shop.wsgi:application", 3, 1.2,
     71_303_168, 22),
    ("envoy", "envoy -c /etc/envoy/envoy.yaml --service-cluster shop --service-node sidecar", 16, 0.9,
     41_943_040, 64),
    ("memcached", "memcached -m 64 -p 11211 -u memcache", 4, 0.3, 5_242_880, 12),
)

PROCESS_TOPOLOGY = Topology(
    shape="square",
    label="process",
    label_plural="processes",
    metadata_templates={
        "pid": MetadataTemplate("pid", "PID", datatype="number", priority=1.0, from_="latest"),
        "cmdline": MetadataTemplate("cmdline", "Command", priority=2.0, from_="latest"),
        "ppid": MetadataTemplate("ppid", "Parent PID", datatype="number", priority=3.0, from_="latest"),
        "threads": MetadataTemplate("threads", "# Threads", datatype="number", priority=4.0, from_="latest"),
    },
    metric_templates={
        "process_cpu_usage_percent": MetricTemplate("process_cpu_usage_percent", "CPU", "percent",
                                                    priority=1.0),
        "process_memory_usage_bytes": MetricTemplate("process_memory_usage_bytes", "Memory", "filesize",
                                                     priority=2.0),
        "open_files_count": MetricTemplate("open_files_count", "Open files", "integer", priority=3.0),
    },
)

HOST_TOPOLOGY = Topology(
    shape="circle",
    label="host",
    label_plural="hosts",
    metadata_templates={
        "kernel_version": MetadataTemplate("kernel_version", "Kernel version", priority=1.0, from_="latest"),
        "uptime": MetadataTemplate("uptime", "Uptime", datatype="duration", priority=2.0, from_="latest"),
        "host_name": MetadataTemplate("host_name", "Hostname", priority=11.0, from_="latest"),
        "os": MetadataTemplate("os", "OS", priority=12.0, from_="latest"),
        "local_networks": MetadataTemplate("local_networks", "Local networks", priority=13.0, from_="sets"),
        "host_scope_version": MetadataTemplate("host_scope_version", "Scope version", priority=14.0,
                                               from_="latest"),
    },
    metric_templates={
        "host_cpu_usage_percent": MetricTemplate("host_cpu_usage_percent", "CPU", "percent", priority=1.0),
        "host_mem_usage_bytes": MetricTemplate("host_mem_usage_bytes", "Memory", "filesize", priority=2.0),
        "load1": MetricTemplate("load1", "Load (1m)", group="load", priority=11.0),
    },
    controls={"host_exec": Control("host_exec", "Exec shell", "fa fa-terminal")},
)


@dataclass(frozen=True, slots=True)
class Fleet:
    """The shape of a synthetic fleet: `hosts` x `procs` processes, `conns` outgoing connections each."""

    hosts: int
    procs: int
    seed: int = 0
    conns: int = 3
    spy_ticks: int = 3  # spy ticks per published report: Scope's 1 s spy and 3 s publish intervals
    start: int = START
    local_lan: bool = False

    def __post_init__(self) -> None:
        if self.hosts < 2:
            raise ValueError("a fleet needs at least 2 hosts: connections go to other hosts")
        if self.hosts > 60_000 or not 1 <= self.procs <= 30_000 or self.conns < 0 or self.spy_ticks < 1:
            raise ValueError(f"unsupported fleet shape: {self}")

    @property
    def publish_interval(self) -> int:
        """ns between two reports of one host."""
        return self.spy_ticks * SPY_INTERVAL

    def hostname(self, host_index: int) -> str:
        """The hostname of a host (AWS style, from its address)."""
        return "ip-" + _address(host_index).replace(".", "-")

    def host_id(self, host_index: int) -> str:
        """The host node ID of a host."""
        return ids.host(self.hostname(host_index))

    def address(self, host_index: int) -> str:
        """The LAN address of a host."""
        return _address(host_index)

    def pids(self, host_index: int) -> list[int]:
        """The pids of a host's processes, in process index order."""
        return [p.pid for p in _layout(self).hosts[host_index].procs]

    def merged_counts(self) -> dict[TopologyKind, int]:
        """Node counts per topology of the merge of any set of whole ticks (all hosts' reports of each)."""
        endpoints: set[str] = set()
        for h in range(self.hosts):
            for node_id, _, _ in _endpoint_plan(self, h):
                endpoints.add(node_id)
        return {
            TopologyKind.ENDPOINT: len(endpoints),
            TopologyKind.PROCESS: self.hosts * self.procs,
            TopologyKind.HOST: self.hosts,
        }


def host_report(fleet: Fleet, host_index: int, tick: int) -> Report:
    """The full report host `host_index` publishes at publish tick `tick` (see the module docstring)."""
    if not 0 <= host_index < fleet.hosts:
        raise IndexError(f"host {host_index} of a fleet of {fleet.hosts}")
    if tick < 0:
        raise ValueError(f"tick {tick} < 0")
    lay = _layout(fleet)
    hl = lay.hosts[host_index]
    rng = random.Random(f"scope-fleet:{fleet.seed}:{fleet.hosts}x{fleet.procs}:{host_index}:{tick}")
    k = fleet.spy_ticks
    first = tick * k
    times = tuple(fleet.start + (first + i) * SPY_INTERVAL + hl.phase for i in range(k))
    last = times[-1]
    # A probe's reporters run one after another within the tick: endpoints, processes, host, then the tagger.
    t_endpoint = last + 1_210_000 + rng.randrange(50_000)
    t_process = last + 2_730_000 + rng.randrange(50_000)
    t_host = last + 3_150_000 + rng.randrange(50_000)
    t_tag = t_host + 440_000 + rng.randrange(50_000)

    b = ReportBuilder(ts=times[0] - 17_000_000, window=fleet.publish_interval)
    b.describe(TopologyKind.PROCESS, PROCESS_TOPOLOGY)
    b.describe(TopologyKind.HOST, HOST_TOPOLOGY)
    host_id = fleet.host_id(host_index)
    hostname = fleet.hostname(host_index)
    host_parents = Sets({"host": frozenset((host_id,))})

    # Processes.
    for p in hl.procs:
        cpu = tuple(p.cpu * (0.5 + rng.random()) for _ in times)
        mem = tuple(float(p.rss + 4096 * rng.randrange(512)) for _ in times)
        files = tuple(float(p.files + rng.randrange(3)) for _ in times)
        b.add(TopologyKind.PROCESS, Node(
            id=ids.process(hostname, p.pid),
            topology="process",
            latest=LatestMap({
                "pid": (t_process, str(p.pid)),
                "name": (t_process, p.name),
                "ppid": (t_process, str(p.ppid)),
                "cmdline": (t_process, p.cmdline),
                "threads": (t_process, str(p.threads)),
                "host_node_id": (t_tag, host_id),
            }),
            parents=host_parents,
            metrics=Metrics({
                "process_cpu_usage_percent": Metric(times, cpu, min(cpu), 100.0 * hl.ncpu),
                "process_memory_usage_bytes": Metric(times, mem, min(mem), NO_MEMORY_LIMIT),
                "open_files_count": Metric(times, files, min(files), 65536.0),
            }),
        ))

    # Endpoints.
    for node_id, pid, target in _endpoint_plan(fleet, host_index):
        latest = (
            LatestMap({"pid": (t_endpoint, str(pid)), "host_node_id": (t_endpoint, host_id)})
            if pid
            else LatestMap.empty()
        )
        b.add(TopologyKind.ENDPOINT, Node(
            id=node_id,
            topology="endpoint",
            latest=latest,
            adjacency=frozenset((target,)) if target else frozenset(),
        ))

    # The host.
    cpu = tuple(min(100.0, hl.load * (0.6 + 0.8 * rng.random())) for _ in times)
    mem = tuple(float(hl.mem_used + 1_048_576 * rng.randrange(-64, 64)) for _ in times)
    load = tuple(round(hl.ncpu * hl.load / 100.0 * (0.8 + 0.4 * rng.random()), 2) for _ in times)
    uptime = hl.boot_uptime + (last - fleet.start) // NS
    b.add(TopologyKind.HOST, Node(
        id=host_id,
        topology="host",
        latest=LatestMap({
            "host_node_id": (t_tag, host_id),
            "host_name": (t_host, hostname),
            "os": (t_host, "linux"),
            "kernel_version": (t_host, KERNEL),
            "uptime": (t_host, str(uptime)),
            "host_scope_version": (t_host, SCOPE_VERSION),
            "ts": (t_host, _rfc3339(t_host - 3_700)),
            "control_probe_id": (t_host, hl.probe_id),
            "active_controls": (t_host, "host_exec"),
        }),
        sets=Sets({"local_networks": frozenset(("127.0.0.1/8", f"{fleet.address(host_index)}/16",
                                                "172.17.0.1/16"))}),
        parents=host_parents,
        metrics=Metrics({
            "host_cpu_usage_percent": Metric(times, cpu, min(cpu), 100.0),
            "host_mem_usage_bytes": Metric(times, mem, min(mem), float(hl.mem_total)),
            "load1": Metric(times, load, min(load), max(load)),
        }),
    ))

    dns = {
        _address(h): DNSRecord(reverse=frozenset((fleet.hostname(h),)))
        for h in (host_index, *hl.peers)
    }
    b.merge(Report(dns=dns))
    return b.freeze(report_id=str(rng.getrandbits(63)))


def fleet_reports(hosts: int, procs: int, tick: int = 0, *, seed: int = 0) -> list[Report]:
    """One report per host of a `hosts` x `procs` fleet, all of publish tick `tick`."""
    fleet = Fleet(hosts, procs, seed=seed)
    return [host_report(fleet, h, tick) for h in range(hosts)]


def window(hosts: int, procs: int, ticks: int = 5, *, seed: int = 0) -> list[Report]:
    """`ticks` consecutive reports (ticks 0..ticks-1) of every host, ordered by tick then host: 5 = 15 s."""
    fleet = Fleet(hosts, procs, seed=seed)
    return [host_report(fleet, h, t) for t in range(ticks) for h in range(hosts)]


# Layout: everything about the fleet that does not change from tick to tick, drawn once from the seed.


@dataclass(frozen=True, slots=True)
class _Proc:
    pid: int
    ppid: int
    name: str
    cmdline: str
    threads: int
    cpu: float  # mean CPU %
    rss: int
    files: int
    port: int  # listening port


@dataclass(frozen=True, slots=True)
class _Conn:
    proc: int  # index of the connecting process on its host
    port: int  # its ephemeral port
    peer_host: int
    peer_proc: int


@dataclass(frozen=True, slots=True)
class _Host:
    procs: tuple[_Proc, ...]
    outgoing: tuple[_Conn, ...]
    incoming: tuple[tuple[int, _Conn], ...]  # (client host, its connection), peer_proc is on this host
    peers: tuple[int, ...]  # hosts this one has connections with, sorted
    phase: int  # ns offset of this host's spy ticks
    ncpu: int
    load: float  # mean host CPU %
    mem_total: int
    mem_used: int
    boot_uptime: int  # s
    probe_id: str


@dataclass(frozen=True, slots=True)
class _Layout:
    hosts: tuple[_Host, ...]


@functools.cache
def _layout(fleet: Fleet) -> _Layout:
    rng = random.Random(f"scope-fleet-layout:{fleet.seed}:{fleet.hosts}x{fleet.procs}x{fleet.conns}")
    procs: list[tuple[_Proc, ...]] = []
    outgoing: list[list[_Conn]] = []
    for _ in range(fleet.hosts):
        pids = rng.sample(range(300, 4_194_304), fleet.procs)
        ports = rng.sample(range(1024, 32768), fleet.procs)
        ps = []
        for j, pid in enumerate(pids):
            name, cmdline, threads, cpu, rss, files = _PROGRAMS[rng.randrange(len(_PROGRAMS))]
            ppid = 1 if j == 0 or rng.random() < 0.5 else pids[rng.randrange(j)]
            ps.append(_Proc(pid, ppid, name, cmdline + " ", threads, cpu * (0.5 + rng.random()),
                            rss + 4096 * rng.randrange(4096), files + rng.randrange(16), ports[j]))
        procs.append(tuple(ps))
    for h in range(fleet.hosts):
        eph = rng.sample(range(32768, 61000), fleet.procs * fleet.conns)
        conns: list[_Conn] = []
        for j in range(fleet.procs):
            for k in range(fleet.conns):
                peer = rng.randrange(fleet.hosts - 1)
                peer += peer >= h
                conns.append(_Conn(j, eph[j * fleet.conns + k], peer, rng.randrange(fleet.procs)))
        outgoing.append(conns)
    incoming: list[list[tuple[int, _Conn]]] = [[] for _ in range(fleet.hosts)]
    for h, out in enumerate(outgoing):
        for c in out:
            incoming[c.peer_host].append((h, c))
    hosts = []
    for h in range(fleet.hosts):
        peers = {c.peer_host for c in outgoing[h]} | {ch for ch, _ in incoming[h]}
        ncpu = rng.choice((2, 4, 8, 16))
        mem_total = ncpu * 4 * 1024**3
        hosts.append(_Host(
            procs=procs[h],
            outgoing=tuple(outgoing[h]),
            incoming=tuple(incoming[h]),
            peers=tuple(sorted(peers)),
            phase=rng.randrange(SPY_INTERVAL),
            ncpu=ncpu,
            load=rng.uniform(5.0, 60.0),
            mem_total=mem_total,
            mem_used=int(mem_total * rng.uniform(0.2, 0.8)),
            boot_uptime=rng.randrange(3600, 90 * 86400),
            probe_id=f"{rng.getrandbits(64):016x}",
        ))
    return _Layout(tuple(hosts))


def _address(host_index: int) -> str:
    return f"10.0.{host_index // 250}.{host_index % 250 + 4}"


def _endpoint_plan(fleet: Fleet, host_index: int) -> list[tuple[str, int, str]]:
    """(node ID, pid or 0, adjacent ID or "") of every endpoint node of a host's report, each once."""
    lay = _layout(fleet)
    hl = lay.hosts[host_index]
    # The reporting host's scope if the LAN is a local network, else none (ids.address_scope's rule).
    scope = ids.address_scope(fleet.hostname(host_index), address_is_local=fleet.local_lan, is_loopback=False)
    own = fleet.address(host_index)
    plan: dict[str, tuple[str, int, str]] = {}
    for c in hl.outgoing:
        src = ids.endpoint(scope, own, c.port)
        dst = ids.endpoint(scope, _address(c.peer_host), lay.hosts[c.peer_host].procs[c.peer_proc].port)
        plan[src] = (src, hl.procs[c.proc].pid, dst)
        plan.setdefault(dst, (dst, 0, ""))
    for client_host, c in hl.incoming:
        listener = hl.procs[c.peer_proc]
        src = ids.endpoint(scope, _address(client_host), c.port)
        dst = ids.endpoint(scope, own, listener.port)
        plan[src] = (src, 0, dst)
        plan[dst] = (dst, listener.pid, "")
    return list(plan.values())


def _rfc3339(ns: int) -> str:
    secs, frac = divmod(ns, NS)
    dt = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=secs)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac:09d}".rstrip("0") if frac else "") + "Z"

"""Process nodes from a /proc walk (Scope's probe/process reporter), with what Scope lacked: user, uid, cwd,
start time and virtual memory."""

from scopecore.codec.times import format_rfc3339
from scopecore.report import Metric, Metrics, Node, ReportBuilder, Sets, TopologyKind, ids
from scopeprobe.procfs import ProcessSnapshot
from scopeprobe.stamps import Stamper

NS = 1_000_000_000


def _sample(now: int, value: float, hi: float) -> Metric:
    # Scope's min/max are bounds of the gauge (max = capacity), not of the samples.
    return Metric((now,), (value,), value, hi)


def add_processes(builder: ReportBuilder, snapshot: ProcessSnapshot, host_id: str, now: int,
                  stamper: Stamper) -> None:
    """One node per process, keyed `host;pid`, parented to its host."""
    host_node = ids.host(host_id)
    parents = Sets({"host": frozenset({host_node})})
    for p in snapshot.processes:
        node_id = ids.process(host_id, p.pid)
        values = {
            "pid": str(p.pid), "name": p.name, "ppid": str(p.ppid), "cmdline": p.cmdline, "threads": str(p.threads),
            "user": p.user, "uid": str(p.uid), "started": format_rfc3339(int(p.start_time * NS)),
            "vsz_bytes": str(p.vsz_bytes), "host_node_id": host_node,
        }
        if p.cwd is not None:
            values["cwd"] = p.cwd
        metrics = {"process_memory_usage_bytes": _sample(now, float(p.rss_bytes), float(p.rss_limit_bytes))}
        if p.cpu_percent is not None:  # None on a process's first walk: CPU % needs two
            metrics["process_cpu_usage_percent"] = _sample(now, p.cpu_percent, snapshot.cpu_max)
        if p.open_files is not None:
            limit = p.open_files_limit if p.open_files_limit is not None else p.open_files
            metrics["open_files_count"] = _sample(now, float(p.open_files), float(limit))
        builder.add(TopologyKind.PROCESS, Node(node_id, "process", stamper.stamp(node_id, values, now),
                                               parents=parents, metrics=Metrics(metrics)))

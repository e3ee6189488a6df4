"""The host node (Scope's probe/host reporter) with what Scope lacked: CPU architecture and count, memory size,
every interface address, disk usage per filesystem, and network and disk rates."""

from scopecore.codec.times import format_rfc3339
from scopecore.report import Metric, Metrics, Node, ReportBuilder, Sets, TopologyKind, ids
from scopeprobe.hostinfo import DiskUsage, HostFacts, HostSample
from scopeprobe.stamps import Stamper
from scopeprobe.topologies import HOST_EXEC


def add_host(builder: ReportBuilder, facts: HostFacts, sample: HostSample, disks: list[DiskUsage], *,
             probe_id: str, version: str, now: int, stamper: Stamper) -> str:
    """The host node; returns its ID."""
    node_id = ids.host(facts.hostname)
    values = {
        "host_node_id": node_id, "host_name": facts.hostname, "os": facts.os, "kernel_version": facts.kernel,
        "uptime": str(int(sample.uptime_seconds)), "ts": format_rfc3339(now), "host_scope_version": version,
        "control_probe_id": probe_id, "active_controls": HOST_EXEC,
        "cpu_arch": facts.machine, "cpu_count": str(facts.cpu_count), "mem_total_bytes": str(facts.mem_total_bytes),
        "load5": f"{sample.load.load5:.2f}", "load15": f"{sample.load.load15:.2f}",
    }
    for d in disks:  # a multicolumn table: rows `host_disk_<mount>___<column>`
        row = f"host_disk_{d.mount_point}___"
        values[row + "used"] = str(d.used_bytes)
        values[row + "total"] = str(d.total_bytes)
        values[row + "percent"] = f"{d.used_percent:.1f}"
    m = sample.memory
    metrics = {
        "host_mem_usage_bytes": Metric((now,), (float(m.used),), 0.0, float(m.total)),
        "load1": Metric((now,), (sample.load.load1,), sample.load.load1, sample.load.load1),
    }
    if sample.cpu_percent is not None:
        metrics["host_cpu_usage_percent"] = Metric((now,), (sample.cpu_percent,), 0.0, 100.0)
    if sample.net:
        for name, v in (("host_net_rx_bytes", sample.net_rx_bytes_per_s), ("host_net_tx_bytes",
                                                                             sample.net_tx_bytes_per_s)):
            metrics[name] = Metric((now,), (v,), 0.0, v)
    if sample.disks:
        for name, v in (("host_disk_read_bytes", sample.disk_read_bytes_per_s),
                        ("host_disk_write_bytes", sample.disk_write_bytes_per_s)):
            metrics[name] = Metric((now,), (v,), 0.0, v)
    sets = Sets.of({"local_networks": facts.local_networks,
                    "host_ips": [a.address for a in facts.addresses]})
    builder.add(TopologyKind.HOST, Node(node_id, "host", stamper.stamp(node_id, values, now), sets=sets,
                                        parents=Sets({"host": frozenset({node_id})}), metrics=Metrics(metrics)))
    return node_id

"""How the probe's topologies are shown: Scope 1.13's shapes, labels, templates and controls (as its probe
writes them, fixtures/scope-1.13/report.json), plus rows for what we report beyond Scope."""

from scopecore.report import Column, Control, MetadataTemplate, MetricTemplate, TableTemplate, Topology

HOST_EXEC = "host_exec"
HOST_RESIZE = "host_resize_exec_tty"


def _meta(*rows: tuple[str, str, float, str, str]) -> dict[str, MetadataTemplate]:
    return {i: MetadataTemplate(i, label, datatype=dt, priority=prio, from_=src) for i, label, prio, dt, src in rows}


def _metrics(*rows: tuple[str, str, float, str, str]) -> dict[str, MetricTemplate]:
    return {i: MetricTemplate(i, label, format=fmt, group=group, priority=prio) for i, label, prio, fmt, group in rows}


PROCESS = Topology(
    shape="square", label="process", label_plural="processes",
    metadata_templates=_meta(
        ("pid", "PID", 1.0, "number", "latest"), ("cmdline", "Command", 2.0, "", "latest"),
        ("ppid", "Parent PID", 3.0, "number", "latest"), ("threads", "# Threads", 4.0, "number", "latest"),
        # Beyond Scope:
        ("user", "User", 5.0, "", "latest"), ("uid", "UID", 6.0, "number", "latest"),
        ("cwd", "Working directory", 7.0, "", "latest"), ("started", "Started", 8.0, "datetime", "latest"),
        ("vsz_bytes", "Virtual memory", 9.0, "number", "latest"),
    ),
    metric_templates=_metrics(
        ("process_cpu_usage_percent", "CPU", 1.0, "percent", ""),
        ("process_memory_usage_bytes", "Memory", 2.0, "filesize", ""),
        ("open_files_count", "Open files", 3.0, "integer", ""),
    ),
)

HOST = Topology(
    shape="circle", label="host", label_plural="hosts",
    controls={HOST_EXEC: Control(HOST_EXEC, "Exec shell", "fa fa-terminal", rank=0)},
    metadata_templates=_meta(
        ("kernel_version", "Kernel version", 1.0, "", "latest"), ("uptime", "Uptime", 2.0, "duration", "latest"),
        ("host_name", "Hostname", 11.0, "", "latest"), ("os", "OS", 12.0, "", "latest"),
        ("local_networks", "Local networks", 13.0, "", "sets"),
        ("host_scope_version", "Scope version", 14.0, "", "latest"),
        # Beyond Scope:
        ("cpu_arch", "CPU architecture", 3.0, "", "latest"), ("cpu_count", "CPUs", 4.0, "number", "latest"),
        ("mem_total_bytes", "Memory", 5.0, "number", "latest"), ("host_ips", "IP addresses", 6.0, "ip", "sets"),
        ("load5", "Load (5m)", 7.0, "number", "latest"), ("load15", "Load (15m)", 8.0, "number", "latest"),
    ),
    metric_templates=_metrics(
        ("host_cpu_usage_percent", "CPU", 1.0, "percent", ""),
        ("host_mem_usage_bytes", "Memory", 2.0, "filesize", ""),
        ("load1", "Load (1m)", 11.0, "", "load"),
        # Beyond Scope: rates per second.
        ("host_net_rx_bytes", "Network in", 3.0, "filesize", "network"),
        ("host_net_tx_bytes", "Network out", 4.0, "filesize", "network"),
        ("host_disk_read_bytes", "Disk read", 5.0, "filesize", "disk"),
        ("host_disk_write_bytes", "Disk write", 6.0, "filesize", "disk"),
    ),
    table_templates={"host_disk_": TableTemplate(
        "host_disk_", "Filesystems", prefix="host_disk_", type="multicolumn-table",
        columns=(
            Column("used", "Used", "number"),
            Column("total", "Size", "number"),
            Column("percent", "Use%", "number"),
        ))},
)

ENDPOINT = Topology()

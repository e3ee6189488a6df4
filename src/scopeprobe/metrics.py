"""The probe's own Prometheus metrics (per-reporter tick costs, publishing), in a registry of its own."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ProbeMetrics:
    """What `scope probe --metrics-listen` serves."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.reporter_seconds = Histogram("scope_probe_reporter_seconds", "Time one reporter took in a spy tick",
                                          ["reporter"], buckets=_BUCKETS, registry=r)
        self.tick_seconds = Histogram("scope_probe_tick_seconds", "Time of a whole spy tick", buckets=_BUCKETS,
                                      registry=r)
        self.publishes = Counter("scope_probe_publishes", "Reports published", ["kind"], registry=r)
        self.report_bytes = Counter("scope_probe_report_bytes", "Bytes of published report bodies", registry=r)
        self.dropped = Gauge("scope_probe_reports_dropped", "Reports dropped by full app queues", registry=r)
        self.nodes = Gauge("scope_probe_nodes", "Nodes in the last spy report", ["topology"], registry=r)

"""The app's Prometheus metrics, in a registry of its own (no import-time globals)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class AppMetrics:
    """Every metric the app exports on /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.reports = Counter("scope_reports_ingested", "Reports ingested", ["transport", "kind"], registry=r)
        self.report_bytes = Counter("scope_report_bytes", "Bytes of report bodies ingested", ["transport"],
                                    registry=r)
        self.rejected = Counter("scope_reports_rejected", "Report bodies rejected", ["reason"], registry=r)
        self.decode_seconds = Histogram("scope_report_decode_seconds", "Time to decode a report", registry=r)
        self.merge_seconds = Histogram("scope_merge_seconds", "Time to merge the window", registry=r)
        self.render_seconds = Histogram("scope_render_seconds", "Time to render a topology", ["topology"],
                                        registry=r)
        self.ws_clients = Gauge("scope_websocket_clients", "Open topology websockets", registry=r)
        self.controls = Counter("scope_controls", "Controls handled", ["result"], registry=r)
        self.pipes = Gauge("scope_pipes", "Open pipes", registry=r)
        self.probes = Gauge("scope_probes_connected", "Probes holding a stream", registry=r)

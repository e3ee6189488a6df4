"""Rendered views of the collector's current report, cached so that many clients share one render."""

import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from scopecore import render

from .collector import Collector
from .metrics import AppMetrics

_CACHE_SIZE = 64


class Views:
    """Renders on demand, memoised by (report generation, topology, options)."""

    def __init__(self, collector: Collector, metrics: AppMetrics) -> None:
        self.collector = collector
        self.metrics = metrics
        self._cache: OrderedDict[tuple[object, ...], Any] = OrderedDict()
        # One incremental renderer per (topology, options) in use: a new report re-renders only its probe's part.
        self._renderers: OrderedDict[tuple[object, ...], render.IncrementalRenderer] = OrderedDict()

    def _memo(self, key: tuple[object, ...], compute: Any) -> Any:
        key = (self.collector.generation, *key)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        value = compute()
        self._cache[key] = value
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return value

    def rendered(self, topology: str, options: Mapping[str, str]) -> render.Rendered:
        """The current render of a topology; raises render.UnknownTopology."""
        opts = tuple(sorted(options.items()))

        def compute() -> render.Rendered:
            started = time.perf_counter()
            key = (topology, opts)
            renderer = self._renderers.get(key)
            if renderer is None:
                renderer = self._renderers[key] = render.IncrementalRenderer(topology, dict(options))
                while len(self._renderers) > _CACHE_SIZE:
                    self._renderers.popitem(last=False)
            self._renderers.move_to_end(key)
            rendered = renderer.update(self.collector.probe_reports())
            self.metrics.render_seconds.labels(topology).observe(time.perf_counter() - started)
            return rendered

        result: render.Rendered = self._memo(("rendered", topology, opts), compute)
        return result

    def summaries(self, topology: str, options: Mapping[str, str]) -> dict[str, Any]:
        """node ID -> NodeSummary JSON; raises render.UnknownTopology."""
        result: dict[str, Any] = self._memo(("summaries", topology, tuple(sorted(options.items()))),
                                            lambda: dict(self.rendered(topology, options).summaries()))
        return result

    def search(self, topology: str, options: Mapping[str, str], queries: list[str]) -> list[str]:
        """IDs of the nodes every (pinned) query matches; raises render.QueryError, render.UnknownTopology."""
        parsed = [render.search.parse(q) for q in queries]
        rendered = self.rendered(topology, options)
        return sorted(render.filter_summaries(rendered.summaries(), parsed, rendered.nodes))

    def topologies(self, options: Mapping[str, str]) -> list[dict[str, Any]]:
        """The body of GET /api/topology."""
        opts = tuple(sorted(options.items()))
        # One query string applies to every topology, as in Scope.
        result: list[dict[str, Any]] = self._memo(
            ("list", opts), lambda: render.topology_list(
                self.collector.report(), {t.id: dict(options) for t in render.TOPOLOGIES} if options else None))
        return result

    def details(self, topology: str, node_id: str, options: Mapping[str, str]) -> dict[str, Any] | None:
        """The body of GET /api/topology/{topology}/{node}, or None for an unknown node."""
        result: dict[str, Any] | None = render.details(self.collector.report(), topology, node_id, dict(options))
        return result

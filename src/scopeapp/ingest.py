"""POST /api/report: exactly what a Scope 1.13 probe sends (msgpack or JSON, gzip, its headers and auth)."""

import secrets
import time

from aiohttp import hdrs, web

from scopecore import DecodeError
from scopecore.codec import loads
from scopecore.report import Report

from .collector import ReportKind
from .keys import COLLECTOR, CONFIG, METRICS
from .middleware import json_error


async def post_report(request: web.Request) -> web.Response:
    """Ingest one report. 400 names what is wrong with it, 413 when it is too large; nothing else is affected."""
    config, metrics = request.app[CONFIG], request.app[METRICS]
    if request.content_length is not None and request.content_length > config.max_body:
        metrics.rejected.labels("too_large").inc()
        return json_error(413, f"body is larger than the limit of {config.max_body} bytes")
    try:
        body = await request.content.read(config.max_body + 1)
    except ValueError:
        body = b""
    if len(body) > config.max_body:
        metrics.rejected.labels("too_large").inc()
        return json_error(413, f"body is larger than the limit of {config.max_body} bytes")
    started = time.perf_counter()
    try:
        report = loads(body, request.headers.get(hdrs.CONTENT_TYPE, ""),
                       request.headers.get(hdrs.CONTENT_ENCODING), max_size=config.max_decompressed)
    except DecodeError as e:
        reason = "too_large" if "larger than the limit" in str(e) else "undecodable"
        metrics.rejected.labels(reason).inc()
        return json_error(413 if reason == "too_large" else 400, f"bad report: {e}")
    metrics.decode_seconds.observe(time.perf_counter() - started)
    probe_id = request.headers.get("X-Scope-Probe-ID") or f"anonymous-{secrets.token_hex(4)}"
    accept(request.app, probe_id, report, len(body), "http",
           version=request.headers.get("X-Scope-Probe-Version", ""))
    return web.Response(status=200)


def accept(app: web.Application, probe_id: str, report: Report, size: int, transport: str, *,
           kind: ReportKind | None = None, hostname: str = "", version: str = "") -> None:
    """Hand a decoded report to the collector (both transports end here)."""
    if kind is None:
        kind = ReportKind.SHORTCUT if report.shortcut else ReportKind.FULL
    app[COLLECTOR].add(probe_id, report, kind, size=size, hostname=hostname, version=version, transport=transport)
    metrics = app[METRICS]
    metrics.reports.labels(transport, kind.value).inc()
    metrics.report_bytes.labels(transport).inc(size)

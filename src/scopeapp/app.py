"""The app factory and its servers: aiohttp for the HTTP/WebSocket API, grpc.aio for probe streams."""

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import socket
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace

import grpc
from aiohttp import web

from scopecore import DecodeError, __version__
from scopecore.codec import GZIP, MSGPACK, loads
from scopecore.protocol import Hello

from . import middleware
from .api import READY
from .audit import AuditLog
from .auth import Tokens
from .collector import Collector, ReportKind
from .config import AppConfig
from .grpc_ingest import ProbeService
from .ingest import accept
from .keys import AUDIT, COLLECTOR, CONFIG, GRPC_PORT, METRICS, PIPES, ROUTE_ROLES, SESSIONS, TOKENS, VIEWS
from .metrics import AppMetrics
from .pipes import Pipe, PipeHub
from .routes import install
from .sessions import ProbeUnavailable, Sessions
from .views import Views

log = logging.getLogger("scopeapp")


class ConfigError(Exception):
    """A configuration the app refuses to run with."""


def create_app(config: AppConfig, env: Mapping[str, str] | None = None) -> web.Application:
    """A ready-to-run app. Raises ConfigError for an exposed app without tokens."""
    tokens = Tokens.load(config.tokens_file, os.environ if env is None else env)
    if config.exposed and tokens.open:
        raise ConfigError(
            f"listening beyond loopback ({config.host}) needs tokens: pass --tokens FILE or set SCOPE_ADMIN_TOKEN "
            "(and SCOPE_PROBE_TOKEN for probes)")
    if not config.app_id:
        config = replace(config, app_id=secrets.token_hex(8))
    if not config.hostname:
        config = replace(config, hostname=socket.gethostname())
    app = web.Application(
        middlewares=[middleware.errors, middleware.authenticate, middleware.compress],
        client_max_size=config.max_body + 1,
        # Bodies are gunzipped by our codec, which caps the decompressed size (a gzip bomb stops there).
        handler_args={"auto_decompress": False},
    )
    app[CONFIG] = config
    app[TOKENS] = tokens
    app[COLLECTOR] = Collector(window=config.window)
    app[SESSIONS] = Sessions()
    app[METRICS] = AppMetrics()
    app[VIEWS] = Views(app[COLLECTOR], app[METRICS])
    app[READY] = {"http": False} | ({"grpc": False} if config.grpc_port is not None else {})
    app[GRPC_PORT] = []

    async def pipe_closed(pipe: Pipe, reason: str) -> None:
        app[AUDIT].write("pipe_close", reason, probe=pipe.probe_id, pipe=pipe.id, reason=reason)
        if reason not in ("closed by probe", "probe disconnected"):
            with contextlib.suppress(ProbeUnavailable):
                await app[SESSIONS].get(pipe.probe_id).pipe_close(pipe.id)

    app[PIPES] = PipeHub(config.pipe_idle_timeout, on_close=pipe_closed)
    app[ROUTE_ROLES] = install(app)
    app.cleanup_ctx.extend([_audit, _background, _grpc_server])
    app.on_startup.append(_mark_http_ready)
    return app


async def _mark_http_ready(app: web.Application) -> None:
    app[READY]["http"] = True


async def _audit(app: web.Application) -> AsyncIterator[None]:
    app[AUDIT] = AuditLog(app[CONFIG].audit_log)
    yield
    app[AUDIT].close()


async def _background(app: web.Application) -> AsyncIterator[None]:
    async def collector_gc() -> None:
        while True:
            await asyncio.sleep(1.0)
            app[COLLECTOR].gc()
            # Reports are acyclic (reference counting frees them), but the window holds millions of objects that
            # the cycle collector would otherwise walk again and again; move them out of its way.
            gc.freeze()

    tasks = [asyncio.create_task(collector_gc()), asyncio.create_task(app[PIPES].run_gc())]
    yield
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def on_probe_report(app: web.Application, probe_id: str, body: bytes, kind: str, hello: Hello) -> None:
    """A report from a probe stream: decode and collect it (a bad one is counted and dropped, alone)."""
    metrics = app[METRICS]
    started = time.perf_counter()
    try:
        report = loads(body, MSGPACK, GZIP, max_size=app[CONFIG].max_decompressed)
    except DecodeError as e:
        metrics.rejected.labels("undecodable").inc()
        log.warning("bad report from probe", extra={"probe": probe_id, "error": str(e)})
        return
    metrics.decode_seconds.observe(time.perf_counter() - started)
    try:
        report_kind = ReportKind(kind)
    except ValueError:
        report_kind = ReportKind.FULL
    accept(app, probe_id, report, len(body), "grpc", kind=report_kind, hostname=hello.hostname,
           version=hello.version)


async def _grpc_server(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if config.grpc_port is None:
        yield
        return
    collector = app[COLLECTOR]
    service = ProbeService(
        app[TOKENS], app[SESSIONS], app[PIPES],
        on_report=lambda pid, body, kind, hello: on_probe_report(app, pid, body, kind, hello),
        on_sources=lambda pid, sources: collector.set_probe(pid, sources=dict(sources)),
        app_id=config.app_id, version=__version__, control_timeout=config.control_timeout,
        on_connect=app[METRICS].probes.set,
    )
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", config.max_body),
                                      ("grpc.max_send_message_length", config.max_body)])
    server.add_generic_rpc_handlers((service.handler(),))
    address = f"{config.grpc_host}:{config.grpc_port}"
    if config.tls_cert and config.tls_key:
        creds = grpc.ssl_server_credentials([(config.tls_key.read_bytes(), config.tls_cert.read_bytes())])
        port = server.add_secure_port(address, creds)
    else:
        port = server.add_insecure_port(address)
    await server.start()
    app[GRPC_PORT].append(port)
    app[READY]["grpc"] = True
    yield
    app[READY]["grpc"] = False
    await server.stop(grace=1.0)


def ssl_context(config: AppConfig) -> ssl.SSLContext | None:
    """The HTTPS context when a certificate is configured."""
    if not (config.tls_cert and config.tls_key):
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(config.tls_cert, config.tls_key)
    return ctx


async def serve(config: AppConfig) -> tuple[web.AppRunner, web.Application]:
    """Start the app's servers; the runner (for cleanup) and the app."""
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, ssl_context=ssl_context(config))
    await site.start()
    return runner, app

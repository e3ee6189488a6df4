"""The small read endpoints: /api, /api/probes, /api/report, /metrics, /healthz, /readyz."""

from aiohttp import hdrs, web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from scopecore import __version__
from scopecore.codec import JSON, MSGPACK, dumps
from scopecore.codec.times import format_rfc3339

from .keys import COLLECTOR, CONFIG, GRPC_PORT, METRICS, SESSIONS

READY = web.AppKey("ready", dict[str, bool])


async def get_api(request: web.Request) -> web.Response:
    """Scope's `GET /api`: who this app is."""
    config = request.app[CONFIG]
    ports = request.app[GRPC_PORT]
    return web.json_response({
        "id": config.app_id,
        "version": __version__,
        "hostname": config.hostname,
        "plugins": [],
        # probe_stream: where our probes find the gRPC stream when given only the app's URL; a Scope app has
        # no such capability, and our probe then falls back to Scope's HTTP POST.
        "capabilities": {"historic_reports": False, "probe_stream": f"{config.grpc_host}:{ports[0]}" if ports
                         else None},
    })


async def get_probes(request: web.Request) -> web.Response:
    """Every probe that has published (Scope's or ours), online or not, and which of its sources are live."""
    sessions = request.app[SESSIONS]
    out = []
    for info, online in request.app[COLLECTOR].probes():
        out.append({
            "id": info.id,
            "hostname": info.hostname,
            "version": info.version,
            "lastSeen": format_rfc3339(int(info.last_seen * 1e9)),
            "online": online,
            "status": "online" if online else "offline",
            "transport": info.transport,
            "connected": info.id in sessions,
            "sources": info.sources,
            "reports": info.reports,
        })
    out.sort(key=lambda p: (p["hostname"], p["id"]))
    return web.json_response(out)


async def get_report(request: web.Request) -> web.Response:
    """The merged report: msgpack if asked for with Accept, JSON otherwise (as Scope)."""
    report = request.app[COLLECTOR].report()
    if MSGPACK in request.headers.get(hdrs.ACCEPT, ""):
        return web.Response(body=dumps(report, MSGPACK), content_type=MSGPACK)
    return web.Response(body=dumps(report, JSON), content_type=JSON)


async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus exposition of the app's own registry."""
    metrics = request.app[METRICS]
    metrics.probes.set(len(request.app[SESSIONS]))
    response = web.Response(body=generate_latest(metrics.registry))
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the event loop answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: every server this app runs is listening."""
    ready = request.app[READY]
    ok = all(ready.values())
    return web.json_response({"status": "ready" if ok else "starting", "servers": ready}, status=200 if ok else 503)


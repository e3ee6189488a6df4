"""Every HTTP route, with the role it needs and what it does: the one table the router, the auth middleware and
the OpenAPI document are built from, so none of them can drift from the others."""

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from aiohttp import web

from . import api, controls, ingest, openapi, scope_probes, topology, ui
from .auth import Role


class Route(NamedTuple):
    """One route: method, path, handler, needed role (None: public), summary for the OpenAPI document."""

    method: str
    path: str
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    role: Role | None
    summary: str
    websocket: bool = False


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api", api.get_api, Role.VIEWER, "Who this app is (Scope's /api)"),
    Route("GET", "/api/topology", topology.get_topologies, Role.VIEWER,
          "Every topology with its options, sub-topologies and stats"),
    Route("GET", "/api/topology/{topology}", topology.get_topology, Role.VIEWER,
          "One topology's node summaries; options as query parameters"),
    Route("GET", "/api/topology/{topology}/ws", topology.topology_ws, Role.VIEWER,
          "Websocket: first a reset with every node, then deltas {add, update, remove} at most every `t`",
          websocket=True),
    Route("GET", "/api/topology/{topology}/{node}", topology.get_node, Role.VIEWER,
          "One node's details: metadata, metrics, tables, children, connections, controls"),
    Route("GET", "/api/search", topology.search, Role.VIEWER,
          "IDs of a topology's nodes matching search queries (q repeats for pinned terms); 400 says where a query "
          "stops parsing"),
    Route("GET", "/api/probes", api.get_probes, Role.VIEWER,
          "Every probe that has published: online or offline, and which sources are live on it"),
    Route("GET", "/api/report", api.get_report, Role.VIEWER,
          "The merged report (msgpack with Accept: application/msgpack, JSON otherwise)"),
    Route("POST", "/api/report", ingest.post_report, Role.PROBE,
          "Ingest a report as Scope probes send it (msgpack or JSON, optionally gzip)"),
    Route("POST", "/api/control/{probe}/{node}/{control}", controls.post_control, Role.OPERATOR,
          "Run a control on a node through the probe that owns it; body: the control's arguments"),
    Route("POST", "/api/controls", controls.post_batch, Role.OPERATOR,
          "Run one control on many nodes; one result per node"),
    Route("GET", "/api/control/ws", scope_probes.control_ws, Role.PROBE,
          "Websocket a Scope probe dials to receive controls (Go net/rpc, JSON frames)", websocket=True),
    Route("GET", "/api/pipe/{pipe}/probe", scope_probes.pipe_probe_ws, Role.PROBE,
          "Websocket a Scope probe dials for its end of a pipe", websocket=True),
    Route("GET", "/api/pipe/{pipe}", controls.pipe_ws, Role.OPERATOR,
          "Websocket joining the browser to a pipe (terminal or log stream); binary frames", websocket=True),
    Route("DELETE", "/api/pipe/{pipe}", controls.delete_pipe, Role.OPERATOR, "Close a pipe"),
    Route("GET", "/api/pipe/{pipe}/check", controls.check_pipe, Role.OPERATOR, "204 if the pipe exists"),
    Route("GET", "/api/openapi.json", openapi.get_spec, None, "This document"),
    Route("GET", "/api/docs", openapi.get_docs, None, "The API reference as a page"),
    Route("GET", "/metrics", api.get_metrics, Role.VIEWER, "Prometheus metrics of the app"),
    Route("GET", "/", ui.index, None, "The web UI"),
    Route("GET", "/assets/{path:.+}", ui.asset, None, "The web UI's bundled scripts, styles and fonts"),
    Route("GET", "/healthz", api.healthz, None, "Liveness"),
    Route("GET", "/readyz", api.readyz, None, "Readiness: 200 once every server listens"),
)


def install(app: web.Application) -> dict[str, Role]:
    """Add every route to the app's router; the role table for the auth middleware."""
    roles: dict[str, Role] = {}
    for r in ROUTES:
        app.router.add_route(r.method, r.path, r.handler)
        if r.role is not None:
            roles[f"{r.method} {r.path}"] = r.role
    return roles

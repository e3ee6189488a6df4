"""The OpenAPI 3.1 document of the app's HTTP API, built from the route table, and a page that shows it."""

import html
import re
from typing import Any

from aiohttp import web

from scopecore import __version__

_PARAMS = re.compile(r"{(\w+)(?::[^}]+)?}")
_QUERY = {
    "/api/topology/{topology}": ["Topology options (e.g. system=application, stopped=running, pseudo=hide)"],
    "/api/topology/{topology}/ws": ["t: the longest interval between deltas, e.g. 1s or 200ms; plus options"],
    "/api/search": ["topology: a topology id", "q: a query in the search syntax, repeated for pinned terms",
                    "plus the topology's options"],
}


def spec() -> dict[str, Any]:
    """The document, one operation per route."""
    from .routes import ROUTES

    paths: dict[str, dict[str, Any]] = {}
    for r in ROUTES:
        path = _PARAMS.sub(r"{\1}", r.path)  # OpenAPI has no regex in path templates
        op: dict[str, Any] = {
            "summary": r.summary,
            "operationId": f"{r.method.lower()}_{r.handler.__name__}",
            "parameters": [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                           for p in _PARAMS.findall(r.path)],
            "responses": _responses(r.method, r.websocket),
        }
        if r.role is not None:
            op["security"] = [{"token": []}]
            op["x-role"] = r.role.name.lower()
        if path in _QUERY:
            op["description"] = "Query parameters: " + "; ".join(_QUERY[path])
        paths.setdefault(path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "scope app API", "version": __version__,
                 "description": "Weave Scope's API (compatible) plus our additions."},
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "string"}},
                                  "required": ["error"]}},
        },
        "paths": paths,
    }


def _responses(method: str, websocket: bool) -> dict[str, Any]:
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if websocket:
        return {"101": {"description": "Switching to the websocket protocol"},
                "404": {"description": "Unknown", **err}}
    ok = {"description": "OK", "content": {"application/json": {"schema": {}}}}
    out: dict[str, Any] = {"200": ok, "400": {"description": "Bad request", **err},
                           "401": {"description": "No valid token", **err},
                           "403": {"description": "Role not allowed", **err}}
    if method == "DELETE":
        out["204"] = {"description": "Done"}
    return out


async def get_spec(request: web.Request) -> web.Response:
    """Serve the document."""
    return web.json_response(spec())


async def get_docs(request: web.Request) -> web.Response:
    """A plain page listing every operation (no CDN: everything is in the page)."""
    rows = []
    for path, ops in spec()["paths"].items():
        for method, op in ops.items():
            role = op.get("x-role", "public")
            rows.append(f"<tr><td><b>{method.upper()}</b></td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(role)}</td><td>{html.escape(op['summary'])}"
                        f"{'<br><small>' + html.escape(op['description']) + '</small>' if 'description' in op else ''}"
                        "</td></tr>")
    body = ("<!doctype html><meta charset=utf-8><title>scope API</title>"
            "<style>body{font-family:sans-serif;margin:2em}td{padding:4px 12px;vertical-align:top}</style>"
            "<h1>scope API</h1><p>Machine-readable: <a href=/api/openapi.json>/api/openapi.json</a> (OpenAPI 3.1)."
            "<table><tr><th>method<th>path<th>role<th>what</tr>" + "".join(rows) + "</table>")
    return web.Response(text=body, content_type="text/html")

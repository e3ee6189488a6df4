"""Request middleware: JSON errors, authentication by route role, websocket Origin checks, gzip responses."""

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from .auth import Principal
from .keys import CONFIG, ROUTE_ROLES, TOKENS

log = logging.getLogger("scopeapp.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PRINCIPAL = web.RequestKey("principal", Principal)


def json_error(status: int, message: str, **extra: object) -> web.Response:
    """An error body that says what was wrong."""
    return web.json_response({"error": message, **extra}, status=status)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as JSON; nothing unexpected leaks a stack trace to the client."""
    try:
        return await handler(request)
    except web.HTTPException as e:
        if e.status < 400 or e.content_type == "application/json":
            raise
        reason = e.text if e.text and not e.text.startswith(f"{e.status}:") else e.reason
        return json_error(e.status, reason)
    except Exception:
        log.exception("unhandled error", extra={"path": request.path})
        return json_error(500, "internal error")


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve the caller and check the route's role; check Origin on websocket upgrades."""
    resource = request.match_info.route.resource
    key = f"{request.method} {resource.canonical if resource is not None else ''}"
    needed = request.app[ROUTE_ROLES].get(key)  # None: a public route (health checks)
    if needed is None or request.match_info.http_exception is not None:
        return await handler(request)
    tokens = request.app[TOKENS]
    principal = tokens.from_headers(request.headers.get(hdrs.AUTHORIZATION), request.cookies.get("scope_token"),
                                    request.query.get("token"))
    if principal is None:
        return json_error(401, "a valid token is required (Authorization: Bearer <token>)")
    if not principal.may(needed):
        return json_error(403, f"role {principal.role.name.lower()} may not do this (needs {needed.name.lower()})")
    if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket" and not _origin_ok(request):
        return json_error(403, "cross-origin websocket refused")
    request[PRINCIPAL] = principal
    return await handler(request)


def _origin_ok(request: web.Request) -> bool:
    # Browsers send Origin on websocket upgrades; a page on another site must not drive controls or terminals.
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None:
        return True  # not a browser
    allowed = request.app[CONFIG].allowed_origins
    if origin in allowed:
        return True
    return urlsplit(origin).netloc == request.host


@web.middleware
async def compress(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Gzip GET responses when the client accepts it, as Scope's app does."""
    response = await handler(request)
    if (request.method == "GET" and isinstance(response, web.Response) and not response.prepared
            and "gzip" in request.headers.get(hdrs.ACCEPT_ENCODING, "") and response.body is not None
            and len(response.body) > 1024):  # type: ignore[arg-type]
        response.enable_compression(web.ContentCoding.gzip)
    return response

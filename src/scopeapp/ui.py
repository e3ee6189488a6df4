"""The web UI: the Vite bundle built into this package (scopeapp/ui/), served at "/" without auth (the page holds no
data; every API call it makes is authenticated)."""

from pathlib import Path

from aiohttp import web

UI_DIR = Path(__file__).parent / "ui"

_NOT_BUILT = """<!doctype html><title>Scope</title>
<p>The web UI is not built. Run <code>make install</code> (it runs <code>npm ci &amp;&amp; npm run build</code> in
frontend/), or use the API: <a href="/api/docs">/api/docs</a>.</p>"""


async def index(request: web.Request) -> web.StreamResponse:
    """GET /: the single page; every client-side route is in the URL hash."""
    page = UI_DIR / "index.html"
    if not page.is_file():
        return web.Response(text=_NOT_BUILT, content_type="text/html", status=503)
    # The page names hashed assets, so it must be revalidated; the assets themselves can be cached for good.
    return web.FileResponse(page, headers={"Cache-Control": "no-cache"})


async def asset(request: web.Request) -> web.StreamResponse:
    """GET /assets/{path}: a hashed bundle file."""
    root = (UI_DIR / "assets").resolve()
    path = (root / request.match_info["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable"})

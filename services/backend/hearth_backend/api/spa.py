"""The built web UI, with an ``index.html`` fallback for its client-side routes.

Every GET that no other route claims lands here. Paths under the API prefixes (``/ui-api``, ``/api``,
``/v1``, ``/v2``, ``/health``, ``/ready``, ``/.well-known``…) are a 404 problem, never HTML. A file of
the build is served as is: ``assets/*`` (content-hashed names) with a year-long immutable cache, other
files revalidated; a missing ``assets/*`` file is a 404 (never HTML where a script is expected);
anything else is ``index.html``, never cached, so a new deployment is picked up at once — for a
request that accepts ``text/html`` (a browser navigation). A client that does not ask for HTML (an
API client, ``curl``) gets the usual 404 problem for an unknown path. Without a build (``ui_dir``
unset and no ``ui/dist`` in the checkout) a small page says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse

from hearth_shared.errors import NotFound

API_PREFIXES: Final = frozenset(
    {"ui-api", "api", "v1", "v2", "health", "ready", ".well-known", "internal", "auth-api"}
)
IMMUTABLE: Final = "public, max-age=31536000, immutable"
REVALIDATE: Final = "no-cache"
NOT_BUILT: Final = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Hearth</title></head>"
    "<body style='font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto'>"
    "<h1>Hearth is running</h1><p>The web UI is not built. "
    "Build it with <code>npm ci && npm run build</code> "
    "in <code>ui/</code>, or point <code>HEARTH_UI_DIR</code> at a built UI.</p>"
    "<p>The APIs work without it: <code>/v1/*</code> for the logfire SDK and CLI, <code>/ui-api</code>, "
    "<code>/v2/query</code>.</p></body></html>"
)


def router(ui_dir: Path | None) -> APIRouter:
    root = ui_dir.resolve() if ui_dir is not None else None
    index = root / "index.html" if root is not None else None
    spa = APIRouter(include_in_schema=False)

    @spa.api_route("/{path:path}", methods=["GET", "HEAD"])
    async def web_ui(path: str, request: Request) -> Response:
        if path.split("/", 1)[0] in API_PREFIXES:
            raise NotFound(f"no route for {request.method} /{path}")
        wants_html = "text/html" in request.headers.get("accept", "")
        if root is None or index is None or not index.is_file():
            if not wants_html:
                raise NotFound(f"no route for {request.method} /{path}")
            return HTMLResponse(NOT_BUILT, headers={"cache-control": REVALIDATE})
        candidate = (root / path).resolve()
        if path and candidate.is_relative_to(root) and candidate.is_file():
            cache = IMMUTABLE if path.startswith("assets/") else REVALIDATE
            return FileResponse(candidate, headers={"cache-control": cache})
        if path.startswith("assets/"):
            raise NotFound(f"no file /{path} in the web UI build")
        if not wants_html:
            raise NotFound(f"no route for {request.method} /{path}")
        return FileResponse(index, media_type="text/html", headers={"cache-control": REVALIDATE})

    return spa

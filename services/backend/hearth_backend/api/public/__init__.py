"""The public API: ``/api/v1`` for organization API keys (:mod:`.routes`, roles in :mod:`.deps`), its
OpenAPI document at ``/api/openapi.json`` (only these routes) and a readable page at ``/api/docs``.

The docs page is rendered here from the OpenAPI document, plain HTML with no scripts: Swagger UI and
Redoc load their JavaScript from a CDN, which a self-hosted server must not depend on. The JSON
document is the contract; load it into any OpenAPI tool for a richer view.
"""

from __future__ import annotations

import functools
import html
from typing import Any, Final

from fastapi import APIRouter
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse

from hearth_backend.api.public import routes

router = routes.router
docs_router = APIRouter(prefix="/api", include_in_schema=False)

TITLE: Final = "Hearth public API"
VERSION: Final = "1"
DESCRIPTION: Final = (
    "Scripts and tools reach an organization's projects, queries, dashboards and alerts with an "
    "organization API key (`Authorization: Bearer hearth_oak_…`), created by an organization admin in "
    "the web UI. A guest key reads; a member or admin key also changes alerts and imports dashboards. "
    "Errors are `application/problem+json`."
)
_METHODS: Final = ("get", "post", "put", "patch", "delete")


@functools.cache
def public_openapi() -> dict[str, Any]:
    return get_openapi(title=TITLE, version=VERSION, description=DESCRIPTION, routes=router.routes)


@docs_router.get("/openapi.json")
async def openapi_document() -> JSONResponse:
    return JSONResponse(public_openapi())


def _operations_html(schema: dict[str, Any]) -> str:
    rows = []
    for path, item in schema["paths"].items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            rows.append(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>".format(
                    method.upper(), html.escape(path), html.escape(operation.get("summary", ""))
                )
            )
    return "\n".join(rows)


@functools.cache
def docs_page() -> str:
    schema = public_openapi()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; }}
td {{ border-bottom: 1px solid #ddd; padding: .3rem .5rem; }}
code {{ font-size: 13px; }}
</style></head><body>
<h1>{TITLE} <small>v{VERSION}</small></h1>
<p>{html.escape(DESCRIPTION)}</p>
<p>The contract is the OpenAPI document: <a href="/api/openapi.json">/api/openapi.json</a>
(request and answer schemas, parameters, errors).</p>
<table>
<tr><th>method</th><th>path</th><th>what</th></tr>
{_operations_html(schema)}
</table>
</body></html>
"""


@docs_router.get("/docs")
async def docs() -> HTMLResponse:
    return HTMLResponse(docs_page())

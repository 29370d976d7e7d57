"""Public links the backend hands to clients (the project URL the SDK prints, later UI links)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request


def _first(value: str | None) -> str | None:
    """The first entry of a possibly comma-separated forwarded header (set by each proxy on the way)."""
    if value is None:
        return None
    first = value.split(",", 1)[0].strip()
    return first or None


def public_base(request: Request, configured: str | None) -> str:
    """Hearth's public origin: the ``public_base_url`` setting, else what the request says.

    The gateway sets ``X-Forwarded-Proto`` and ``X-Forwarded-Host``; a client reaching the backend
    directly has its ``Host``. Trusting these is safe here: the link goes back to the same caller.
    """
    if configured:
        return configured
    proto = _first(request.headers.get("x-forwarded-proto"))
    if proto not in {"http", "https"}:
        proto = request.url.scheme
    host = _first(request.headers.get("x-forwarded-host")) or request.url.netloc
    return f"{proto}://{host}"


def project_url(base: str, organization_slug: str, project_slug: str) -> str:
    """The web UI's page of a project: ``{base}/{organization}/{project}`` (Logfire's layout)."""
    return f"{base}/{quote(organization_slug, safe='')}/{quote(project_slug, safe='')}"

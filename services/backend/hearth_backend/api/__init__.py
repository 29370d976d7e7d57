"""HTTP routes of the backend service (beyond the shared ``/health`` and ``/ready``).

``spa`` (the web UI's catch-all) is not in ``routers``: ``create_app`` adds it after everything else.
Add new API routers to ``routers``.
"""

from __future__ import annotations

from fastapi import APIRouter

from hearth_backend.api import (
    alerts,
    api_keys,
    auth,
    channels,
    cli,
    dashboards,
    device,
    invitations,
    live,
    me,
    members,
    orgs,
    projects,
    public,
    query,
    saved_searches,
    sdk,
    suggestions,
    tokens,
    ui_query,
)

routers: list[APIRouter] = [
    sdk.router,
    query.router,
    cli.router,
    auth.router,
    me.router,
    orgs.router,
    projects.router,
    members.router,
    invitations.router,
    tokens.router,
    ui_query.router,
    live.router,
    device.ui_router,
    device.router,
    dashboards.router,
    alerts.router,
    channels.router,
    saved_searches.router,
    suggestions.router,
    api_keys.router,
    public.router,
    public.docs_router,
]

"""HTTP routes of the backend service (beyond the shared ``/health`` and ``/ready``).

``spa`` (the web UI's catch-all) is not in ``routers``: ``create_app`` adds it after everything else.
Add new API routers to ``routers``.
"""

from __future__ import annotations

from fastapi import APIRouter

from hearth_backend.api import (
    auth,
    cli,
    device,
    invitations,
    live,
    me,
    members,
    orgs,
    projects,
    query,
    sdk,
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
]

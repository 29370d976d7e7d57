"""HTTP routes of the backend service (beyond the shared `/health` and `/ready`)."""

from __future__ import annotations

from fastapi import APIRouter

from hearth_backend.api import query, sdk

routers: list[APIRouter] = [sdk.router, query.router]

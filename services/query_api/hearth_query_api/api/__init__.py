"""HTTP routes of the query API service (beyond the shared `/health` and `/ready`)."""

from __future__ import annotations

from fastapi import APIRouter

from hearth_query_api.api import live, v1, v2

routers: list[APIRouter] = [v2.router, v1.router, live.router]

"""HTTP routes of the maintenance service (beyond the shared `/health` and `/ready`)."""

from __future__ import annotations

from fastapi import APIRouter

from hearth_maintenance.api.jobs import router as jobs_router

routers: list[APIRouter] = [jobs_router]

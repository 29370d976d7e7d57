"""``GET /jobs``: what each job of this process did last (for operators; never routed publicly)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hearth_maintenance.jobs import Scheduler
from hearth_shared.errors import ServiceUnavailable

router = APIRouter(tags=["jobs"])


@router.get("/jobs", summary="Status of this process's maintenance jobs")
async def jobs(request: Request) -> dict[str, Any]:
    scheduler: Scheduler | None = getattr(request.app.state, "scheduler", None)
    if scheduler is None:
        raise ServiceUnavailable("the maintenance jobs are not started yet")
    return {"jobs": [status.as_json() for status in scheduler.status.values()]}

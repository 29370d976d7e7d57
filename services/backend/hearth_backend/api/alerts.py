"""``/ui-api/orgs/{org}/projects/{project}/alerts``: a project's alerts and their run history.

Reads need project read+, changes project write+. ``channel_ids`` must name notification channels of
the project's organization (else 422). Maintenance evaluates the alerts (see
:mod:`hearth_backend.workspace.alerts`).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response

from hearth_backend.auth.deps import ProjectReader, ProjectWriter
from hearth_backend.state import BackendDep
from hearth_backend.workspace import alerts
from hearth_backend.workspace.alerts import Alert, AlertIn, AlertRun

router = APIRouter(prefix="/ui-api/orgs/{org}/projects/{project}/alerts", tags=["alerts"])

RunsLimit = Query(default=100, ge=1, le=1000, description="At most this many runs, newest first")


@router.get("", summary="The project's alerts (read+)")
async def list_alerts(ctx: ProjectReader, backend: BackendDep) -> list[Alert]:
    return await alerts.list_alerts(backend.db, ctx.project.id)


@router.post("", status_code=201, summary="Create an alert (write+)")
async def create_alert(body: AlertIn, ctx: ProjectWriter, backend: BackendDep) -> Alert:
    return await alerts.create_alert(
        backend.db, ctx.organization.id, ctx.project.id, body, created_by=ctx.user.id
    )


@router.get("/{alert_id}", summary="An alert (read+)")
async def get_alert(alert_id: uuid.UUID, ctx: ProjectReader, backend: BackendDep) -> Alert:
    return await alerts.get_alert(backend.db, ctx.project.id, alert_id)


@router.put("/{alert_id}", summary="Change an alert (write+); it is evaluated again soon")
async def update_alert(alert_id: uuid.UUID, body: AlertIn, ctx: ProjectWriter, backend: BackendDep) -> Alert:
    return await alerts.update_alert(backend.db, ctx.organization.id, ctx.project.id, alert_id, body)


@router.delete("/{alert_id}", status_code=204, summary="Delete an alert and its history (write+)")
async def delete_alert(alert_id: uuid.UUID, ctx: ProjectWriter, backend: BackendDep) -> Response:
    await alerts.delete_alert(backend.db, ctx.project.id, alert_id)
    return Response(status_code=204)


@router.get("/{alert_id}/runs", summary="The alert's runs, newest first (read+)")
async def alert_runs(
    alert_id: uuid.UUID, ctx: ProjectReader, backend: BackendDep, limit: int = RunsLimit
) -> list[AlertRun]:
    return await alerts.alert_runs(backend.db, ctx.project.id, alert_id, limit=limit)

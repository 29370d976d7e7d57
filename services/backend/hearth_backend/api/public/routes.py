"""The public API's routes, ``/api/v1`` (organization API keys; see :mod:`.deps` for roles): the
projects of the key's organization, queries, dashboards and alerts — the same models and rules as the
web UI's ``/ui-api`` routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from hearth_backend.api.dashboards import export_response
from hearth_backend.api.public.deps import ApiKeyHolder, KeyProjectReader, KeyProjectWriter
from hearth_backend.state import BackendDep
from hearth_backend.tenancy.rows import PROJECT_COLUMNS, ProjectRow
from hearth_backend.workspace import alerts, dashboards
from hearth_backend.workspace.alerts import Alert, AlertIn, AlertRun
from hearth_backend.workspace.dashboards import Dashboard, DashboardExport, DashboardIn, DashboardSummary
from hearth_backend.workspace.standard import ensure_standard_dashboards
from hearth_shared.internal_auth import issue_project_grant

router = APIRouter(prefix="/api/v1")
P = "/projects/{project}"


class PublicProject(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    retention_days: int
    created_at: datetime

    @classmethod
    def of(cls, row: ProjectRow) -> PublicProject:
        return cls(
            id=row.id,
            slug=row.slug,
            name=row.name,
            retention_days=row.retention_days,
            created_at=row.created_at,
        )


@router.get("/projects", tags=["projects"], summary="The projects of the key's organization")
async def list_projects(holder: ApiKeyHolder, backend: BackendDep) -> list[PublicProject]:
    rows = await backend.db.fetch(
        f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.organization_id = $1 ORDER BY p.slug",
        holder.organization.id,
    )
    return [PublicProject.of(ProjectRow.from_record(row)) for row in rows]


@router.get(P, tags=["projects"], summary="A project")
async def get_project(ctx: KeyProjectReader) -> PublicProject:
    return PublicProject.of(ctx.project)


@router.post(
    f"{P}/query",
    tags=["query"],
    summary="Run a SQL query; body and answers exactly as the query API's `POST /v2/query`",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["sql"],
                        "properties": {
                            "sql": {"type": "string"},
                            "min_timestamp": {"type": "string", "format": "date-time"},
                            "max_timestamp": {"type": "string", "format": "date-time"},
                            "limit": {"type": "integer"},
                        },
                    }
                }
            },
        }
    },
)
async def query(ctx: KeyProjectReader, request: Request, backend: BackendDep) -> Response:
    grant = issue_project_grant(backend.secret_key, ctx.project.id)
    return await backend.query.forward(request, "/v2/query", authorization=grant)


@router.get(f"{P}/dashboards", tags=["dashboards"], summary="The project's dashboards (no definitions)")
async def list_dashboards(ctx: KeyProjectReader, backend: BackendDep) -> list[DashboardSummary]:
    await ensure_standard_dashboards(backend.db, ctx.project.id)
    return await dashboards.list_dashboards(backend.db, ctx.project.id)


@router.get(f"{P}/dashboards/{{slug}}", tags=["dashboards"], summary="A dashboard with its definition")
async def get_dashboard(slug: str, ctx: KeyProjectReader, backend: BackendDep) -> Dashboard:
    return await dashboards.get_dashboard(backend.db, ctx.project.id, slug)


@router.get(
    f"{P}/dashboards/{{slug}}/export",
    tags=["dashboards"],
    summary="A dashboard as the JSON file import takes",
    response_model=DashboardExport,
)
async def export_dashboard(slug: str, ctx: KeyProjectReader, backend: BackendDep) -> Response:
    return export_response(await dashboards.get_dashboard(backend.db, ctx.project.id, slug))


@router.post(
    f"{P}/dashboards/import",
    status_code=201,
    tags=["dashboards"],
    summary="Import a dashboard (member key+); a taken slug gets a -2, -3… suffix",
)
async def import_dashboard(body: DashboardIn, ctx: KeyProjectWriter, backend: BackendDep) -> Dashboard:
    return await dashboards.import_dashboard(
        backend.db, ctx.project.id, body, created_by=ctx.holder.created_by
    )


@router.get(f"{P}/alerts", tags=["alerts"], summary="The project's alerts")
async def list_alerts(ctx: KeyProjectReader, backend: BackendDep) -> list[Alert]:
    return await alerts.list_alerts(backend.db, ctx.project.id)


@router.post(f"{P}/alerts", status_code=201, tags=["alerts"], summary="Create an alert (member key+)")
async def create_alert(body: AlertIn, ctx: KeyProjectWriter, backend: BackendDep) -> Alert:
    return await alerts.create_alert(
        backend.db, ctx.holder.organization.id, ctx.project.id, body, created_by=ctx.holder.created_by
    )


@router.get(f"{P}/alerts/{{alert_id}}", tags=["alerts"], summary="An alert")
async def get_alert(alert_id: uuid.UUID, ctx: KeyProjectReader, backend: BackendDep) -> Alert:
    return await alerts.get_alert(backend.db, ctx.project.id, alert_id)


@router.put(f"{P}/alerts/{{alert_id}}", tags=["alerts"], summary="Change an alert (member key+)")
async def update_alert(
    alert_id: uuid.UUID, body: AlertIn, ctx: KeyProjectWriter, backend: BackendDep
) -> Alert:
    return await alerts.update_alert(backend.db, ctx.holder.organization.id, ctx.project.id, alert_id, body)


@router.delete(
    f"{P}/alerts/{{alert_id}}", status_code=204, tags=["alerts"], summary="Delete an alert (member key+)"
)
async def delete_alert(alert_id: uuid.UUID, ctx: KeyProjectWriter, backend: BackendDep) -> Response:
    await alerts.delete_alert(backend.db, ctx.project.id, alert_id)
    return Response(status_code=204)


@router.get(f"{P}/alerts/{{alert_id}}/runs", tags=["alerts"], summary="The alert's runs, newest first")
async def alert_runs(
    alert_id: uuid.UUID,
    ctx: KeyProjectReader,
    backend: BackendDep,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[AlertRun]:
    return await alerts.alert_runs(backend.db, ctx.project.id, alert_id, limit=limit)

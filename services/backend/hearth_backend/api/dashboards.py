"""``/ui-api/orgs/{org}/projects/{project}/dashboards``: a project's dashboards.

Reads need project read+, changes project write+. The standard dashboards are installed on the first
list of a project that lacks them (:mod:`hearth_backend.workspace.standard`). Saving (PUT) with a stale
``version`` answers 409; import never does for a taken slug: it picks ``<slug>-2``, ``-3``…
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from hearth_backend.auth.deps import ProjectReader, ProjectWriter
from hearth_backend.state import BackendDep
from hearth_backend.workspace import dashboards
from hearth_backend.workspace.dashboards import Dashboard, DashboardExport, DashboardIn, DashboardSummary
from hearth_backend.workspace.standard import ensure_standard_dashboards

router = APIRouter(prefix="/ui-api/orgs/{org}/projects/{project}/dashboards", tags=["dashboards"])


def export_response(dashboard: Dashboard) -> Response:
    """The export file as a download (``<slug>.json``)."""
    body = DashboardExport(
        slug=dashboard.slug,
        title=dashboard.title,
        description=dashboard.description,
        definition=dashboard.definition,
    )
    return Response(
        body.model_dump_json(exclude_none=True),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{dashboard.slug}.json"'},
    )


@router.get("", summary="The project's dashboards, without their definitions (read+)")
async def list_dashboards(ctx: ProjectReader, backend: BackendDep) -> list[DashboardSummary]:
    await ensure_standard_dashboards(backend.db, ctx.project.id)
    return await dashboards.list_dashboards(backend.db, ctx.project.id)


@router.post("", status_code=201, summary="Create a dashboard (write+); 409 when the slug is taken")
async def create_dashboard(body: DashboardIn, ctx: ProjectWriter, backend: BackendDep) -> Dashboard:
    return await dashboards.create_dashboard(backend.db, ctx.project.id, body, created_by=ctx.user.id)


@router.post(
    "/import", status_code=201, summary="Import an exported dashboard (write+); a taken slug gets a suffix"
)
async def import_dashboard(body: DashboardIn, ctx: ProjectWriter, backend: BackendDep) -> Dashboard:
    return await dashboards.import_dashboard(backend.db, ctx.project.id, body, created_by=ctx.user.id)


@router.get("/{slug}", summary="A dashboard with its definition (read+)")
async def get_dashboard(slug: str, ctx: ProjectReader, backend: BackendDep) -> Dashboard:
    return await dashboards.get_dashboard(backend.db, ctx.project.id, slug)


@router.put("/{slug}", summary="Save a dashboard (write+); 409 when `version` is stale")
async def update_dashboard(
    slug: str, body: DashboardIn, ctx: ProjectWriter, backend: BackendDep
) -> Dashboard:
    return await dashboards.update_dashboard(backend.db, ctx.project.id, slug, body)


@router.delete("/{slug}", status_code=204, summary="Delete a dashboard (write+)")
async def delete_dashboard(slug: str, ctx: ProjectWriter, backend: BackendDep) -> Response:
    await dashboards.delete_dashboard(backend.db, ctx.project.id, slug)
    return Response(status_code=204)


@router.get(
    "/{slug}/export",
    summary="A dashboard as a JSON file that import takes back (read+)",
    response_model=DashboardExport,
)
async def export_dashboard(slug: str, ctx: ProjectReader, backend: BackendDep) -> Response:
    return export_response(await dashboards.get_dashboard(backend.db, ctx.project.id, slug))

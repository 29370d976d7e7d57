"""``/ui-api/orgs/{org}/projects``: list, create, read, change, delete projects."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from hearth_backend.api.schemas import Project
from hearth_backend.auth.deps import OrgGuest, OrgMember, ProjectAdmin, ProjectReader
from hearth_backend.state import BackendDep
from hearth_backend.tenancy import projects
from hearth_backend.tenancy.slugs import DisplayName, Slug

router = APIRouter(prefix="/ui-api/orgs/{org}/projects", tags=["projects"])

MAX_RETENTION_DAYS = 3650


class NewProject(BaseModel):
    slug: Slug
    name: DisplayName | None = None
    retention_days: int = Field(default=projects.DEFAULT_RETENTION_DAYS, ge=1, le=MAX_RETENTION_DAYS)


class ProjectChange(BaseModel):
    name: DisplayName | None = None
    retention_days: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)


@router.get("", summary="The organization's projects you can see")
async def list_projects(ctx: OrgGuest, backend: BackendDep) -> list[Project]:
    visible = await projects.visible_projects(backend.db, ctx.user.id, {ctx.organization.id: ctx.role})
    return [Project.of(p.project, p.role) for p in visible]


@router.post("", status_code=201, summary="Create a project (org admin or member; you become its admin)")
async def create_project(body: NewProject, ctx: OrgMember, backend: BackendDep) -> Project:
    project = await projects.create_project(
        backend.db,
        ctx.organization.id,
        body.slug,
        body.name or body.slug,
        retention_days=body.retention_days,
        creator=ctx.user.id,
        creator_org_role=ctx.role,
    )
    return Project.of(project, "admin")


@router.get("/{project}", summary="A project you can see")
async def get_project(ctx: ProjectReader) -> Project:
    return Project.of_context(ctx)


@router.patch("/{project}", summary="Rename a project or change its retention (project admin)")
async def update_project(body: ProjectChange, ctx: ProjectAdmin, backend: BackendDep) -> Project:
    project = await projects.update_project(
        backend.db, ctx.project.id, name=body.name, retention_days=body.retention_days
    )
    return Project.of(project, ctx.role)


@router.delete("/{project}", status_code=204, summary="Delete a project and its tokens (project admin)")
async def delete_project(ctx: ProjectAdmin, backend: BackendDep) -> Response:
    token_hashes = await projects.delete_project(backend.db, ctx.project.id)
    await backend.project_tokens.forget(token_hashes)
    return Response(status_code=204)

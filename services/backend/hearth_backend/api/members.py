"""Members of an organization (``/ui-api/orgs/{org}/members``) and of a project
(``/ui-api/orgs/{org}/projects/{project}/members``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from pydantic import BaseModel

from hearth_backend.api.schemas import User
from hearth_backend.auth.deps import OrgAdmin, OrgGuest, OrgMember, ProjectAdmin
from hearth_backend.errors import RoleRequired
from hearth_backend.state import BackendDep
from hearth_backend.tenancy import members
from hearth_backend.tenancy.roles import OrgRole, ProjectRole

router = APIRouter(prefix="/ui-api/orgs/{org}", tags=["members"])


class OrgMemberOut(BaseModel):
    user: User
    role: OrgRole


class ProjectMemberOut(BaseModel):
    user: User
    role: ProjectRole


class OrgRoleChange(BaseModel):
    role: OrgRole


class ProjectRoleChange(BaseModel):
    role: ProjectRole


@router.get("/members", summary="The organization's members (org members and admins)")
async def list_org_members(ctx: OrgMember, backend: BackendDep) -> list[OrgMemberOut]:
    rows = await members.org_members(backend.db, ctx.organization.id)
    return [OrgMemberOut(user=User.of(user), role=role) for user, role in rows]


@router.patch("/members/{user_id}", summary="Change a member's organization role (admin)")
async def change_org_role(
    user_id: uuid.UUID, body: OrgRoleChange, ctx: OrgAdmin, backend: BackendDep
) -> OrgMemberOut:
    await members.set_org_role(backend.db, ctx.organization.id, user_id, body.role)
    rows = await members.org_members(backend.db, ctx.organization.id)
    return next(OrgMemberOut(user=User.of(user), role=role) for user, role in rows if user.id == user_id)


@router.delete("/members/{user_id}", status_code=204, summary="Remove a member (admin), or leave (yourself)")
async def remove_org_member(user_id: uuid.UUID, ctx: OrgGuest, backend: BackendDep) -> Response:
    if ctx.role != "admin" and user_id != ctx.user.id:
        raise RoleRequired(f"removing another member needs the admin role in {ctx.organization.slug!r}")
    await members.remove_org_member(backend.db, ctx.organization.id, user_id)
    return Response(status_code=204)


@router.get(
    "/projects/{project}/members", summary="People with a role of their own on the project (project admin)"
)
async def list_project_members(ctx: ProjectAdmin, backend: BackendDep) -> list[ProjectMemberOut]:
    rows = await members.project_members(backend.db, ctx.project.id)
    return [ProjectMemberOut(user=User.of(user), role=role) for user, role in rows]


@router.put("/projects/{project}/members/{user_id}", summary="Give an organization member a project role")
async def set_project_role(
    user_id: uuid.UUID, body: ProjectRoleChange, ctx: ProjectAdmin, backend: BackendDep
) -> ProjectMemberOut:
    user = await members.set_project_role(backend.db, ctx.organization.id, ctx.project.id, user_id, body.role)
    return ProjectMemberOut(user=User.of(user), role=body.role)


@router.delete("/projects/{project}/members/{user_id}", status_code=204, summary="Remove a project role")
async def remove_project_member(user_id: uuid.UUID, ctx: ProjectAdmin, backend: BackendDep) -> Response:
    await members.remove_project_member(backend.db, ctx.project.id, user_id)
    return Response(status_code=204)

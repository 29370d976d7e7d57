"""``/ui-api/me``: who is signed in, their organizations and the projects they can see there; and
changing one's own password."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from hearth_backend.api.schemas import User
from hearth_backend.auth.deps import CurrentUser
from hearth_backend.auth.local import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    authenticate,
    hash_new_password,
)
from hearth_backend.auth.signin import client_ip
from hearth_backend.errors import InvalidCredentials
from hearth_backend.state import BackendDep
from hearth_backend.tenancy import orgs, projects
from hearth_backend.tenancy.roles import OrgRole, ProjectRole
from hearth_backend.tenancy.users import set_password

router = APIRouter(prefix="/ui-api/me", tags=["me"])


class MeProject(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    role: ProjectRole
    retention_days: int


class MeOrganization(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    role: OrgRole
    projects: list[MeProject]


class Me(BaseModel):
    user: User
    organizations: list[MeOrganization]


class NewPassword(BaseModel):
    current_password: str | None = Field(
        default=None, max_length=MAX_PASSWORD_LENGTH, description="Required when the account has a password"
    )
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


@router.get("", summary="The signed-in user, their organizations and visible projects")
async def me(user: CurrentUser, backend: BackendDep) -> Me:
    memberships = await orgs.memberships(backend.db, user.id)
    visible = await projects.visible_projects(
        backend.db, user.id, {m.organization.id: m.role for m in memberships}
    )
    return Me(
        user=User.of(user),
        organizations=[
            MeOrganization(
                id=m.organization.id,
                slug=m.organization.slug,
                name=m.organization.name,
                role=m.role,
                projects=[
                    MeProject(
                        id=p.project.id,
                        slug=p.project.slug,
                        name=p.project.name,
                        role=p.role,
                        retention_days=p.project.retention_days,
                    )
                    for p in visible
                    if p.project.organization_id == m.organization.id
                ],
            )
            for m in memberships
        ],
    )


@router.put("/password", status_code=204, summary="Set or change your password (local sign-in)")
async def change_password(
    body: NewPassword, request: Request, user: CurrentUser, backend: BackendDep
) -> Response:
    if user.has_password:
        # Same limiter as the login form: this is a password check too.
        await backend.login_limiter.attempt(client_ip(request), user.email)
        if (
            body.current_password is None
            or await authenticate(backend.db, user.email, body.current_password) is None
        ):
            raise InvalidCredentials("the current password is wrong")
    await set_password(backend.db, user.id, await hash_new_password(body.new_password))
    return Response(status_code=204)

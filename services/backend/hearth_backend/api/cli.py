"""What the ``logfire`` CLI calls (``logfire auth``, ``whoami``, ``projects list/new/use``,
``read-tokens create``), in the shapes ``logfire/_internal/client.py`` and ``auth.py`` parse.

- ``POST /v1/device-auth/new/?machine_name=`` → ``{"device_code", "frontend_auth_url"}``;
  ``GET /v1/device-auth/wait/{device_code}`` → ``null`` until approved (held up to
  ``device_wait_seconds``), then ``{"token", "expiration"}`` once. No authentication.
- Everything else takes the user token: ``Authorization: <token>`` (or ``Bearer <token>``).
- ``POST /v1/organizations/{org}/projects`` and ``.../write-tokens/`` answer **exactly**
  ``{"token", "project_name", "project_url"}``: the CLI builds a dataclass from the JSON and any other
  key breaks it. A rejected project name is a 422 in FastAPI's plain shape
  ``{"detail": [{"loc": ["body", "project_name"], "msg"}]}``, which the CLI shows; 409 means taken.
- Names on the wire are slugs (Logfire's organization/project "names" are its URL identifiers).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from hearth_backend.auth.deps import CliUser
from hearth_backend.errors import InvalidInput
from hearth_backend.state import Backend, BackendDep
from hearth_backend.tenancy import orgs, projects
from hearth_backend.tenancy.access import org_access, project_access
from hearth_backend.tenancy.roles import org_role_at_least, project_role_at_least
from hearth_backend.tenancy.slugs import slug_problem
from hearth_backend.urls import project_url

router = APIRouter(prefix="/v1", tags=["logfire CLI"])

DEVICE_PAGE = "/device"
CLI_TOKEN_DESCRIPTION = "Created by logfire CLI"  # noqa: S105 - a label, not a secret


class DeviceFlow(BaseModel):
    device_code: str
    frontend_auth_url: str


class UserTokenOut(BaseModel):
    token: str
    expiration: str = Field(description="ISO 8601 UTC, as the CLI stores it")


class OrganizationRef(BaseModel):
    organization_id: uuid.UUID
    organization_name: str = Field(description="The organization's slug")


class Account(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    default_organization: OrganizationRef | None


class WritableProject(BaseModel):
    organization_name: str
    project_name: str
    project_id: uuid.UUID


class ProjectCredentials(BaseModel):
    """Exactly the keys of the CLI's ``LogfireCredentials`` (less ``logfire_api_url``, which it adds)."""

    token: str
    project_name: str
    project_url: str


class NewProject(BaseModel):
    project_name: str


class NewReadToken(BaseModel):
    description: str = Field(default=CLI_TOKEN_DESCRIPTION, max_length=500)
    expires_at: AwareDatetime | None = None


class ReadTokenOut(BaseModel):
    token: str
    id: uuid.UUID
    description: str
    expires_at: datetime | None
    organization_name: str
    project_name: str


# ---------------------------------------------------------------------------- device login


@router.post("/device-auth/new/", summary="Start a device login (`logfire auth`)")
async def device_auth_new(
    request: Request,
    backend: BackendDep,
    machine_name: Annotated[str, Query(max_length=255)] = "",
) -> DeviceFlow:
    device_code, user_code = await backend.device.start(machine_name)
    return DeviceFlow(
        device_code=device_code,
        frontend_auth_url=f"{backend.base_url(request)}{DEVICE_PAGE}?code={user_code}",
    )


@router.get(
    "/device-auth/wait/{device_code}",
    summary="Wait for the approval; `null` while pending, then the user token (once)",
    response_model=UserTokenOut | None,
)
async def device_auth_wait(device_code: str, backend: BackendDep) -> Response:
    issued = await backend.device.wait(device_code)
    if issued is None:
        return JSONResponse(None)
    expiration = issued.expiration.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return JSONResponse(UserTokenOut(token=issued.token, expiration=expiration).model_dump())


# ---------------------------------------------------------------------------- account and projects


@router.get("/account/me", summary="The user of the token (`logfire whoami`)")
async def account_me(user: CliUser, backend: BackendDep) -> Account:
    creatable = [
        m for m in await orgs.memberships(backend.db, user.id) if org_role_at_least(m.role, "member")
    ]
    default = creatable[0].organization if creatable else None
    return Account(
        id=user.id,
        name=user.name or user.email,
        email=user.email,
        default_organization=None
        if default is None
        else OrganizationRef(organization_id=default.id, organization_name=default.slug),
    )


@router.get("/organizations/available-for-projects/", summary="Organizations you may create projects in")
async def organizations_for_projects(user: CliUser, backend: BackendDep) -> list[OrganizationRef]:
    return [
        OrganizationRef(organization_id=m.organization.id, organization_name=m.organization.slug)
        for m in await orgs.memberships(backend.db, user.id)
        if org_role_at_least(m.role, "member")
    ]


@router.get("/writable-projects/", summary="Projects you can write to (`logfire projects list`)")
async def writable_projects(user: CliUser, backend: BackendDep) -> list[WritableProject]:
    memberships = await orgs.memberships(backend.db, user.id)
    slugs = {m.organization.id: m.organization.slug for m in memberships}
    visible = await projects.visible_projects(
        backend.db, user.id, {m.organization.id: m.role for m in memberships}
    )
    return [
        WritableProject(
            organization_name=slugs[p.project.organization_id],
            project_name=p.project.slug,
            project_id=p.project.id,
        )
        for p in visible
        if project_role_at_least(p.role, "write")
    ]


def _invalid_project_name(message: str) -> Response:
    # FastAPI's own 422 shape: the CLI reads detail[0].loc and .msg.
    body: dict[str, Any] = {
        "detail": [{"loc": ["body", "project_name"], "msg": message, "type": "value_error"}]
    }
    return JSONResponse(body, status_code=422)


async def _credentials(
    *,
    backend: Backend,
    request: Request,
    project_id: uuid.UUID,
    org_slug: str,
    project_slug: str,
    user_id: uuid.UUID,
) -> ProjectCredentials:
    token, _ = await backend.project_tokens.create(
        project_id, "write", CLI_TOKEN_DESCRIPTION, created_by=user_id
    )
    return ProjectCredentials(
        token=token,
        project_name=project_slug,
        project_url=project_url(backend.base_url(request), org_slug, project_slug),
    )


@router.post(
    "/organizations/{org}/projects",
    status_code=200,
    summary="Create a project and a write token for it (`logfire projects new`)",
    response_model=ProjectCredentials,
)
async def create_project(
    org: str, body: NewProject, request: Request, user: CliUser, backend: BackendDep
) -> Response:
    ctx = await org_access(backend.db, user, org, "member")
    problem = slug_problem(body.project_name)
    if problem is not None:
        return _invalid_project_name(f"the project name {problem}")
    project = await projects.create_project(
        backend.db,
        ctx.organization.id,
        body.project_name,
        body.project_name,
        creator=user.id,
        creator_org_role=ctx.role,
    )
    credentials = await _credentials(
        backend=backend,
        request=request,
        project_id=project.id,
        org_slug=org,
        project_slug=project.slug,
        user_id=user.id,
    )
    return JSONResponse(credentials.model_dump())


@router.post(
    "/organizations/{org}/projects/{project}/write-tokens/",
    summary="Create a write token (`logfire projects use`)",
)
async def create_write_token(
    org: str, project: str, request: Request, user: CliUser, backend: BackendDep
) -> ProjectCredentials:
    ctx = await project_access(backend.db, user, org, project, "write")
    return await _credentials(
        backend=backend,
        request=request,
        project_id=ctx.project.id,
        org_slug=org,
        project_slug=project,
        user_id=user.id,
    )


@router.post(
    "/organizations/{org}/projects/{project}/read-tokens",
    summary="Create a read token (`logfire read-tokens create`)",
)
async def create_read_token(
    org: str, project: str, body: NewReadToken, user: CliUser, backend: BackendDep
) -> ReadTokenOut:
    ctx = await project_access(backend.db, user, org, project, "read")
    if body.expires_at is not None and body.expires_at <= datetime.now(UTC):
        raise InvalidInput("expires_at is in the past")
    token, row = await backend.project_tokens.create(
        ctx.project.id, "read", body.description, created_by=user.id, expires_at=body.expires_at
    )
    return ReadTokenOut(
        token=token,
        id=row.id,
        description=row.description,
        expires_at=row.expires_at,
        organization_name=org,
        project_name=project,
    )

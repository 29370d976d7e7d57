"""JSON shapes the ``/ui-api`` routers share (see docs/api.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from hearth_backend.tenancy.access import OrgContext, ProjectContext
from hearth_backend.tenancy.roles import OrgRole, ProjectRole
from hearth_backend.tenancy.rows import OrgRow, ProjectRow, UserRow


class User(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    is_admin: bool = Field(
        description="An instance administrator (may create organizations when that is restricted)"
    )

    @classmethod
    def of(cls, user: UserRow) -> User:
        return cls(id=user.id, email=user.email, name=user.name, is_admin=user.is_admin)


class SessionInfo(BaseModel):
    user: User
    csrf_token: str = Field(description="Send it as `X-CSRF-Token` with every POST/PUT/PATCH/DELETE")


class Organization(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    role: OrgRole = Field(description="Your role in the organization")
    created_at: datetime

    @classmethod
    def of(cls, organization: OrgRow, role: OrgRole) -> Organization:
        return cls(
            id=organization.id,
            slug=organization.slug,
            name=organization.name,
            role=role,
            created_at=organization.created_at,
        )

    @classmethod
    def of_context(cls, ctx: OrgContext) -> Organization:
        return cls.of(ctx.organization, ctx.role)


class Project(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    role: ProjectRole = Field(description="Your effective role on the project")
    retention_days: int
    created_at: datetime

    @classmethod
    def of(cls, project: ProjectRow, role: ProjectRole) -> Project:
        return cls(
            id=project.id,
            slug=project.slug,
            name=project.name,
            role=role,
            retention_days=project.retention_days,
            created_at=project.created_at,
        )

    @classmethod
    def of_context(cls, ctx: ProjectContext) -> Project:
        return cls.of(ctx.project, ctx.role)

"""Rows the tenancy repositories return (frozen; ids as ``uuid.UUID``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from hearth_backend.tenancy.roles import OrgRole, ProjectRole


def as_uuid(value: Any) -> uuid.UUID:
    """asyncpg's UUID type is not ``uuid.UUID`` everywhere (equality and hashing differ in places)."""
    return value if type(value) is uuid.UUID else uuid.UUID(str(value))


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    email: str
    name: str
    is_admin: bool
    has_password: bool
    created_at: datetime

    @classmethod
    def from_record(cls, row: asyncpg.Record) -> UserRow:
        return cls(
            id=as_uuid(row["id"]),
            email=row["email"],
            name=row["name"],
            is_admin=row["is_admin"],
            has_password=row["password_hash"] is not None,
            created_at=row["created_at"],
        )


USER_COLUMNS = "u.id, u.email, u.name, u.is_admin, u.password_hash, u.created_at"


@dataclass(frozen=True)
class OrgRow:
    id: uuid.UUID
    slug: str
    name: str
    created_at: datetime

    @classmethod
    def from_record(cls, row: asyncpg.Record, prefix: str = "") -> OrgRow:
        return cls(
            id=as_uuid(row[f"{prefix}id"]),
            slug=row[f"{prefix}slug"],
            name=row[f"{prefix}name"],
            created_at=row[f"{prefix}created_at"],
        )


@dataclass(frozen=True)
class ProjectRow:
    id: uuid.UUID
    organization_id: uuid.UUID
    slug: str
    name: str
    retention_days: int
    created_at: datetime

    @classmethod
    def from_record(cls, row: asyncpg.Record) -> ProjectRow:
        return cls(
            id=as_uuid(row["id"]),
            organization_id=as_uuid(row["organization_id"]),
            slug=row["slug"],
            name=row["name"],
            retention_days=row["retention_days"],
            created_at=row["created_at"],
        )


PROJECT_COLUMNS = "p.id, p.organization_id, p.slug, p.name, p.retention_days, p.created_at"


@dataclass(frozen=True)
class OrgMembership:
    organization: OrgRow
    role: OrgRole


@dataclass(frozen=True)
class ProjectMembership:
    project: ProjectRow
    role: ProjectRole

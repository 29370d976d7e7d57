"""Dashboards of a project: definitions checked by pydantic, stored in ``dashboards`` with an optimistic
``version`` (a save naming a stale version is refused with 409, so two editors never overwrite each
other silently).

A definition is ``{"panels": [Panel], "variables": [Variable]}``; a panel's SQL is the project's query
dialect, where ``$name`` is a variable's value and ``$resolution`` a quoted interval the UI derives from
the time range. Panels and variables may carry extra keys (display options the UI keeps).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Final, Literal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hearth_backend.errors import AlreadyExists, ResourceNotFound, StateConflict
from hearth_backend.tenancy.rows import as_uuid
from hearth_backend.tenancy.slugs import SLUG_MAX_LENGTH, Slug
from hearth_shared.tokens import Executor

ChartKind = Literal["time_series", "bar", "table", "value", "pie"]
GRID_COLUMNS: Final = 12
MAX_PANELS: Final = 100
MAX_VARIABLES: Final = 50
MAX_SQL_CHARS: Final = 100_000

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
VariableName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]


class Layout(BaseModel):
    """Position on a grid of 12 columns; rows are the UI's row height."""

    model_config = ConfigDict(extra="forbid")
    x: int = Field(ge=0, lt=GRID_COLUMNS)
    y: int = Field(ge=0, le=10_000)
    w: int = Field(ge=1, le=GRID_COLUMNS)
    h: int = Field(ge=1, le=200)

    @model_validator(mode="after")
    def _inside_the_grid(self) -> Layout:
        if self.x + self.w > GRID_COLUMNS:
            raise ValueError(f"x + w must be at most {GRID_COLUMNS} (got x={self.x}, w={self.w})")
        return self


class Panel(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    title: Annotated[str, StringConstraints(max_length=200)] = ""
    sql: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SQL_CHARS)]
    chart: ChartKind
    layout: Layout


class Variable(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: VariableName
    label: Annotated[str, StringConstraints(max_length=200)] = ""
    default: Annotated[str, StringConstraints(max_length=10_000)] = ""
    options: list[Annotated[str, StringConstraints(max_length=10_000)]] | None = Field(
        default=None, max_length=1000
    )


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    panels: list[Panel] = Field(default_factory=list, max_length=MAX_PANELS)
    variables: list[Variable] = Field(default_factory=list, max_length=MAX_VARIABLES)

    @model_validator(mode="after")
    def _unique_names(self) -> Definition:
        for what, names in (
            ("panel id", [p.id for p in self.panels]),
            ("variable", [v.name for v in self.variables]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(f"{what} {name!r} appears twice")
                seen.add(name)
        return self


class DashboardIn(BaseModel):
    """What create, import and save take (import also accepts an export file: same keys)."""

    slug: Slug | None = Field(default=None, description="Taken from the title when missing")
    title: Title
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    definition: Definition = Field(default_factory=Definition)
    version: int | None = Field(
        default=None, ge=1, description="Save (PUT): the version you edited; a stale one answers 409"
    )


class DashboardSummary(BaseModel):
    id: uuid.UUID
    slug: str
    title: str
    description: str
    standard: str | None = Field(description="The standard dashboard this one was installed as, if any")
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class Dashboard(DashboardSummary):
    definition: Definition


class DashboardExport(BaseModel):
    """The export file: what import takes back."""

    slug: str
    title: str
    description: str
    definition: Definition


_COLUMNS: Final = (
    "id, slug, title, description, standard, version, created_by, created_at, updated_at, definition"
)
_NOT_SLUG: Final = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    slug = _NOT_SLUG.sub("-", title.lower()).strip("-")[:SLUG_MAX_LENGTH].strip("-")
    return slug or "dashboard"


def _summary(row: asyncpg.Record) -> DashboardSummary:
    return DashboardSummary(
        id=as_uuid(row["id"]),
        slug=row["slug"],
        title=row["title"],
        description=row["description"],
        standard=row["standard"],
        version=row["version"],
        created_by=None if row["created_by"] is None else as_uuid(row["created_by"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _dashboard(row: asyncpg.Record) -> Dashboard:
    return Dashboard(**_summary(row).model_dump(), definition=Definition.model_validate(row["definition"]))


def _not_found(slug: str) -> ResourceNotFound:
    return ResourceNotFound(f"the project has no dashboard {slug!r}")


def _stored(definition: Definition) -> dict[str, Any]:
    return definition.model_dump(mode="json", exclude_none=True)


async def list_dashboards(db: Executor, project_id: uuid.UUID) -> list[DashboardSummary]:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM dashboards WHERE project_id = $1 ORDER BY standard IS NULL, title, slug",
        project_id,
    )
    return [_summary(row) for row in rows]


async def get_dashboard(db: Executor, project_id: uuid.UUID, slug: str) -> Dashboard:
    row = await db.fetchrow(
        f"SELECT {_COLUMNS} FROM dashboards WHERE project_id = $1 AND slug = $2", project_id, slug
    )
    if row is None:
        raise _not_found(slug)
    return _dashboard(row)


async def create_dashboard(
    db: Executor, project_id: uuid.UUID, body: DashboardIn, *, created_by: uuid.UUID | None
) -> Dashboard:
    """409 when the slug is taken."""
    slug = body.slug or slugify(body.title)
    try:
        row = await db.fetchrow(
            f"""
            INSERT INTO dashboards (project_id, slug, title, description, definition, created_by)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}
            """,
            project_id,
            slug,
            body.title,
            body.description,
            _stored(body.definition),
            created_by,
        )
    except asyncpg.UniqueViolationError as exc:
        raise AlreadyExists(f"the project has a dashboard {slug!r} already") from exc
    assert row is not None
    return _dashboard(row)


async def import_dashboard(
    db: Executor, project_id: uuid.UUID, body: DashboardIn, *, created_by: uuid.UUID | None
) -> Dashboard:
    """Like create, but a taken slug gets a ``-2``, ``-3``… suffix instead of a 409."""
    base = body.slug or slugify(body.title)
    taken = {
        row["slug"]
        for row in await db.fetch(
            "SELECT slug FROM dashboards WHERE project_id = $1 AND (slug = $2 OR slug LIKE $3)",
            project_id,
            base,
            base[: SLUG_MAX_LENGTH - 5] + "-%",
        )
    }
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return await create_dashboard(
        db, project_id, body.model_copy(update={"slug": slug}), created_by=created_by
    )


async def update_dashboard(db: Executor, project_id: uuid.UUID, slug: str, body: DashboardIn) -> Dashboard:
    """Save over ``slug`` (renamed to ``body.slug`` if given); 409 when ``body.version`` is not the stored
    version or the new slug is taken, 404 when there is no such dashboard."""
    try:
        row = await db.fetchrow(
            f"""
            UPDATE dashboards SET slug = $3, title = $4, description = $5, definition = $6,
                                  version = version + 1, updated_at = now()
            WHERE project_id = $1 AND slug = $2 AND ($7::int IS NULL OR version = $7)
            RETURNING {_COLUMNS}
            """,
            project_id,
            slug,
            body.slug or slug,
            body.title,
            body.description,
            _stored(body.definition),
            body.version,
        )
    except asyncpg.UniqueViolationError as exc:
        raise AlreadyExists(f"the project has a dashboard {body.slug!r} already") from exc
    if row is None:
        current = await db.fetchval(
            "SELECT version FROM dashboards WHERE project_id = $1 AND slug = $2", project_id, slug
        )
        if current is None:
            raise _not_found(slug)
        raise StateConflict(
            f"dashboard {slug!r} was changed by someone else (version {current}, you edited version "
            f"{body.version}); reload it and apply your changes again"
        )
    return _dashboard(row)


async def delete_dashboard(db: Executor, project_id: uuid.UUID, slug: str) -> None:
    deleted = await db.fetchval(
        "DELETE FROM dashboards WHERE project_id = $1 AND slug = $2 RETURNING id", project_id, slug
    )
    if deleted is None:
        raise _not_found(slug)

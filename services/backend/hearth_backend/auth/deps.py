"""FastAPI dependencies for routes that act for a person: who is signed in, and may they do this here.

Browser routes (``/ui-api``)::

    from hearth_backend.auth.deps import CurrentUser, OrgAdmin, ProjectReader, ProjectWriter

    router = APIRouter(prefix="/ui-api/orgs/{org}/projects/{project}")

    @router.get("/dashboards")
    async def list_dashboards(ctx: ProjectReader, backend: BackendDep) -> list[Dashboard]:
        rows = await backend.db.fetch("SELECT ... WHERE project_id = $1", ctx.project.id)
        ...

    @router.post("/dashboards", status_code=201)
    async def create_dashboard(body: NewDashboard, ctx: ProjectWriter, backend: BackendDep) -> Dashboard:
        ...  # ctx.user.id is the author

- ``CurrentUser`` (any signed-in user) → :class:`UserRow`. 401 ``not signed in`` without a valid
  session; on POST/PUT/PATCH/DELETE also the CSRF check (403 without a matching ``X-CSRF-Token``).
- ``OrgGuest`` / ``OrgMember`` / ``OrgAdmin`` → :class:`OrgContext` (``.user``, ``.organization``,
  ``.role``) for a route with an ``{org}`` path parameter; ``OrgAccess("member")`` builds others.
- ``ProjectReader`` / ``ProjectWriter`` / ``ProjectAdmin`` → :class:`ProjectContext` (``.user``,
  ``.organization``, ``.org_role``, ``.project``, ``.role``) for a route with ``{org}`` and
  ``{project}``; ``ProjectAccess("write")`` builds others.

An organization or project the user cannot see is a 404 identical to one that does not exist; a role
below the minimum is a 403 (:mod:`hearth_backend.tenancy.access`). Every ``/ui-api`` route outside
``/ui-api/auth/`` must take one of these (the role-matrix test enumerates the routes to make sure).

CLI routes (``/v1/...``, ``Authorization: <user token>``) take ``CliUser`` instead and call
:func:`~hearth_backend.tenancy.access.org_access` / ``project_access`` with that user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from hearth_backend.auth.csrf import SAFE_METHODS, check_csrf
from hearth_backend.auth.sessions import SESSION_COOKIE, Session
from hearth_backend.auth.user_tokens import user_for_token
from hearth_backend.errors import NotSignedIn
from hearth_backend.state import BackendDep
from hearth_backend.tenancy.access import OrgContext, ProjectContext, org_access, project_access
from hearth_backend.tenancy.roles import OrgRole, ProjectRole
from hearth_backend.tenancy.rows import UserRow
from hearth_backend.tenancy.users import get_user

__all__ = [
    "CliUser",
    "CurrentSession",
    "CurrentUser",
    "OrgAccess",
    "OrgAdmin",
    "OrgContext",
    "OrgGuest",
    "OrgMember",
    "ProjectAccess",
    "ProjectAdmin",
    "ProjectContext",
    "ProjectReader",
    "ProjectWriter",
    "SignedIn",
]

NOT_SIGNED_IN = "not signed in"


@dataclass(frozen=True)
class SignedIn:
    user: UserRow
    session: Session


async def optional_session(request: Request, backend: BackendDep) -> SignedIn | None:
    """The signed-in user of a browser request, or None (no CSRF check: for pages and auth routes)."""
    session = await backend.sessions.load(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    user = await get_user(backend.db, session.user_id)
    if user is None:  # the account was deleted: the session dies with it
        await backend.sessions.destroy(session.id)
        return None
    return SignedIn(user, session)


async def signed_in(
    request: Request, signed: Annotated[SignedIn | None, Depends(optional_session)]
) -> SignedIn:
    if signed is None:
        raise NotSignedIn(NOT_SIGNED_IN)
    if request.method not in SAFE_METHODS:
        check_csrf(request, signed.session)
    return signed


CurrentSession = Annotated[SignedIn, Depends(signed_in)]


async def current_user(signed: CurrentSession) -> UserRow:
    return signed.user


CurrentUser = Annotated[UserRow, Depends(current_user)]

OrgSlugParam = Annotated[str, Path(description="The organization's slug")]
ProjectSlugParam = Annotated[str, Path(description="The project's slug")]


def OrgAccess(minimum: OrgRole) -> Any:
    """``Depends`` resolving ``{org}`` for the signed-in user, who needs at least ``minimum`` there."""

    async def org_context(org: OrgSlugParam, user: CurrentUser, backend: BackendDep) -> OrgContext:
        return await org_access(backend.db, user, org, minimum)

    org_context.minimum_org_role = minimum  # type: ignore[attr-defined]  # read by tests and docs
    return Depends(org_context)


def ProjectAccess(minimum: ProjectRole) -> Any:
    """``Depends`` resolving ``{org}``/``{project}`` for the signed-in user, who needs at least
    ``minimum`` on the project."""

    async def project_context(
        org: OrgSlugParam, project: ProjectSlugParam, user: CurrentUser, backend: BackendDep
    ) -> ProjectContext:
        return await project_access(backend.db, user, org, project, minimum)

    project_context.minimum_project_role = minimum  # type: ignore[attr-defined]
    return Depends(project_context)


OrgGuest = Annotated[OrgContext, OrgAccess("guest")]
OrgMember = Annotated[OrgContext, OrgAccess("member")]
OrgAdmin = Annotated[OrgContext, OrgAccess("admin")]
ProjectReader = Annotated[ProjectContext, ProjectAccess("read")]
ProjectWriter = Annotated[ProjectContext, ProjectAccess("write")]
ProjectAdmin = Annotated[ProjectContext, ProjectAccess("admin")]


async def cli_user(request: Request, backend: BackendDep) -> UserRow:
    """The user of the ``logfire`` CLI's user token (``Authorization: <token>`` or ``Bearer <token>``)."""
    user = await user_for_token(backend.db, request.headers.get("authorization"))
    if user is None:
        raise NotSignedIn("missing, unknown or expired user token: run `logfire auth` to sign in")
    return user


CliUser = Annotated[UserRow, Depends(cli_user)]

"""Who may do what: resolve ``{org}``/``{project}`` slugs for a user and check their role.

A missing organization and one the user is not a member of give the same 404; likewise a project
that does not exist and one the user cannot see. Only a tenant the user belongs to can answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth_backend.errors import OrganizationNotFound, ProjectNotFound, RoleRequired
from hearth_backend.tenancy import orgs, projects
from hearth_backend.tenancy.roles import (
    OrgRole,
    ProjectRole,
    effective_project_role,
    org_role_at_least,
    project_role_at_least,
)
from hearth_backend.tenancy.rows import OrgRow, ProjectRow, UserRow
from hearth_shared.tokens import Executor


@dataclass(frozen=True)
class OrgContext:
    """A request's organization and the caller's role in it (at least the route's minimum)."""

    user: UserRow
    organization: OrgRow
    role: OrgRole


@dataclass(frozen=True)
class ProjectContext:
    """A request's project, its organization and the caller's roles (project role ≥ the minimum)."""

    user: UserRow
    organization: OrgRow
    org_role: OrgRole
    project: ProjectRow
    role: ProjectRole


def organization_not_found(slug: str) -> OrganizationNotFound:
    return OrganizationNotFound(f"no organization {slug!r} that you are a member of")


def project_not_found(org_slug: str, project_slug: str) -> ProjectNotFound:
    return ProjectNotFound(f"no project {org_slug}/{project_slug} that you can see")


async def org_access(db: Executor, user: UserRow, org_slug: str, minimum: OrgRole) -> OrgContext:
    membership = await orgs.membership_by_slug(db, user.id, org_slug)
    if membership is None:
        raise organization_not_found(org_slug)
    if not org_role_at_least(membership.role, minimum):
        raise RoleRequired(
            f"this needs the {minimum} role (or higher) in organization {org_slug!r}; "
            f"you are {membership.role}"
        )
    return OrgContext(user, membership.organization, membership.role)


async def project_access(
    db: Executor, user: UserRow, org_slug: str, project_slug: str, minimum: ProjectRole
) -> ProjectContext:
    membership = await orgs.membership_by_slug(db, user.id, org_slug)
    if membership is None:
        raise organization_not_found(org_slug)
    found = await projects.project_and_membership(db, membership.organization.id, user.id, project_slug)
    role = None if found is None else effective_project_role(membership.role, found[1])
    if found is None or role is None:
        raise project_not_found(org_slug, project_slug)
    if not project_role_at_least(role, minimum):
        raise RoleRequired(
            f"this needs the {minimum} role (or higher) on project {org_slug}/{project_slug}; you have {role}"
        )
    return ProjectContext(user, membership.organization, membership.role, found[0], role)

"""Organization and project roles, and the one rule that turns them into a project role.

- Organization roles: ``admin`` > ``member`` > ``guest``.
- Project roles: ``admin`` > ``write`` > ``read``.
- Effective project role of an organization member:
  org admin → ``admin`` on every project; otherwise the project membership's role if there is one;
  otherwise org member → ``write``, guest → none (the project is invisible to them).
- Someone outside the organization has no role anywhere in it.
"""

from __future__ import annotations

from typing import Final, Literal, TypeAlias, get_args

OrgRole: TypeAlias = Literal["admin", "member", "guest"]
ProjectRole: TypeAlias = Literal["admin", "write", "read"]
ORG_ROLES: Final[tuple[OrgRole, ...]] = get_args(OrgRole)
PROJECT_ROLES: Final[tuple[ProjectRole, ...]] = get_args(ProjectRole)

_ORG_RANK: Final[dict[str, int]] = {"guest": 0, "member": 1, "admin": 2}
_PROJECT_RANK: Final[dict[str, int]] = {"read": 0, "write": 1, "admin": 2}


def org_role(value: str) -> OrgRole:
    """A role read from the database (its CHECK constraint allows only these)."""
    for role in ORG_ROLES:
        if value == role:
            return role
    raise ValueError(f"unknown organization role {value!r}")


def project_role(value: str) -> ProjectRole:
    for role in PROJECT_ROLES:
        if value == role:
            return role
    raise ValueError(f"unknown project role {value!r}")


def org_role_at_least(role: OrgRole, minimum: OrgRole) -> bool:
    return _ORG_RANK[role] >= _ORG_RANK[minimum]


def project_role_at_least(role: ProjectRole, minimum: ProjectRole) -> bool:
    return _PROJECT_RANK[role] >= _PROJECT_RANK[minimum]


def highest_org_role(roles: list[OrgRole]) -> OrgRole | None:
    best: OrgRole | None = None
    for role in roles:
        if best is None or _ORG_RANK[role] > _ORG_RANK[best]:
            best = role
    return best


def effective_project_role(org: OrgRole | None, membership: ProjectRole | None) -> ProjectRole | None:
    """The caller's role on a project, from their organization role and project membership (if any)."""
    if org is None:
        return None
    if org == "admin":
        return "admin"
    if membership is not None:
        return membership
    return "write" if org == "member" else None

"""Who calls the public API: an organization API key (``Authorization: Bearer hearth_oak_…``).

A key acts in its own organization only, with its role checked like a member's organization role,
except that a guest key may read every project (a guest *person* sees only the projects they were
added to; a key has no project memberships):

=========  ===================  ==========================================================
key role   project role         may
=========  ===================  ==========================================================
admin      admin                everything below
member     write                create, change and delete alerts; import dashboards
guest      read                 list and read projects, dashboards, alerts, runs; run queries
=========  ===================  ==========================================================

No key, an unknown, revoked or expired one: 401 ``invalid-api-key``. A project of another
organization is a 404 like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Depends, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hearth_backend.errors import InvalidApiKey, ProjectNotFound, RoleRequired
from hearth_backend.state import BackendDep
from hearth_backend.tenancy.roles import OrgRole, ProjectRole, project_role_at_least
from hearth_backend.tenancy.rows import PROJECT_COLUMNS, ProjectRow
from hearth_backend.workspace.api_keys import KeyHolder, key_holder

KEY_PROJECT_ROLES: Final[dict[OrgRole, ProjectRole]] = {"admin": "admin", "member": "write", "guest": "read"}

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="OrganizationApiKey",
    description="An organization API key: `Authorization: Bearer hearth_oak_…`",
)


async def api_key(
    backend: BackendDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> KeyHolder:
    holder = None if credentials is None else await key_holder(backend.db, credentials.credentials)
    if holder is None:
        raise InvalidApiKey(
            "send a live organization API key as `Authorization: Bearer hearth_oak_…` "
            "(organization settings → API keys)"
        )
    return holder


ApiKeyHolder = Annotated[KeyHolder, Depends(api_key)]


@dataclass(frozen=True)
class KeyProjectContext:
    holder: KeyHolder
    project: ProjectRow
    role: ProjectRole


def KeyProjectAccess(minimum: ProjectRole) -> Any:
    """``Depends`` resolving ``{project}`` in the key's organization; the key's role must allow
    ``minimum`` there."""

    async def key_project(
        project: Annotated[str, Path(description="The project's slug")],
        holder: ApiKeyHolder,
        backend: BackendDep,
    ) -> KeyProjectContext:
        row = await backend.db.fetchrow(
            f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.organization_id = $1 AND p.slug = $2",
            holder.organization.id,
            project,
        )
        if row is None:
            raise ProjectNotFound(f"no project {project!r} in organization {holder.organization.slug!r}")
        role = KEY_PROJECT_ROLES[holder.role]
        if not project_role_at_least(role, minimum):
            raise RoleRequired(
                f"this needs an API key with the member role (or admin); this key is {holder.role}"
            )
        return KeyProjectContext(holder, ProjectRow.from_record(row), role)

    key_project.minimum_project_role = minimum  # type: ignore[attr-defined]  # read by tests
    return Depends(key_project)


KeyProjectReader = Annotated[KeyProjectContext, KeyProjectAccess("read")]
KeyProjectWriter = Annotated[KeyProjectContext, KeyProjectAccess("write")]

"""IdP groups → organization roles (setting ``oidc_group_roles``), applied at each OIDC login.

``{"ops": ["acme:admin"], "dev": ["acme:member", "globex:guest"]}``: organizations named in the mapping
are managed by the identity provider. For each of them the user's role becomes the highest role any of
their groups maps to, or their membership is removed when none does — except that the organization's
last admin is never demoted or removed (a warning is logged instead). Organizations the mapping does
not name are left alone, as are mapped organizations that do not exist (a warning says so).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from hearth_backend.tenancy.members import sync_org_role
from hearth_backend.tenancy.orgs import organization_ids_by_slug
from hearth_backend.tenancy.roles import OrgRole, highest_org_role, org_role
from hearth_shared.db import DatabasePool

logger = logging.getLogger("hearth.backend.oidc")


def roles_from_groups(mapping: dict[str, list[str]], groups: Iterable[str]) -> dict[str, OrgRole | None]:
    """Every organization the mapping manages → the role the user's groups give there (None: no role)."""
    granted: dict[str, list[OrgRole]] = {}
    for targets in mapping.values():
        for target in targets:
            granted.setdefault(target.split(":", 1)[0], [])
    for group in groups:
        for target in mapping.get(group, []):
            slug, role = target.split(":", 1)
            granted[slug].append(org_role(role))
    return {slug: highest_org_role(roles) for slug, roles in granted.items()}


async def apply_group_roles(
    pool: DatabasePool, user_id: uuid.UUID, mapping: dict[str, list[str]], groups: Iterable[str]
) -> None:
    if not mapping:
        return
    wanted = roles_from_groups(mapping, groups)
    ids = await organization_ids_by_slug(pool, list(wanted))
    for slug, role in wanted.items():
        organization_id = ids.get(slug)
        if organization_id is None:
            logger.warning("oidc_group_roles names organization %r, which does not exist", slug)
            continue
        if not await sync_org_role(pool, organization_id, user_id, role):
            logger.warning(
                "kept user %s as the last admin of %r although their IdP groups no longer say admin",
                user_id,
                slug,
            )

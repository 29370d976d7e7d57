"""Slugs: the identifiers of organizations and projects in URLs, CLI arguments and on the wire.

Same rule as the ``logfire`` CLI's project names (``PROJECT_NAME_PATTERN``): lowercase letters and
digits, single hyphens inside. A few organization slugs are reserved because the web UI's
``/{org}/{project}`` pages share the root with the server's own paths.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator, StringConstraints

SLUG_PATTERN: Final = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_LENGTH: Final = 63
_SLUG = re.compile(SLUG_PATTERN)
RESERVED_ORG_SLUGS: Final = frozenset(
    {"api", "ui-api", "v1", "v2", "health", "ready", "device", "assets", "login", "logout", "auth",
     "auth-api", "invitations", "settings", "static", "internal", "orgs", "new", "admin"}
)  # fmt: skip


def slug_problem(value: str) -> str | None:
    """Why ``value`` is not a valid slug, or None."""
    if not value:
        return "must not be empty"
    if len(value) > SLUG_MAX_LENGTH:
        return f"must be at most {SLUG_MAX_LENGTH} characters"
    if not _SLUG.match(value):
        return (
            "may contain lowercase letters, digits and single hyphens, and may not start or end with a hyphen"
        )
    return None


def _org_slug(value: str) -> str:
    if value in RESERVED_ORG_SLUGS:
        raise ValueError(f"{value!r} is reserved; choose another organization slug")
    return value


Slug = Annotated[str, StringConstraints(min_length=1, max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN)]
OrgSlug = Annotated[Slug, AfterValidator(_org_slug)]
#: A display name: what people read; the slug is what URLs use.
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

"""Service-to-service grants: "read project P until time T", signed with the shared secret key.

The backend (for a signed-in user's query or live view) and maintenance (for an alert's query) act on
a project without holding one of its read tokens. They send::

    Authorization: HearthInternal <project_id>.<expires_unix>.<hmac-sha256 hex>

which the query API accepts beside read tokens. Only processes that know ``HEARTH_SECRET_KEY`` can make
one; grants are short-lived, so a leaked header is worth little. The caller has already checked the
user's or alert's right to the project: the grant carries no user.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

SCHEME = "HearthInternal"
DEFAULT_TTL_SECONDS = 300


def _signature(secret_key: str, payload: str) -> str:
    return hmac.new(secret_key.encode(), f"project-read:{payload}".encode(), hashlib.sha256).hexdigest()


def issue_project_grant(
    secret_key: str, project_id: uuid.UUID, *, ttl: float = DEFAULT_TTL_SECONDS, now: float | None = None
) -> str:
    """The ``Authorization`` value granting read access to ``project_id`` for ``ttl`` seconds."""
    expires = int((time.time() if now is None else now) + ttl)
    payload = f"{project_id}.{expires}"
    return f"{SCHEME} {payload}.{_signature(secret_key, payload)}"


def is_internal(authorization: str | None) -> bool:
    return authorization is not None and authorization.startswith(f"{SCHEME} ")


def verify_project_grant(
    secret_key: str, authorization: str, *, now: float | None = None
) -> uuid.UUID | None:
    """The project an internal ``Authorization`` value grants, or None (malformed, forged, expired)."""
    if not is_internal(authorization):
        return None
    payload, _, signature = authorization.removeprefix(f"{SCHEME} ").strip().rpartition(".")
    project_text, _, expires_text = payload.partition(".")
    if not hmac.compare_digest(signature, _signature(secret_key, payload)):
        return None
    try:
        project_id = uuid.UUID(project_text)
        expires = int(expires_text)
    except ValueError:
        return None
    if expires < (time.time() if now is None else now):
        return None
    return project_id

"""Project-token checks every service shares: one set of rules and sentences for 401 and 403.

::

    grant = await require_token(tokens, request.headers.get("authorization"), "read", purpose="querying")

- no token (header missing or empty) → :class:`Unauthorized`, saying how to send one;
- a token that is unknown, revoked or expired → :class:`Unauthorized`;
- a live token of the other kind → :class:`Forbidden`, naming the kind needed and why.

Which of these a caller sees never depends on another tenant: a token grants one project, so
nothing here can reveal whether some other project exists.
"""

from __future__ import annotations

from typing import Protocol

from hearth_shared.errors import Forbidden, Unauthorized
from hearth_shared.tokens import ResolvedToken, TokenKind, parse_authorization


class TokenResolver(Protocol):
    """What resolves token text to a grant (:class:`~hearth_shared.token_cache.TokenCache`)."""

    async def resolve(self, token_text: str, kind: TokenKind | None) -> ResolvedToken | None: ...


async def require_token(
    tokens: TokenResolver, authorization: str | None, kind: TokenKind, *, purpose: str
) -> ResolvedToken:
    """The grant of the ``Authorization`` value's token if it is a live ``kind`` token.

    ``purpose`` completes the 403 sentence: "this is a read token; {purpose} needs a write token".
    """
    token = parse_authorization(authorization)
    if token is None:
        raise Unauthorized(
            f"missing Authorization header: send the project's {kind} token as `Authorization: <token>` "
            "(or `Bearer <token>`)"
        )
    # Resolve any kind, so a token of the other kind gets the 403 that says what to use instead.
    grant = await tokens.resolve(token, None)
    if grant is None:
        raise Unauthorized(f"invalid {kind} token: it is unknown, revoked or expired")
    if grant.kind != kind:
        raise Forbidden(f"this is a {grant.kind} token; {purpose} needs a {kind} token of the project")
    return grant

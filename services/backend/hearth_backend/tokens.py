"""Project tokens managed by people: create (text shown once), list, revoke.

Storage and resolution are :class:`hearth_shared.tokens.TokenStore`'s; this adds the project scope to
revocation and tells every process to forget a revoked token (:meth:`TokenCache.invalidate`: Redis key
deleted and pub/sub to every listener, so ingest and the query API refuse it within moments).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from hearth_backend.errors import ResourceNotFound
from hearth_shared.db import DatabasePool
from hearth_shared.token_cache import TokenCache
from hearth_shared.tokens import TokenKind, TokenRow, TokenStore

logger = logging.getLogger("hearth.backend.tokens")


class ProjectTokens:
    def __init__(self, pool: DatabasePool, cache: TokenCache) -> None:
        self._pool = pool
        self._cache = cache
        self.store = TokenStore(pool)

    async def create(
        self,
        project_id: uuid.UUID,
        kind: TokenKind,
        description: str,
        *,
        created_by: uuid.UUID,
        expires_at: datetime | None = None,
    ) -> tuple[str, TokenRow]:
        return await self.store.create(
            project_id, kind, description, created_by=created_by, expires_at=expires_at
        )

    async def for_project(self, project_id: uuid.UUID) -> list[TokenRow]:
        return await self.store.for_project(project_id)

    async def get(self, project_id: uuid.UUID, token_id: uuid.UUID) -> TokenRow:
        row = await self.store.get(token_id)
        if row is None or row.project_id != project_id:
            raise ResourceNotFound(f"no token {token_id} in this project")
        return row

    async def revoke(self, project_id: uuid.UUID, token_id: uuid.UUID) -> None:
        """Revoke a token of this project (404 for another project's or an unknown id; revoking twice
        is fine) and make every cache forget it."""
        token_hash: bytes | None = await self._pool.fetchval(
            """
            UPDATE tokens SET revoked_at = coalesce(revoked_at, now())
            WHERE id = $1 AND project_id = $2 RETURNING token_hash
            """,
            token_id,
            project_id,
        )
        if token_hash is None:
            raise ResourceNotFound(f"no token {token_id} in this project")
        await self.forget([bytes(token_hash)])

    async def forget(self, token_hashes: list[bytes]) -> None:
        for token_hash in token_hashes:
            try:
                await self._cache.invalidate(token_hash.hex())
            except Exception as exc:  # the database is the truth; caches expire within a minute regardless
                logger.warning(
                    "could not broadcast a token revocation (%s); other processes drop it when their "
                    "cache entries expire",
                    str(exc) or type(exc).__name__,
                )

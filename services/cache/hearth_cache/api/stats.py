"""``GET /stats``: the cache's counters and disk use, as JSON."""

from __future__ import annotations

from fastapi import APIRouter

from hearth_cache.api.deps import CacheDep

router = APIRouter(tags=["stats"])


@router.get("/stats", summary="Hits, misses, bytes and evictions of this replica")
async def stats(cache: CacheDep) -> dict[str, int]:
    return cache.snapshot()

"""HTTP routes of the cache service (beyond the shared `/health` and `/ready`).

- ``GET``/``HEAD /objects/<key>``: the object (or a byte range of it) through the cache (objects.py)
- ``GET /stats``: counters (stats.py)
"""

from __future__ import annotations

from fastapi import APIRouter

from hearth_cache.api import objects, stats

routers: list[APIRouter] = [objects.router, stats.router]

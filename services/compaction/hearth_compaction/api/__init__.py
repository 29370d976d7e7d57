"""HTTP routes of the compaction service (beyond the shared `/health` and `/ready`)."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []

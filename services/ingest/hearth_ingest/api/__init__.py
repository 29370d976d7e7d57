"""HTTP routes of the ingest service (beyond the shared `/health` and `/ready`)."""

from __future__ import annotations

from fastapi import APIRouter

from hearth_ingest.api import otlp

routers: list[APIRouter] = [otlp.router]

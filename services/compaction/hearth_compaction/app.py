"""The compaction service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_compaction.api import routers
from hearth_compaction.settings import CompactionSettings
from hearth_shared.web import service_app


def create_app(settings: CompactionSettings | None = None) -> FastAPI:
    settings = settings or CompactionSettings()
    return service_app(settings, title="Hearth compaction", routers=routers)

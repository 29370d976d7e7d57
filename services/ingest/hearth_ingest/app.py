"""The ingest service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_ingest.api import routers
from hearth_ingest.settings import IngestSettings
from hearth_shared.web import service_app


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    return service_app(settings, title="Hearth ingest", routers=routers)

"""The backend service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_backend.api import routers
from hearth_backend.settings import BackendSettings
from hearth_shared.web import service_app


def create_app(settings: BackendSettings | None = None) -> FastAPI:
    settings = settings or BackendSettings()
    return service_app(settings, title="Hearth backend", routers=routers)

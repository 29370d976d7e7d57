"""The maintenance service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_maintenance.api import routers
from hearth_maintenance.settings import MaintenanceSettings
from hearth_shared.web import service_app


def create_app(settings: MaintenanceSettings | None = None) -> FastAPI:
    settings = settings or MaintenanceSettings()
    return service_app(settings, title="Hearth maintenance", routers=routers)

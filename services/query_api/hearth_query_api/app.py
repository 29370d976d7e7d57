"""The query API service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_query_api.api import routers
from hearth_query_api.settings import QueryApiSettings
from hearth_shared.web import service_app


def create_app(settings: QueryApiSettings | None = None) -> FastAPI:
    settings = settings or QueryApiSettings()
    return service_app(settings, title="Hearth query API", routers=routers)

"""The cache service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from hearth_cache.api import routers
from hearth_cache.settings import CacheSettings
from hearth_shared.web import service_app


def create_app(settings: CacheSettings | None = None) -> FastAPI:
    settings = settings or CacheSettings()
    return service_app(settings, title="Hearth cache", routers=routers)

"""Run a service process: load settings, configure logs, check dependencies, serve with uvicorn.

Bad settings or an unreachable dependency end the process before it listens, with exit code 2 and one
sentence on stderr naming what is wrong.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import NoReturn, TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from hearth_shared.errors import StartupError
from hearth_shared.log import configure_logging
from hearth_shared.resources import open_resources
from hearth_shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
EXIT_BAD_CONFIG = 2

logger = logging.getLogger("hearth.serve")


def describe_validation_error(settings_cls: type[ServiceSettings], exc: ValidationError) -> str:
    """One sentence per invalid setting, named as its environment variable."""
    prefix = settings_cls.model_config.get("env_prefix", "")
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "settings"
        parts.append(f"{prefix}{field.upper()} is invalid: {err.get('msg', '')}")
    return "; ".join(parts)


def load_settings(settings_cls: type[S]) -> S:
    try:
        return settings_cls()
    except ValidationError as exc:
        fail(settings_cls.service_name, describe_validation_error(settings_cls, exc))


def fail(service: str, sentence: str) -> NoReturn:
    print(f"hearth-{service}: cannot start: {sentence}", file=sys.stderr, flush=True)
    sys.exit(EXIT_BAD_CONFIG)


async def preflight(settings: ServiceSettings) -> None:
    """Open and close every dependency once, so a bad DSN or URL fails before the port opens."""
    async with AsyncExitStack() as stack:
        await open_resources(settings, stack)


def run_service(settings_cls: type[S], create_app: Callable[[S], FastAPI]) -> None:
    settings = load_settings(settings_cls)
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    try:
        asyncio.run(preflight(settings))
    except StartupError as exc:
        fail(settings.service_name, exc.detail)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
        server_header=False,
    )
    server = uvicorn.Server(config)
    logger.info("starting", extra={"host": settings.host, "port": settings.port})
    server.run()
    if not server.started:
        sys.exit(1)

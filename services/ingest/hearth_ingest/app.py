"""The ingest service's app factory.

The lifespan opens, in order: the token cache (and its invalidation listener), the segment pipeline
and the WAL writer (which recovers what a previous run left and hands it to the pipeline). At
shutdown the writer seals its open segment first, then the pipeline gets to finish what it runs.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from hearth_ingest.api import routers
from hearth_ingest.api.otlp import OtlpIngest
from hearth_ingest.errors import WalFull, WalUnavailable
from hearth_ingest.pipeline import SegmentPipeline
from hearth_ingest.settings import IngestSettings
from hearth_ingest.wal.writer import WalWriter
from hearth_shared.errors import StartupError
from hearth_shared.resources import Resources
from hearth_shared.token_cache import TokenCache
from hearth_shared.web import readiness_checks, service_app


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI, resources: Resources) -> AsyncIterator[None]:
        assert resources.db is not None  # IngestSettings declares Postgres and Redis
        async with AsyncExitStack() as stack:
            tokens = TokenCache(resources.db, resources.redis)
            await stack.enter_async_context(tokens.listening())

            # A lambda: the writer does not exist yet (each needs the other).
            pipeline = SegmentPipeline(settings, on_released=lambda size: writer.released(size))  # noqa: PLW0108
            writer = WalWriter(
                Path(settings.wal_dir),
                segment_max_bytes=settings.wal_segment_max_bytes,
                segment_max_age=settings.wal_segment_max_age,
                budget_bytes=settings.wal_budget_bytes,
                on_sealed=pipeline.submit,
            )
            try:
                pending = await writer.start()
            except OSError as exc:
                raise StartupError(
                    f"cannot use the write-ahead log directory {settings.wal_dir}: {exc.strerror or exc}"
                ) from exc
            stack.push_async_callback(pipeline.close)  # runs after writer.close (LIFO)
            stack.push_async_callback(writer.close)
            await pipeline.start(pending)

            app.state.otlp = OtlpIngest(
                tokens=tokens, wal=writer, max_request_bytes=settings.max_request_bytes
            )
            readiness_checks(app)["wal"] = lambda: check_wal(writer)
            yield

    return service_app(settings, title="Hearth ingest", lifespan=lifespan, routers=routers)


async def check_wal(writer: WalWriter) -> str:
    """Ready when the WAL directory is writable and the WAL is under its disk budget."""
    if not writer.directory.is_dir():
        raise WalUnavailable(f"the write-ahead log directory {writer.directory} is missing")
    if not os.access(writer.directory, os.W_OK | os.X_OK):
        raise WalUnavailable(f"the write-ahead log directory {writer.directory} is not writable")
    if writer.used_bytes >= writer.budget_bytes:
        raise WalFull(
            f"the write-ahead log is full ({writer.used_bytes} of {writer.budget_bytes} bytes) while "
            "object storage catches up"
        )
    return "ok"

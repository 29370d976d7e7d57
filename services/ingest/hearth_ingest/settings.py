"""Settings of the ingest service (env prefix ``HEARTH_``)."""

from __future__ import annotations

from typing import ClassVar

from hearth_shared.settings import DatabaseSettings, RedisSettings, ServiceSettings, StorageSettings


class IngestSettings(ServiceSettings, DatabaseSettings, RedisSettings, StorageSettings):
    """Everything the ingest process reads from its environment."""

    service_name: ClassVar[str] = "ingest"
    default_port: ClassVar[int] = 8012
    doc_title: ClassVar[str] = "ingest (`hearth-ingest`)"

"""Settings of the cache service (env prefix ``HEARTH_``)."""

from __future__ import annotations

from typing import ClassVar

from hearth_shared.settings import ServiceSettings, StorageSettings


class CacheSettings(ServiceSettings, StorageSettings):
    """Everything the cache process reads from its environment."""

    service_name: ClassVar[str] = "cache"
    default_port: ClassVar[int] = 9001
    doc_title: ClassVar[str] = "cache (`hearth-cache`)"

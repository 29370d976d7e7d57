"""Settings of the maintenance service (env prefix ``HEARTH_``)."""

from __future__ import annotations

from typing import ClassVar

from hearth_shared.settings import DatabaseSettings, RedisSettings, ServiceSettings, StorageSettings


class MaintenanceSettings(ServiceSettings, DatabaseSettings, RedisSettings, StorageSettings):
    """Everything the maintenance process reads from its environment."""

    service_name: ClassVar[str] = "maintenance"
    default_port: ClassVar[int] = 8014
    doc_title: ClassVar[str] = "maintenance (`hearth-maintenance`)"

"""Settings of the compaction service (env prefix ``HEARTH_``)."""

from __future__ import annotations

from typing import ClassVar

from hearth_shared.settings import DatabaseSettings, ServiceSettings, StorageSettings


class CompactionSettings(ServiceSettings, DatabaseSettings, StorageSettings):
    """Everything the compaction process reads from its environment."""

    service_name: ClassVar[str] = "compaction"
    default_port: ClassVar[int] = 8013
    doc_title: ClassVar[str] = "compaction (`hearth-compaction`)"

"""Settings of the backend service (env prefix ``HEARTH_``)."""

from __future__ import annotations

from typing import ClassVar

from hearth_shared.settings import DatabaseSettings, RedisSettings, SecretSettings, ServiceSettings


class BackendSettings(ServiceSettings, DatabaseSettings, RedisSettings, SecretSettings):
    """Everything the backend process reads from its environment."""

    service_name: ClassVar[str] = "backend"
    default_port: ClassVar[int] = 8000
    doc_title: ClassVar[str] = "backend (`hearth-backend`)"

"""Settings of the query API service (env prefix ``HEARTH_``)."""

from __future__ import annotations

from typing import ClassVar

from hearth_shared.settings import DatabaseSettings, ServiceSettings, StorageSettings


class QueryApiSettings(ServiceSettings, DatabaseSettings, StorageSettings):
    """Everything the query API process reads from its environment."""

    service_name: ClassVar[str] = "query_api"
    default_port: ClassVar[int] = 8011
    doc_title: ClassVar[str] = "query API (`hearth-query-api`)"

"""Settings of the query API service (env prefix ``HEARTH_``)."""

from __future__ import annotations

import os
import tempfile
from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from hearth_shared.settings import (
    DatabaseSettings,
    RedisSettings,
    SecretSettings,
    ServiceSettings,
    StorageSettings,
)

MIB = 1024 * 1024


class QueryApiSettings(ServiceSettings, DatabaseSettings, RedisSettings, StorageSettings, SecretSettings):
    """Everything the query API process reads from its environment."""

    service_name: ClassVar[str] = "query_api"
    default_port: ClassVar[int] = 8011
    doc_title: ClassVar[str] = "query API (`hearth-query-api`)"

    query_timeout: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds a query may run (planning, execution and collecting its rows); beyond it the query is "
            "cancelled and the caller gets 504."
        ),
    )
    query_max_concurrent: int = Field(
        default=8,
        ge=1,
        description="Queries run at once by one process; one more gets 429 with Retry-After.",
    )
    query_retry_after: float = Field(
        default=1.0, gt=0, description="Seconds sent as Retry-After when every query slot is busy."
    )
    query_memory_limit_bytes: int = Field(
        default=1024 * MIB,
        ge=16 * MIB,
        description=(
            "Memory one query may hold for sorts, joins and aggregations before it spills to disk (a fair "
            "spill pool); the process may use up to this times `query_max_concurrent`."
        ),
    )
    query_spill_dir: str = Field(
        default="",
        description=(
            "Directory for the spill files of queries over their memory limit; empty: the system temp dir."
        ),
    )
    query_target_partitions: int = Field(
        default=0,
        ge=0,
        description="Parallel partitions of one query's execution; 0: the number of CPU cores.",
    )
    query_cache_url: str = Field(
        default="",
        description=(
            "Base URL of the cache tier (any replica, e.g. `http://cache:9001`): Parquet reads go through "
            "it. Empty: read object storage directly (right for local-disk storage)."
        ),
    )
    query_default_limit: int = Field(
        default=100, ge=1, description="Rows returned when a request gives no `limit`."
    )
    query_max_limit: int = Field(
        default=10_000,
        ge=1,
        description="Largest `limit` a request may ask for (Logfire's documented maximum is 10,000).",
    )
    live_keepalive_seconds: float = Field(
        default=15.0,
        gt=0,
        description=(
            "A live stream (`GET /v2/live`) with nothing new sends a keep-alive comment this often, so "
            "proxies and the backend's relay keep the connection open."
        ),
    )
    live_max_rows_per_event: int = Field(
        default=500,
        ge=1,
        description=(
            "Most rows one live event carries; a tail entry with more matching rows sends its newest ones "
            "and the count of those left out (a live view is for watching, queries are for reading all)."
        ),
    )

    @field_validator("query_cache_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL of the cache tier, or empty")
        return value

    @model_validator(mode="after")
    def _limits(self) -> QueryApiSettings:
        if self.query_default_limit > self.query_max_limit:
            raise ValueError("query_default_limit must not exceed query_max_limit")
        return self

    @property
    def effective_spill_dir(self) -> str:
        return self.query_spill_dir or os.path.join(tempfile.gettempdir(), "hearth-query-spill")

    @property
    def effective_target_partitions(self) -> int:
        return self.query_target_partitions or os.cpu_count() or 1

"""Settings of the maintenance service (env prefix ``HEARTH_``)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from hearth_shared.settings import (
    CsvList,
    DatabaseSettings,
    PublicUrlSettings,
    RedisSettings,
    SecretSettings,
    ServiceSettings,
    StorageSettings,
    http_base_url,
    split_csv,
)

JobName = Literal["retention", "retired_objects", "orphans", "housekeeping", "alerts", "notifications"]
JOB_NAMES: tuple[JobName, ...] = (
    "retention",
    "retired_objects",
    "orphans",
    "housekeeping",
    "alerts",
    "notifications",
)

HOUR = 3600.0
DAY = 24 * HOUR


class MaintenanceSettings(
    ServiceSettings, DatabaseSettings, RedisSettings, StorageSettings, SecretSettings, PublicUrlSettings
):
    """Everything the maintenance process reads from its environment."""

    service_name: ClassVar[str] = "maintenance"
    default_port: ClassVar[int] = 8014
    doc_title: ClassVar[str] = "maintenance (`hearth-maintenance`)"

    maintenance_jobs: CsvList = Field(
        default=list(JOB_NAMES),
        description=(
            "Jobs this process runs, comma separated, from: " + ", ".join(JOB_NAMES) + ". Every replica may "
            "run every job: each run takes a PostgreSQL advisory lock (alerts and notifications claim rows "
            "with `FOR UPDATE SKIP LOCKED`), so replicas never do the same work at once."
        ),
    )

    # ---- retention
    retention_interval: float = Field(
        default=HOUR, gt=0, description="Seconds between two retention runs (retiring expired partitions)."
    )
    retention_default_days: int = Field(
        default=30,
        ge=1,
        description=(
            "Retention applied to catalogued data of projects the app database no longer knows (deleted "
            "projects); every existing project uses its own `retention_days`."
        ),
    )

    # ---- retired objects
    retired_objects_interval: float = Field(
        default=300.0, gt=0, description="Seconds between two deletions of retired objects."
    )
    retired_object_grace: float = Field(
        default=HOUR,
        ge=0,
        description=(
            "Seconds a retired file's object is kept before it is deleted and its catalog row forgotten. "
            "Must exceed the longest query (the query API's `query_timeout`, 30 s by default): a query "
            "planned just before the retirement still reads the object."
        ),
    )

    # ---- orphans
    orphans_interval: float = Field(
        default=6 * HOUR, gt=0, description="Seconds between two sweeps for orphaned objects."
    )
    orphan_min_age: float = Field(
        default=6 * HOUR,
        gt=0,
        description=(
            "Seconds an object under `records/` or `metrics/` that the catalog does not know must have "
            "existed before the sweep deletes it. Must exceed the time between ingest or compaction "
            "writing an object and cataloguing it (seconds normally; longer while Postgres is down)."
        ),
    )

    # ---- housekeeping
    housekeeping_interval: float = Field(
        default=HOUR, gt=0, description="Seconds between two housekeeping runs of the app tables."
    )
    alert_run_history: int = Field(
        default=1000, ge=1, description="Runs kept per alert; older ones are deleted by housekeeping."
    )
    alert_history_days: int = Field(
        default=30,
        ge=1,
        description=(
            "Days alert runs and finished (delivered or failed) notifications are kept at most, whatever "
            "`alert_run_history` allows."
        ),
    )
    expired_credentials_days: int = Field(
        default=30,
        ge=0,
        description=(
            "Days after which expired or revoked CLI user tokens, expired device logins and expired, "
            "revoked or accepted invitations are deleted."
        ),
    )

    # ---- alerts
    query_api_url: str = Field(
        default="http://127.0.0.1:8011",
        description="Base URL of the query API, which runs every alert's SQL (`POST /v2/query`).",
    )
    alerts_interval: float = Field(
        default=5.0,
        gt=0,
        description="Seconds between two looks for due alerts (each alert runs on its own interval).",
    )
    alert_concurrency: int = Field(
        default=4,
        ge=1,
        description="Alerts one process evaluates at once; also the notifications it delivers at once.",
    )
    alert_query_timeout: float = Field(
        default=60.0,
        gt=0,
        description=(
            "Seconds an alert's query may take, over HTTP, before the run is recorded as an error; keep it "
            "above the query API's `query_timeout`."
        ),
    )
    alert_max_rows: int = Field(
        default=1000,
        ge=1,
        le=10_000,
        description=(
            "Rows an alert's query returns at most: the row count, the `result_changes` comparison and "
            "the sample all see at most this many."
        ),
    )
    alert_sample_rows: int = Field(
        default=5,
        ge=0,
        le=100,
        description="Rows of the result kept with each run and sent in notifications.",
    )

    # ---- notifications
    notifications_interval: float = Field(
        default=2.0, gt=0, description="Seconds between two looks for notifications due for delivery."
    )
    notification_timeout: float = Field(
        default=10.0, gt=0, description="Seconds one delivery (HTTP POST to a webhook or Slack) may take."
    )
    notification_max_attempts: int = Field(
        default=6,
        ge=1,
        description="Delivery attempts of one notification before it is marked failed for good.",
    )
    notification_backoff: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds before the first retry of a failed delivery; each further retry waits twice as long."
        ),
    )
    notification_backoff_max: float = Field(
        default=HOUR, gt=0, description="Longest wait between two delivery attempts, in seconds."
    )

    @field_validator("maintenance_jobs", mode="before")
    @classmethod
    def _split_jobs(cls, value: Any) -> Any:
        return split_csv(value)

    @field_validator("maintenance_jobs")
    @classmethod
    def _known_jobs(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in JOB_NAMES]
        if unknown:
            raise ValueError(f"unknown jobs {', '.join(unknown)}; choose from {', '.join(JOB_NAMES)}")
        return value

    @field_validator("query_api_url")
    @classmethod
    def _query_api_url(cls, value: str) -> str:
        return http_base_url(value, what="query_api_url")

"""Settings shared by every Hearth process.

Every setting is read from the environment with the one prefix ``HEARTH_`` (``HEARTH_DATABASE_URL``…),
and every field carries a description: ``docs/configuration.md`` is generated from these classes
(``hearth config-docs``) and a test fails when it is stale.

A service's settings class combines the blocks it needs::

    class IngestSettings(ServiceSettings, DatabaseSettings, RedisSettings, StorageSettings): ...

Values are validated at start so a bad setting fails with one clear sentence, before any port opens.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

import orjson
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "HEARTH_"

# Every secret default below is for the embedded dev stack only; production refuses it.
DEV_SECRET = "hearth-dev-secret-change-me"  # noqa: S105 - a marker, refused outside dev


def _split_csv(value: Any) -> Any:
    """Lists in env vars are comma separated (``a,b``); JSON lists are accepted too."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return orjson.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]


class HearthSettings(BaseSettings):
    """Base of every settings class: env prefix, environment, logging, self-telemetry."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    #: Shown in generated docs as the section title.
    doc_title: ClassVar[str] = "Common"

    environment: Literal["dev", "production"] = Field(
        default="dev",
        description="`dev` allows the built-in development secrets; `production` refuses them at start.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Minimum level of the JSON-lines logs written to stderr."
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="`json` writes one JSON object per line; `text` is for reading by eye."
    )
    otel_exporter_endpoint: str | None = Field(
        default=None,
        description=(
            "OTLP/HTTP base URL this process sends its own traces and metrics to (for example Hearth's own "
            "gateway). Unset: self-telemetry is off."
        ),
    )
    otel_exporter_token: SecretStr | None = Field(
        default=None, description="Write token sent as `Authorization` with self-telemetry."
    )


class ServiceSettings(HearthSettings):
    """A process that listens on a port (every service has at least `/health` and `/ready`)."""

    service_name: ClassVar[str] = "hearth"
    default_port: ClassVar[int] = 8000

    host: str = Field(
        default="127.0.0.1", description="Address the service binds to (`0.0.0.0` in containers)."
    )
    port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="TCP port the service listens on; 0 means the service's documented default.",
    )

    @model_validator(mode="after")
    def _default_port(self) -> ServiceSettings:
        if self.port == 0:
            self.port = self.default_port
        return self


class DatabaseSettings(HearthSettings):
    """PostgreSQL: app data (users, projects, tokens…) and the Parquet file catalog."""

    database_url: str = Field(
        default="postgresql://postgres@localhost:5432/hearth",
        description=(
            "PostgreSQL DSN for app data, e.g. `postgresql://user:pass@host:5432/hearth` or "
            "`postgresql://postgres@/postgres?host=/path/to/socket-dir`."
        ),
    )
    catalog_database_url: str | None = Field(
        default=None,
        description="PostgreSQL DSN of the file catalog; unset means the same as `database_url`.",
    )
    database_pool_min: int = Field(default=1, ge=0, description="Connections kept open per process.")
    database_pool_max: int = Field(default=10, ge=1, description="Most connections a process opens.")
    database_connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for PostgreSQL before failing at start."
    )

    @field_validator("database_url", "catalog_database_url")
    @classmethod
    def _postgres_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"must be a postgresql:// DSN, got {value.split(':', 1)[0]!r}")
        return value

    @property
    def effective_catalog_database_url(self) -> str:
        return self.catalog_database_url or self.database_url


class RedisSettings(HearthSettings):
    """Redis: live tail streams, autocomplete, token cache."""

    redis_url: str = Field(
        default="redis://localhost:6379/0",
        description="Redis URL: `redis://host:6379/0`, `rediss://…` or `unix:///path/redis.sock`.",
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value


class StorageSettings(HearthSettings):
    """Object storage holding the Parquet files (local directory, S3-compatible, Azure Blob, GCS)."""

    storage_url: str = Field(
        default="file://./.hearth/objects",
        description=(
            "Where Parquet objects live: `file:///abs/dir`, `s3://bucket/prefix`, `az://container/prefix` "
            "or `gs://bucket/prefix`."
        ),
    )
    storage_options: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Extra client options as a JSON object, passed to the object store: e.g. "
            '`{"endpoint": "http://minio:9000", "region": "us-east-1", "access_key_id": "…", '
            '"secret_access_key": "…", "allow_http": "true"}` for S3-compatible servers; Azure '
            "`account_name`/`account_key`; GCS `service_account_path`. Unset options fall back to the "
            "provider's usual environment variables."
        ),
    )

    @field_validator("storage_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in {"file", "s3", "az", "azure", "abfs", "abfss", "gs", "memory"}:
            raise ValueError(
                f"unsupported storage URL {value!r}: use file://, s3://, az://, gs:// (or memory:// in tests)"
            )
        return value


class SecretSettings(HearthSettings):
    """Secrets that sign things (session cookies, internal calls)."""

    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET),
        description="Key that signs session cookies and CSRF tokens. Must be set (≥ 32 chars) in production.",
    )

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> SecretSettings:
        if self.environment == "production":
            secret = self.secret_key.get_secret_value()
            if secret == DEV_SECRET or len(secret) < 32:
                raise ValueError(
                    "HEARTH_SECRET_KEY must be set to a random value of 32+ characters in production"
                )
        return self


def http_base_url(value: str, *, what: str) -> str:
    """``scheme://host[:port][/prefix]`` over http(s), without a trailing slash (validator body for the
    URL settings of every service; ``what`` names the setting in the error)."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{text!r} is not an http(s) URL: use http(s)://host[:port] for {what}")
    if parts.query or parts.fragment:
        raise ValueError(f"{text!r}: {what} takes no query string or fragment")
    return text


class PublicUrlSettings(HearthSettings):
    """Where users and SDKs reach Hearth, for the links services build."""

    public_base_url: str | None = Field(
        default=None,
        description=(
            "URL users and SDKs reach Hearth at (the gateway), e.g. `https://hearth.example.com`; links are "
            "built from it (the project URL the `logfire` SDK prints, alert links in notifications). "
            "Unset: the backend takes it from each request (`X-Forwarded-Proto`/`X-Forwarded-Host` set by "
            "the gateway, else `Host`); notifications carry no link."
        ),
    )

    @field_validator("public_base_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # Helm/compose templates often render an unset variable as the empty string.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, value: str | None) -> str | None:
        return None if value is None else http_base_url(value, what="public_base_url")


def split_csv(value: Any) -> Any:
    """Validator body for ``CsvList`` fields (public so services reuse it)."""
    return _split_csv(value)

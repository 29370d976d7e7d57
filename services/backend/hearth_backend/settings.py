"""Settings of the backend service (env prefix ``HEARTH_``)."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from hearth_shared.settings import DatabaseSettings, RedisSettings, SecretSettings, ServiceSettings


def _http_url(value: str, *, what: str) -> str:
    """``scheme://host[:port][/prefix]`` over http(s), without a trailing slash."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{text!r} is not an http(s) URL: use http(s)://host[:port] for {what}")
    if parts.query or parts.fragment:
        raise ValueError(f"{text!r}: {what} takes no query string or fragment")
    return text


class BackendSettings(ServiceSettings, DatabaseSettings, RedisSettings, SecretSettings):
    """Everything the backend process reads from its environment."""

    service_name: ClassVar[str] = "backend"
    default_port: ClassVar[int] = 8000
    doc_title: ClassVar[str] = "backend (`hearth-backend`)"

    public_base_url: str | None = Field(
        default=None,
        description=(
            "URL users and SDKs reach Hearth at (the gateway), e.g. `https://hearth.example.com`; links "
            "such as the project URL the `logfire` SDK prints are built from it. Unset: taken from each "
            "request (`X-Forwarded-Proto`/`X-Forwarded-Host` set by the gateway, else `Host`)."
        ),
    )
    query_api_url: str = Field(
        default="http://127.0.0.1:8011",
        description=(
            "Base URL of the query API, which runs the queries behind `GET /v1/query` (and `POST /v2/query` "
            "when it reaches the backend instead of going to the query API directly)."
        ),
    )
    query_api_connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a connection to the query API (then 504)."
    )
    query_api_timeout: float = Field(
        default=120.0,
        gt=0,
        description=(
            "Seconds the query API may stay silent (before its answer starts, or between two chunks of it) "
            "before a forwarded query fails with 504; keep it above the query API's `query_timeout`."
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
        return None if value is None else _http_url(value, what="public_base_url")

    @field_validator("query_api_url")
    @classmethod
    def _query_api_url(cls, value: str) -> str:
        return _http_url(value, what="query_api_url")

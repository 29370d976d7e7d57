"""Settings of the gateway service (env prefix ``HEARTH_``).

The gateway talks to no database, Redis or object store: only to the upstream services it routes to.
Upstream URLs are validated at start (``http``/``https`` with a host), so a typo fails before the
port opens with one sentence naming the variable.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from hearth_shared.settings import CsvList, ServiceSettings, split_csv

MIB = 1024 * 1024


def check_upstream_url(value: str) -> str:
    """An upstream base URL: ``http(s)://host[:port][/prefix]``, returned without a trailing slash."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError on a port that is not a number in range
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid URL: {exc}") from exc
    if parts.scheme not in {"http", "https"}:
        scheme = parts.scheme or "no scheme"
        raise ValueError(f"{text!r} must be an http:// or https:// URL (got {scheme})")
    if not parts.hostname:
        raise ValueError(f"{text!r} has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{text!r} must not carry credentials")
    if parts.query or parts.fragment:
        raise ValueError(f"{text!r} must not have a query string or fragment")
    return text.rstrip("/")


def check_origin(value: str) -> str:
    """A CORS origin: ``*`` or ``scheme://host[:port]`` (no path)."""
    text = value.strip()
    if text == "*":
        return text
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path not in {"", "/"}:
        raise ValueError(f"{text!r} is not an origin: use scheme://host[:port] (no path) or *")
    return text.rstrip("/")


class GatewaySettings(ServiceSettings):
    """Everything the gateway process reads from its environment."""

    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 8080
    doc_title: ClassVar[str] = "gateway (`hearth-gateway`)"

    backend_url: str = Field(
        default="http://127.0.0.1:8000",
        description=(
            "Base URL of the backend (web UI, `/ui-api`, `/api`, non-ingest `/v1/*`, `/.well-known/*`, and "
            "every path no other rule claims)."
        ),
    )
    query_api_url: str = Field(
        default="http://127.0.0.1:8011", description="Base URL of the query API (`POST /v2/query`)."
    )
    ingest_urls: CsvList = Field(
        default_factory=lambda: ["http://127.0.0.1:8012"],
        description=(
            "Base URLs of the ingest replicas, comma separated. `/v1/traces`, `/v1/logs` and `/v1/metrics` "
            "are spread over them by a consistent hash of the `Authorization` header, so one project's data "
            "lands on few replicas; a replica that refuses connections is skipped for the next one."
        ),
    )
    dex_url: str | None = Field(
        default=None,
        description=(
            "Base URL of Dex (or another IdP) serving `/auth-api/*`. Unset: `/auth-api/*` answers 404."
        ),
    )
    max_request_bytes: int = Field(
        default=100 * MIB,
        gt=0,
        description=(
            "Largest request body accepted, in bytes (compressed size, as sent). Larger bodies get 413, "
            "from `Content-Length` at once or while streaming a chunked body."
        ),
    )
    connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a TCP connection to an upstream (then 504)."
    )
    upstream_timeout: float = Field(
        default=60.0,
        gt=0,
        description=(
            "Seconds an upstream may stay silent (before its response starts, or between two chunks of a "
            "streamed response) before the gateway answers 504 or cuts the stream. Live streams (SSE) must "
            "send a heartbeat more often than this."
        ),
    )
    cors_allow_origins: CsvList = Field(
        default_factory=list,
        description=(
            "Browser origins allowed to call Hearth cross-origin, comma separated "
            "(`https://app.example.com`), or `*` for any. Empty: same-origin only (no CORS headers, "
            "preflights are passed through)."
        ),
    )
    max_connections: int = Field(
        default=512,
        ge=1,
        description=(
            "Most open connections from this gateway process to each upstream (each ingest replica counts "
            "separately). Open live streams hold one each."
        ),
    )

    @field_validator("ingest_urls", "cors_allow_origins", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return split_csv(value)

    @field_validator("dex_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # Helm/compose templates often render an unset variable as the empty string.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("backend_url", "query_api_url", "dex_url")
    @classmethod
    def _upstream_url(cls, value: str | None) -> str | None:
        return None if value is None else check_upstream_url(value)

    @field_validator("ingest_urls")
    @classmethod
    def _ingest_urls(cls, value: list[str]) -> list[str]:
        urls = [check_upstream_url(url) for url in value]
        if not urls:
            raise ValueError("at least one ingest URL is required")
        if len(set(urls)) != len(urls):
            raise ValueError("an ingest URL is listed twice")
        return urls

    @field_validator("cors_allow_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return [check_origin(origin) for origin in value]

"""Settings of the cache service (env prefix ``HEARTH_``).

The cache serves byte ranges of the objects in object storage (the same ``storage_*`` settings as
every other service) from its local disk, filled on a miss. Several replicas share the work by a
consistent hash of the object key: list them all in ``cache_peers`` and give each its own
``cache_self_url`` (in Kubernetes, a StatefulSet's pod DNS names).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from hearth_shared.settings import CsvList, ServiceSettings, StorageSettings, split_csv

MIB = 1024 * 1024
GIB = 1024 * MIB


def check_base_url(value: str) -> str:
    """A replica base URL: ``http(s)://host[:port]``, returned without a trailing slash."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError on a port that is not a number in range
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid URL: {exc}") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{text!r} must be an http:// or https:// URL with a host")
    if parts.query or parts.fragment or parts.username is not None:
        raise ValueError(f"{text!r} must not carry credentials, a query string or a fragment")
    return text.rstrip("/")


class CacheSettings(ServiceSettings, StorageSettings):
    """Everything the cache process reads from its environment."""

    service_name: ClassVar[str] = "cache"
    default_port: ClassVar[int] = 9001
    doc_title: ClassVar[str] = "cache (`hearth-cache`)"

    cache_dir: Path = Field(
        default=Path(".hearth/cache"),
        description=(
            "Directory holding the cached chunks (created if missing). It is scanned at start, so what "
            "was cached survives a restart; anything in it may be deleted at any time."
        ),
    )
    cache_max_bytes: int = Field(
        default=10 * GIB,
        ge=1,
        description=(
            "Disk budget in bytes. When cached chunks exceed it, the least recently read are deleted "
            "until it holds again."
        ),
    )
    cache_chunk_bytes: int = Field(
        default=4 * MIB,
        ge=64 * 1024,
        le=256 * MIB,
        description=(
            "Objects are fetched and kept in aligned chunks of this many bytes, so reading a Parquet "
            "footer or one column fetches a few chunks, not the whole file. Changing it discards the "
            "chunks cached with the old size at the next start."
        ),
    )
    cache_readahead: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Chunks of one long range request fetched from object storage at the same time.",
    )
    cache_peers: CsvList = Field(
        default_factory=list,
        description=(
            "Base URLs of every cache replica, this one included, comma separated. Each object key is "
            "owned by one replica (consistent hash); a request reaching another replica is forwarded to "
            "the owner. Empty: this process serves everything itself."
        ),
    )
    cache_self_url: str | None = Field(
        default=None,
        description=(
            "This replica's own URL exactly as written in `cache_peers` (required when `cache_peers` is set)."
        ),
    )
    cache_peer_timeout: float = Field(
        default=2.0,
        gt=0,
        description=(
            "Seconds to wait for the owning replica to accept a forwarded request. A replica that fails "
            "(refused, timed out, 5xx) is skipped for a few seconds, and its objects are read straight "
            "from object storage without being cached here."
        ),
    )

    @field_validator("cache_peers", mode="before")
    @classmethod
    def _split_peers(cls, value: Any) -> Any:
        return split_csv(value)

    @field_validator("cache_self_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cache_peers")
    @classmethod
    def _peer_urls(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(check_base_url(url) for url in value))

    @field_validator("cache_self_url")
    @classmethod
    def _self_url(cls, value: str | None) -> str | None:
        return None if value is None else check_base_url(value)

    @model_validator(mode="after")
    def _self_among_peers(self) -> CacheSettings:
        if self.cache_peers and self.cache_self_url not in self.cache_peers:
            raise ValueError(
                "cache_self_url must be set to this replica's URL exactly as listed in cache_peers"
            )
        return self

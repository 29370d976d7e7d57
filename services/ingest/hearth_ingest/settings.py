"""Settings of the ingest service (env prefix ``HEARTH_``)."""

from __future__ import annotations

import re
import socket
from typing import ClassVar

from pydantic import Field, field_validator

from hearth_shared.settings import DatabaseSettings, RedisSettings, ServiceSettings, StorageSettings

MIB = 1024 * 1024
GIB = 1024 * MIB

_NODE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def default_node_id() -> str:
    """The host name, reduced to the characters a file name may hold."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", socket.gethostname()).strip("-._")[:63]
    return name or "ingest"


class IngestSettings(ServiceSettings, DatabaseSettings, RedisSettings, StorageSettings):
    """Everything the ingest process reads from its environment."""

    service_name: ClassVar[str] = "ingest"
    default_port: ClassVar[int] = 8012
    doc_title: ClassVar[str] = "ingest (`hearth-ingest`)"

    wal_dir: str = Field(
        default=".hearth/wal",
        description=(
            "Directory of the write-ahead log: requests are fsynced here before they are acknowledged. "
            "Give each replica its own directory on a persistent disk."
        ),
    )
    wal_segment_max_bytes: int = Field(
        default=16 * MIB,
        ge=4096,
        description="A WAL segment is sealed and handed to the converters once it holds this many bytes.",
    )
    wal_segment_max_age: float = Field(
        default=0.25,
        gt=0,
        description=(
            "Seconds after which a WAL segment is sealed even if small; keeps data queryable within "
            "about 2 s of its acknowledgement."
        ),
    )
    wal_budget_bytes: int = Field(
        default=2 * GIB,
        ge=1,
        description=(
            "Most bytes the WAL may hold on disk (e.g. while object storage is down); beyond it requests "
            "get 503 with Retry-After until conversion catches up."
        ),
    )
    max_request_bytes: int = Field(
        default=100 * MIB,
        ge=1,
        description=(
            "Largest OTLP request body accepted, both as sent and after decompression; larger ones get "
            "413 (the Logfire SDK then splits its batch)."
        ),
    )
    processor_workers: int = Field(
        default=2,
        ge=0,
        description=(
            "Worker processes converting WAL segments to Parquet (one per core is right). 0 disables "
            "conversion; for tests of the HTTP layer only."
        ),
    )
    native_conversion: bool = Field(
        default=True,
        description=(
            "Convert spans with the C fast path (native/otlp), falling back to the Python converter for "
            "the spans it does not handle; false converts everything in Python (a baseline for benchmarks, "
            "and a way out should the fast path ever misbehave: both give the same rows)."
        ),
    )
    node_id: str = Field(
        default="",
        description=(
            "Names the Parquet files this replica writes; unique per replica and stable across its "
            "restarts (replay of its WAL relies on it). Empty: the host name."
        ),
    )
    live_tail_max_len: int = Field(
        default=200,
        ge=1,
        description=(
            "Entries kept, approximately, in each project's live-tail stream in Redis: one entry per "
            "project per WAL segment (up to 4 per second under load), so the default keeps about a minute "
            "of history when the entries are small; HEARTH_LIVE_TAIL_MAX_BYTES bounds it under load."
        ),
    )
    live_tail_max_bytes: int = Field(
        default=128 * MIB,
        ge=1,
        description=(
            "Approximate Redis memory for each project's live-tail stream: each new entry trims the "
            "stream to as many entries of its size as fit (at least one). Under a heavy load (entries of "
            "several MB, ~220 bytes per span) this keeps some seconds of history rather than a minute; "
            "live views only need what a reconnecting viewer missed."
        ),
    )

    @field_validator("node_id")
    @classmethod
    def _node_id(cls, value: str) -> str:
        if not value:
            return default_node_id()
        if not _NODE_ID.match(value):
            raise ValueError("must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

"""Counters of one cache process, served at ``GET /stats`` and logged periodically."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(slots=True)
class CacheStats:
    hits: int = 0  #: chunks served from local disk
    misses: int = 0  #: chunks fetched from object storage and kept
    bypass_reads: int = 0  #: pieces read from object storage without keeping them (no-cache, owner down)
    meta_fetches: int = 0  #: object metadata (HEAD) read from object storage
    bytes_served: int = 0  #: body bytes answered by this process itself (not relayed from a peer)
    bytes_fetched: int = 0  #: bytes read from object storage
    forwarded: int = 0  #: requests relayed to the owning replica
    peer_fallbacks: int = 0  #: requests served here because the owning replica failed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

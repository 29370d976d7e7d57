"""What the cache knows about one object: its key, size and version, as stored beside its chunks and
as sent in HTTP headers (``Content-Length``, ``Last-Modified``, ``ETag``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime
    etag: str | None

    def to_json(self, chunk_bytes: int) -> bytes:
        # The chunk size is part of the on-disk layout: chunks cut with another size are discarded.
        return orjson.dumps(
            {
                "key": self.key,
                "size": self.size,
                "last_modified": self.last_modified.isoformat(),
                "etag": self.etag,
                "chunk_bytes": chunk_bytes,
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> tuple[ObjectInfo, int]:
        """The object and the chunk size it was cached with; raises ``ValueError`` when unreadable."""
        try:
            value: dict[str, Any] = orjson.loads(data)
            info = cls(
                key=str(value["key"]),
                size=int(value["size"]),
                last_modified=datetime.fromisoformat(value["last_modified"]),
                etag=None if value["etag"] is None else str(value["etag"]),
            )
            return info, int(value["chunk_bytes"])
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"unreadable object metadata: {exc}") from exc

    def http_headers(self) -> dict[str, str]:
        """Headers describing the object, sent with every answer about it (GET, range GET, HEAD)."""
        return {
            "accept-ranges": "bytes",
            "content-type": "application/octet-stream",
            "last-modified": format_datetime(self.last_modified.astimezone(UTC), usegmt=True),
            "etag": self.http_etag,
        }

    @property
    def http_etag(self) -> str:
        """A strong ETag: the store's (quoted as HTTP wants), or one made of size and modification time."""
        if self.etag is None:
            return f'"{self.size:x}-{int(self.last_modified.timestamp() * 1_000_000):x}"'
        if self.etag.startswith(('"', 'W/"')):
            return self.etag
        return f'"{self.etag}"'

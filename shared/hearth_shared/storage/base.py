"""The object-storage interface every service codes against, its metadata type and its errors.

Keys are relative, ``/``-separated paths below the configured storage root, for example
``records/project=x/day=2026-01-01/abc.parquet`` (DESIGN.md §3). They never start with ``/`` and never
contain empty, ``.`` or ``..`` segments, so a key can never escape the root or alias another key.

Errors raised by every implementation::

    StorageError                             anything the storage layer raises on purpose
    ├── ObjectNotFound                       the key does not exist
    ├── StorageUnavailable                   the store cannot be reached or refused the request
    ├── InvalidObjectKey      (+ ValueError) a key or prefix that breaks the rules above
    ├── InvalidRange          (+ ValueError) end < start, a negative bound, or a start past the end
    └── InvalidStorageConfig  (+ ValueError) settings that cannot build a store (unknown option, bad URL)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "InvalidObjectKey",
    "InvalidRange",
    "InvalidStorageConfig",
    "ObjectMeta",
    "ObjectNotFound",
    "ObjectStorage",
    "StorageError",
    "StorageUnavailable",
    "validate_key",
    "validate_prefix",
]


class StorageError(Exception):
    """Root of every error the storage layer raises on purpose."""


class ObjectNotFound(StorageError):
    """The key does not exist in the store."""

    def __init__(self, key: str) -> None:
        super().__init__(f"object {key!r} not found")
        self.key = key


class StorageUnavailable(StorageError):
    """The store could not be reached, timed out, or refused the request (auth, missing bucket…).

    ``url`` and ``reason`` are kept apart so callers (``check_storage``, ``/ready``) can rephrase the
    sentence without parsing it.
    """

    def __init__(self, url: str, reason: str, *, action: str | None = None) -> None:
        if action is None:
            message = f"object storage {url} is unreachable: {reason}"
        else:
            message = f"object storage {url} failed to {action}: {reason}"
        super().__init__(message)
        self.url = url
        self.reason = reason
        self.action = action


class InvalidObjectKey(StorageError, ValueError):
    """A key or list prefix that is absolute, empty, or has empty, ``.`` or ``..`` segments."""


class InvalidRange(StorageError, ValueError):
    """A byte range with ``end < start``, a negative bound, or a start at/after the object's end."""


class InvalidStorageConfig(StorageError, ValueError):
    """Storage settings that cannot build a store: unknown option, malformed URL."""


@dataclass(frozen=True, slots=True)
class ObjectMeta:
    """What ``head`` and ``list`` report about one object; ``key`` is relative to the storage root."""

    key: str
    size: int
    last_modified: datetime
    etag: str | None


class ObjectStorage(Protocol):
    """Async object storage rooted at one location (a directory, or a bucket plus optional prefix)."""

    @property
    def url(self) -> str:
        """Where the storage is rooted, for messages and logs (never carries credentials)."""
        ...

    async def put(self, key: str, data: bytes) -> None:
        """Write ``data`` at ``key``, replacing any existing object atomically."""
        ...

    async def get(self, key: str) -> bytes:
        """Read a whole object; raises ``ObjectNotFound``."""
        ...

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        """Read bytes ``[start, end)``; an ``end`` past the object's size is clamped to it."""
        ...

    async def head(self, key: str) -> ObjectMeta:
        """Metadata of one object; raises ``ObjectNotFound``."""
        ...

    def list(self, prefix: str = "") -> AsyncIterator[ObjectMeta]:
        """Every object under ``prefix``, recursively, in no particular order.

        Prefixes match whole path segments: ``records/project=a`` lists ``records/project=a/...`` but
        not ``records/project=ab/...``. The empty prefix lists the whole storage root.
        """
        ...

    async def delete(self, key: str) -> None:
        """Remove an object; deleting a missing key is not an error (deletes are retried by callers)."""
        ...

    async def close(self) -> None:
        """Release the client; later calls raise ``StorageUnavailable``. Closing twice is fine."""
        ...


def _check_segments(value: str, what: str) -> None:
    if value.startswith("/"):
        raise InvalidObjectKey(f"{what} {value!r} must be relative, not start with '/'")
    if "\\" in value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise InvalidObjectKey(f"{what} {value!r} must not contain backslashes or control characters")
    for segment in value.split("/"):
        if segment in {"", ".", ".."}:
            raise InvalidObjectKey(f"{what} {value!r} must not contain empty, '.' or '..' path segments")


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid object key, else raise ``InvalidObjectKey``."""
    if not key:
        raise InvalidObjectKey("object key must not be empty")
    _check_segments(key, "object key")
    return key


def validate_prefix(prefix: str) -> str:
    """Normalise a list prefix (a trailing ``/`` is dropped); ``""`` means the whole root."""
    trimmed = prefix[:-1] if prefix.endswith("/") else prefix
    if trimmed:
        _check_segments(trimmed, "list prefix")
    elif prefix:
        raise InvalidObjectKey("list prefix '/' must be relative; use '' for the whole storage")
    return trimmed

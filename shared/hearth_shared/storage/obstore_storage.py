"""``ObjectStorage`` on obstore: one Rust client for local disk, S3-compatible, Azure Blob and GCS.

The store given here already carries its root (LocalStore directory, or bucket plus prefix), so keys
are passed through unchanged and listed paths come back relative to that root.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.exceptions import NotFoundError
from obstore.store import ObjectStore

from hearth_shared.storage.base import (
    InvalidRange,
    ObjectMeta,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
    validate_key,
    validate_prefix,
)

__all__ = ["ObstoreStorage", "describe_error"]

# obstore errors end with a multi-line Rust debug dump and S3 errors embed the XML body; a reason
# sentence keeps the first part and the S3 <Code>/<Message>.
_XML_CODE = re.compile(r"<Code>(.*?)</Code>", re.DOTALL)
_XML_MESSAGE = re.compile(r"<Message>(.*?)</Message>", re.DOTALL)
# The debug dump names the OS-level cause ("Connection refused") that the summary line omits.
_OS_MESSAGE = re.compile(r'message: "([^"]+)"')
_MAX_REASON = 400
# Objects listed per request page; S3 caps pages at 1000 anyway.
_LIST_CHUNK = 1000

# obstore raises the builtin FileNotFoundError for missing objects (not its own NotFoundError, which
# stays in the hierarchy for completeness); OSError covers local-disk failures.
_NOT_FOUND = (FileNotFoundError, NotFoundError)
_FAILURES = (ObstoreError, OSError)


def describe_error(exc: BaseException) -> str:
    """One readable line from an obstore error: no debug dump, S3 XML bodies reduced to code: message."""
    text, _, debug = str(exc).partition("Debug source:")
    text = text.strip()
    xml_start = text.find("<?xml")
    if xml_start == -1:
        xml_start = text.find("<Error>")
    if xml_start != -1:
        body = text[xml_start:]
        code, message = _XML_CODE.search(body), _XML_MESSAGE.search(body)
        summary = ": ".join(match.group(1).strip() for match in (code, message) if match)
        text = text[:xml_start].rstrip(" :") + (f": {summary}" if summary else "")
    os_messages = _OS_MESSAGE.findall(debug)
    if os_messages and os_messages[-1] not in text:
        text = f"{text} ({os_messages[-1]})"
    text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


class ObstoreStorage:
    """An ``ObjectStorage`` over one obstore store; ``url`` is only used in messages."""

    def __init__(self, store: ObjectStore, *, url: str) -> None:
        self._store: ObjectStore | None = store
        self._url = url

    def __repr__(self) -> str:
        return f"ObstoreStorage({self._url!r})"

    @property
    def url(self) -> str:
        return self._url

    def _live(self) -> ObjectStore:
        if self._store is None:
            raise StorageUnavailable(self._url, "the storage client was closed")
        return self._store

    def _failure(self, action: str, key: str, exc: Exception) -> StorageError:
        if isinstance(exc, _NOT_FOUND):
            return ObjectNotFound(key)
        return StorageUnavailable(self._url, describe_error(exc), action=f"{action} {key!r}")

    async def put(self, key: str, data: bytes) -> None:
        store = self._live()
        validate_key(key)
        try:
            # Bytes above 5 MB go up as a multipart upload; local disk writes a temp file and renames.
            await obstore.put_async(store, key, data)
        except _FAILURES as exc:
            raise StorageUnavailable(self._url, describe_error(exc), action=f"write {key!r}") from exc

    async def get(self, key: str) -> bytes:
        store = self._live()
        validate_key(key)
        try:
            result = await obstore.get_async(store, key)
            return bytes(await result.bytes_async())
        except _FAILURES as exc:
            raise self._failure("read", key, exc) from exc

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        store = self._live()
        validate_key(key)
        if start < 0 or end < start:
            raise InvalidRange(f"invalid byte range [{start}, {end}) for {key!r}")
        if start == end:
            # obstore refuses empty ranges; still report a missing object like any other read.
            await self.head(key)
            return b""
        try:
            return bytes(await obstore.get_range_async(store, key, start=start, end=end))
        except _FAILURES as exc:
            failure = self._failure("read a range of", key, exc)
            if isinstance(failure, ObjectNotFound):
                raise failure from exc
            first_error = exc
        # Backends word "range starts past the end" differently (S3 416, local "invalid range"); the
        # object's size tells the caller's mistake apart from a store failure.
        meta = await self.head(key)
        if start >= meta.size:
            raise InvalidRange(
                f"byte range [{start}, {end}) starts at or after the end of {key!r} ({meta.size} bytes)"
            ) from first_error
        raise failure from first_error

    async def head(self, key: str) -> ObjectMeta:
        store = self._live()
        validate_key(key)
        try:
            meta = await obstore.head_async(store, key)
        except _FAILURES as exc:
            raise self._failure("read metadata of", key, exc) from exc
        return ObjectMeta(
            key=meta["path"], size=meta["size"], last_modified=meta["last_modified"], etag=meta["e_tag"]
        )

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectMeta]:
        store = self._live()
        prefix = validate_prefix(prefix)
        stream = obstore.list(store, prefix or None, chunk_size=_LIST_CHUNK)
        try:
            async for chunk in stream:
                for meta in chunk:
                    yield ObjectMeta(
                        key=meta["path"],
                        size=meta["size"],
                        last_modified=meta["last_modified"],
                        etag=meta["e_tag"],
                    )
        except _FAILURES as exc:
            raise StorageUnavailable(self._url, describe_error(exc), action=f"list {prefix!r}") from exc

    async def delete(self, key: str) -> None:
        store = self._live()
        validate_key(key)
        try:
            await obstore.delete_async(store, key)
        except _NOT_FOUND:
            # Local disk reports a missing file; S3 and memory do not. Either way the key is gone.
            return
        except _FAILURES as exc:
            raise StorageUnavailable(self._url, describe_error(exc), action=f"delete {key!r}") from exc

    async def close(self) -> None:
        # obstore has no explicit close: dropping the last reference releases the HTTP connection pool.
        self._store = None

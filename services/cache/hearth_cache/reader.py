"""Reading objects through the cache: metadata and byte ranges, from disk or filled from storage.

Objects are cut into aligned chunks (``cache_chunk_bytes``, 4 MiB by default) rather than cached
whole: DataFusion reads a Parquet file's footer, then its page index, then only the column chunks a
query needs, so whole-object fills would fetch hundreds of megabytes to answer an 8-byte footer read.
A range request is served chunk by chunk, in order, with up to ``readahead`` chunks fetched at once.

Concurrent misses on one chunk (or one object's metadata) share one storage read (single-flight).
With ``store=False`` (``X-Hearth-No-Cache``, or the owning replica is down) cached chunks are still
used but nothing is added and the LRU order is untouched; missing pieces are read from storage exactly
as asked, not widened to whole chunks.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncGenerator
from functools import partial

from hearth_cache.disk import DiskCache, object_id
from hearth_cache.errors import InvalidKey, ObjectChanged, ObjectMissing, StorageUnreachable
from hearth_cache.meta import ObjectInfo
from hearth_cache.singleflight import SingleFlight
from hearth_cache.stats import CacheStats
from hearth_shared.storage import (
    InvalidObjectKey,
    InvalidRange,
    ObjectNotFound,
    ObjectStorage,
    StorageError,
    validate_key,
)

logger = logging.getLogger("hearth.cache.reader")


class ObjectCache:
    def __init__(self, storage: ObjectStorage, disk: DiskCache, *, readahead: int, stats: CacheStats) -> None:
        self.storage = storage
        self.disk = disk
        self.readahead = readahead
        self.stats = stats
        self._metas: SingleFlight[tuple[str, bool], ObjectInfo] = SingleFlight()
        self._chunks: SingleFlight[tuple[str, int], bytes] = SingleFlight()

    async def close(self) -> None:
        await self._chunks.close()
        await self._metas.close()

    def snapshot(self) -> dict[str, int]:
        """Counters and disk use, as ``GET /stats`` shows them."""
        disk = self.disk
        return {
            **self.stats.as_dict(),
            "entries": disk.entry_count,
            "used_bytes": disk.used_bytes,
            "max_bytes": disk.max_bytes,
            "evictions": disk.evictions,
            "evicted_bytes": disk.evicted_bytes,
        }

    # ------------------------------------------------------------------ metadata

    async def info(self, key: str, *, store: bool = True) -> ObjectInfo:
        """Size, modification time and ETag of ``key``; raises ``ObjectMissing`` and friends."""
        try:
            validate_key(key)
        except InvalidObjectKey as exc:
            raise InvalidKey(str(exc)) from exc
        oid = object_id(key)
        info = await self.disk.get_meta(oid)
        if info is not None and info.key == key:
            return info
        return await self._metas.run((oid, store), partial(self._fetch_info, key, store))

    async def _fetch_info(self, key: str, store: bool) -> ObjectInfo:
        self.stats.meta_fetches += 1
        try:
            meta = await self.storage.head(key)
        except StorageError as exc:
            raise self._failure(key, exc) from exc
        info = ObjectInfo(key=key, size=meta.size, last_modified=meta.last_modified, etag=meta.etag)
        if store:
            try:
                await self.disk.put_meta(info)
            except OSError:
                logger.exception("cannot write cached object metadata", extra={"key": key})
        return info

    # ------------------------------------------------------------------ bytes

    async def read(
        self, info: ObjectInfo, start: int, end: int, *, store: bool = True
    ) -> AsyncGenerator[bytes, None]:
        """Bytes ``[start, end)`` of the object, one piece per chunk, in order."""
        chunk = self.disk.chunk_bytes
        next_index, last = start // chunk, (end - 1) // chunk
        pending: deque[asyncio.Future[bytes]] = deque()
        try:
            while pending or next_index <= last:
                while next_index <= last and len(pending) < self.readahead:
                    piece = self._piece(info, next_index, start, end, store)
                    pending.append(asyncio.ensure_future(piece))
                    next_index += 1
                data = await pending.popleft()
                self.stats.bytes_served += len(data)
                yield data
        finally:
            for future in pending:
                future.cancel()
                future.add_done_callback(_retrieve)

    async def _piece(self, info: ObjectInfo, index: int, start: int, end: int, store: bool) -> bytes:
        """The part of chunk ``index`` inside ``[start, end)``."""
        oid = object_id(info.key)
        chunk_start = index * self.disk.chunk_bytes
        length = self.disk.chunk_length(info, index)
        low, high = max(start, chunk_start) - chunk_start, min(end, chunk_start + length) - chunk_start
        data = await self.disk.get_chunk(oid, index, length, touch=store)
        if data is not None:
            self.stats.hits += 1
        elif store:
            self.stats.misses += 1
            data = await self._chunks.run((oid, index), partial(self._fill, info, index))
        else:
            data = await self._chunks.join((oid, index))
            if data is None:
                # Read through: exactly the bytes asked for, nothing kept.
                self.stats.bypass_reads += 1
                return await self._fetch(info, chunk_start + low, chunk_start + high)
        return data if (low, high) == (0, len(data)) else data[low:high]

    async def _fill(self, info: ObjectInfo, index: int) -> bytes:
        chunk_start = index * self.disk.chunk_bytes
        data = await self._fetch(info, chunk_start, chunk_start + self.disk.chunk_length(info, index))
        try:
            await self.disk.put_chunk(object_id(info.key), index, data)
        except OSError:
            # A full or failing disk must not fail the read: serve what was fetched, keep nothing.
            logger.exception("cannot write a cached chunk", extra={"key": info.key})
        return data

    async def _fetch(self, info: ObjectInfo, start: int, end: int) -> bytes:
        try:
            data = await self.storage.get_range(info.key, start, end)
        except StorageError as exc:
            raise self._failure(info.key, exc) from exc
        self.stats.bytes_fetched += len(data)
        if len(data) != end - start:
            self.disk.drop_object(object_id(info.key))
            raise ObjectChanged(
                f"object {info.key!r} is no longer {info.size} bytes long in object storage",
                key=info.key,
            )
        return data

    def _failure(self, key: str, exc: StorageError) -> Exception:
        if isinstance(exc, ObjectNotFound):
            # Deleted upstream: forget what we hold, so no later read is served from a stale copy.
            self.disk.drop_object(object_id(key))
            return ObjectMissing(f"object {key!r} does not exist", key=key)
        if isinstance(exc, InvalidObjectKey):
            return InvalidKey(str(exc))
        if isinstance(exc, InvalidRange):
            # Our ranges come from the recorded size: the object must have shrunk since.
            self.disk.drop_object(object_id(key))
            return ObjectChanged(f"object {key!r} is shorter in object storage than recorded", key=key)
        return StorageUnreachable(str(exc), retry_after=1)


def _retrieve(future: asyncio.Future[bytes]) -> None:
    if not future.cancelled():
        future.exception()

"""Chunks on local disk: the layout, an LRU index within the disk budget, and the scan at start.

Layout under ``cache_dir``::

    objects/<id[:2]>/<id>/meta.json      key, size, last modified, ETag, chunk size (see meta.py)
    objects/<id[:2]>/<id>/<index>.chunk  bytes [index * chunk, (index + 1) * chunk) of the object
    tmp/                                 files being written; emptied at start

``<id>`` is the SHA-256 of the object key: fixed length, nothing to escape, spread over 256
directories. Files are written to ``tmp/`` and renamed into place, so a reader never sees half a
chunk; a chunk whose length is not the expected one (a crash mid-write on some file systems) is
discarded when read.

The index is in memory and touched only on the event loop; files are read and written in threads.
Each chunk and each ``meta.json`` is one LRU entry. A hit moves the entry to the recent end and sets
the file's mtime, so the scan at start rebuilds the same order. Over budget, the oldest entries are
deleted until it holds. Objects are immutable (new data gets new keys), so nothing is ever invalidated:
entries only leave by eviction, or when storage says the object is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from hearth_cache.meta import ObjectInfo

logger = logging.getLogger("hearth.cache.disk")

#: Index of the metadata entry of an object (chunks are numbered from 0).
META = -1
Entry = tuple[str, int]


def object_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DiskCache:
    def __init__(self, root: Path, *, max_bytes: int, chunk_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.chunk_bytes = chunk_bytes
        self._objects = root / "objects"
        self._tmp = root / "tmp"
        self._lru: OrderedDict[Entry, int] = OrderedDict()
        self._by_object: dict[str, set[int]] = {}
        self._metas: dict[str, ObjectInfo] = {}
        self._last_touch_ns = 0
        self.used_bytes = 0
        self.evictions = 0
        self.evicted_bytes = 0

    # ------------------------------------------------------------------ paths

    def _dir(self, oid: str) -> Path:
        return self._objects / oid[:2] / oid

    def _path(self, entry: Entry) -> Path:
        oid, index = entry
        return self._dir(oid) / ("meta.json" if index == META else f"{index}.chunk")

    def chunk_length(self, info: ObjectInfo, index: int) -> int:
        return min(self.chunk_bytes, info.size - index * self.chunk_bytes)

    # ------------------------------------------------------------------ start

    def load(self) -> None:
        """Rebuild the index from the files on disk (blocking: run in a thread before serving)."""
        # Directories are created by the first write, so a cache that never stores leaves nothing behind.
        shutil.rmtree(self._tmp, ignore_errors=True)
        found: list[tuple[int, Entry, int]] = []
        for directory in self._objects.glob("*/*"):
            found.extend(self._scan_object(directory))
        found.sort()
        for _, entry, size in found:
            self._add(entry, size)
        self._last_touch_ns = found[-1][0] if found else 0
        self._evict()
        logger.info(
            "cache index loaded",
            extra={"entries": len(self._lru), "used_bytes": self.used_bytes, "max_bytes": self.max_bytes},
        )

    def _scan_object(self, directory: Path) -> list[tuple[int, Entry, int]]:
        oid = directory.name
        meta_path = directory / "meta.json"
        if not directory.is_dir():
            directory.unlink(missing_ok=True)
            return []
        try:
            info, chunk_bytes = ObjectInfo.from_json(meta_path.read_bytes())
            usable = chunk_bytes == self.chunk_bytes and object_id(info.key) == oid
        except (OSError, ValueError):
            usable = False
        if not usable:
            # No readable metadata, another chunk size, or not ours: its chunks cannot be checked.
            shutil.rmtree(directory, ignore_errors=True)
            return []
        found: list[tuple[int, Entry, int]] = []
        for path in directory.iterdir():
            index = META if path.name == "meta.json" else _chunk_index(path.name)
            if index is None:
                path.unlink(missing_ok=True)
                continue
            stat = path.stat()
            found.append((stat.st_mtime_ns, (oid, index), stat.st_size))
        # Every read of an object uses its metadata, so it was used as recently as its newest file.
        newest = max((stamp for stamp, _, _ in found), default=0)
        return [(newest if entry[1] == META else stamp, entry, size) for stamp, entry, size in found]

    # ------------------------------------------------------------------ metadata

    async def get_meta(self, oid: str) -> ObjectInfo | None:
        entry = (oid, META)
        if entry not in self._lru:
            return None
        info = self._metas.get(oid)
        if info is None:
            try:
                data = await asyncio.to_thread(self._read, self._path(entry), self._stamp())
                info, _ = ObjectInfo.from_json(data)
            except (OSError, ValueError):
                self._forget(entry)
                return None
            if entry not in self._lru:  # evicted while we read it
                return None
            self._metas[oid] = info
        self._lru.move_to_end(entry)
        return info

    async def put_meta(self, info: ObjectInfo) -> None:
        oid = object_id(info.key)
        data = info.to_json(self.chunk_bytes)
        if not await self._write((oid, META), data):
            return
        self._metas[oid] = info

    # ------------------------------------------------------------------ chunks

    async def get_chunk(self, oid: str, index: int, length: int, *, touch: bool) -> bytes | None:
        """The chunk's bytes if cached with the expected ``length``; ``touch`` refreshes its LRU place."""
        entry = (oid, index)
        if entry not in self._lru:
            return None
        path = self._path(entry)
        try:
            data = await asyncio.to_thread(self._read, path, self._stamp() if touch else None)
        except OSError:
            self._forget(entry)
            return None
        if len(data) != length:
            logger.warning("discarding a damaged cached chunk", extra={"path": str(path)})
            self._discard(entry)
            return None
        if touch:
            # The metadata moves with every chunk, so it is evicted after the object's last chunk.
            for used in (entry, (oid, META)):
                if used in self._lru:
                    self._lru.move_to_end(used)
        return data

    async def put_chunk(self, oid: str, index: int, data: bytes) -> None:
        await self._write((oid, index), data)

    def drop_object(self, oid: str) -> None:
        """Forget and delete everything cached for one object (storage says it is gone or changed)."""
        for index in list(self._by_object.get(oid, ())):
            self._discard((oid, index))

    # ------------------------------------------------------------------ index

    @property
    def entry_count(self) -> int:
        return len(self._lru)

    def entries(self) -> list[Entry]:
        """Every entry, least recently used first (for tests and debugging)."""
        return list(self._lru)

    def _add(self, entry: Entry, size: int) -> None:
        previous = self._lru.pop(entry, None)
        if previous is not None:
            self.used_bytes -= previous
        self._lru[entry] = size
        self._by_object.setdefault(entry[0], set()).add(entry[1])
        self.used_bytes += size

    def _forget(self, entry: Entry) -> None:
        size = self._lru.pop(entry, None)
        if size is None:
            return
        self.used_bytes -= size
        oid, index = entry
        indexes = self._by_object.get(oid)
        if indexes is not None:
            indexes.discard(index)
            if not indexes:
                del self._by_object[oid]
        if index == META:
            self._metas.pop(oid, None)

    def _discard(self, entry: Entry) -> None:
        self._forget(entry)
        path = self._path(entry)
        # Unlinked on the loop, not in a thread: a delayed unlink could remove a newer copy.
        path.unlink(missing_ok=True)
        if entry[0] not in self._by_object:
            # Not empty (a write landed meanwhile) or already gone: either way, fine.
            with contextlib.suppress(OSError):
                path.parent.rmdir()

    def _evict(self) -> None:
        count = freed = 0
        while self.used_bytes > self.max_bytes and self._lru:
            entry, size = next(iter(self._lru.items()))
            self._discard(entry)
            count += 1
            freed += size
        if count:
            self.evictions += count
            self.evicted_bytes += freed
            logger.debug("evicted cache entries", extra={"entries": count, "bytes": freed})

    # ------------------------------------------------------------------ files

    async def _write(self, entry: Entry, data: bytes) -> bool:
        """Write one entry atomically and admit it; False when it can never fit the budget."""
        if len(data) > self.max_bytes:
            return False
        await asyncio.to_thread(self._write_file, self._path(entry), data, self._stamp())
        self._add(entry, len(data))
        if (entry[0], META) in self._lru:
            self._lru.move_to_end((entry[0], META))
        self._evict()
        return entry in self._lru

    def _write_file(self, path: Path, data: bytes, stamp: int) -> None:
        self._tmp.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp / uuid.uuid4().hex
        try:
            tmp.write_bytes(data)
            os.utime(tmp, ns=(stamp, stamp))
            for _ in range(3):
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.replace(tmp, path)
                    return
                except FileNotFoundError:
                    continue  # the object directory was removed by an eviction meanwhile
            raise OSError(f"cannot move a cached chunk into {path.parent}")
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    def _read(path: Path, stamp: int | None) -> bytes:
        data = path.read_bytes()
        if stamp is not None:
            os.utime(path, ns=(stamp, stamp))
        return data

    def _stamp(self) -> int:
        """The mtime recording a use now: strictly increasing, so the scan at start keeps the order
        even when the clock reads the same twice (taken on the loop, in use order)."""
        self._last_touch_ns = max(time.time_ns(), self._last_touch_ns + 1)
        return self._last_touch_ns


def _chunk_index(name: str) -> int | None:
    stem, dot, suffix = name.partition(".")
    if dot and suffix == "chunk" and stem.isdigit():
        return int(stem)
    return None

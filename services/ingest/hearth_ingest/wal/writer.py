"""Group-committed appends to the write-ahead log.

``append`` returns only once its record is written and fdatasync'd. Requests that arrive while a
write+sync is in flight are gathered and written by the next one, so concurrent requests share a
sync (group commit) and the cost per request falls as load rises.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from hearth_ingest.errors import WalFull, WalUnavailable
from hearth_ingest.wal.format import WalRecord, encode
from hearth_ingest.wal.segments import (
    OPEN_SUFFIX,
    Segment,
    fsync_dir,
    recover,
    seal,
    sealed_segments,
    segment_path,
    used_bytes,
)

logger = logging.getLogger("hearth.ingest.wal")

SealedCallback = Callable[[Segment], None]


class WalWriter:
    def __init__(
        self,
        directory: Path,
        *,
        segment_max_bytes: int,
        segment_max_age: float,
        budget_bytes: int,
        on_sealed: SealedCallback,
    ) -> None:
        self.directory = directory
        self.segment_max_bytes = segment_max_bytes
        self.segment_max_age = segment_max_age
        self.budget_bytes = budget_bytes
        self.on_sealed = on_sealed
        self._next_seq = 1
        self._fd: int | None = None
        self._segment: Segment | None = None
        self._segment_bytes = 0
        self._segment_opened_at = 0.0
        self._pending: list[tuple[bytes, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.used_bytes = 0
        self.syncs = 0  # fsyncs done; with `appends`, shows how well group commit batches

    async def start(self) -> list[Segment]:
        """Recover the directory (seal what a previous run left open); return segments to process."""
        self._next_seq = await asyncio.to_thread(recover, self.directory)
        self.used_bytes = await asyncio.to_thread(used_bytes, self.directory)
        self._task = asyncio.create_task(self._run(), name="wal-writer")
        return await asyncio.to_thread(sealed_segments, self.directory)

    async def append(self, record: WalRecord) -> None:
        """Write ``record`` durably; raises WalFull when the disk budget is used up."""
        if self._closing:
            raise WalUnavailable("ingest is shutting down", retry_after=1)
        data = encode(record)
        if self.used_bytes + len(data) > self.budget_bytes:
            raise WalFull(
                f"the write-ahead log is full ({self.used_bytes} of {self.budget_bytes} bytes) while object "
                "storage catches up; retry later",
                retry_after=5,
            )
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((data, future))
        self.used_bytes += len(data)
        self._wake.set()
        await future

    def released(self, size: int) -> None:
        """A processed segment of ``size`` bytes was deleted."""
        self.used_bytes = max(0, self.used_bytes - size)

    async def close(self) -> None:
        """Write what is pending, seal the open segment, stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._segment is not None:
            await self._rotate_and_notify()

    async def _run(self) -> None:
        while True:
            timeout = self._time_to_rotation()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                await self._write(batch)
            if self._segment is not None and self._rotation_due():
                await self._rotate_and_notify()
            if self._closing and not self._pending:
                return

    async def _write(self, batch: list[tuple[bytes, asyncio.Future[None]]]) -> None:
        data = b"".join(item for item, _ in batch)
        try:
            await asyncio.to_thread(self._write_sync, data)
        except OSError as exc:
            self.used_bytes -= len(data)
            logger.exception("write-ahead log write failed")
            error = WalUnavailable(f"the write-ahead log could not be written: {exc.strerror}", retry_after=5)
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        self.syncs += 1
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    def _write_sync(self, data: bytes) -> None:
        if self._fd is None:
            self._open_segment()
        assert self._fd is not None
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fdatasync(self._fd)
        self._segment_bytes += len(data)

    def _open_segment(self) -> None:
        path = segment_path(self.directory, self._next_seq, OPEN_SUFFIX)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fsync_dir(self.directory)  # the new file's entry must survive a crash too
        self._segment = Segment(self._next_seq, path)
        self._next_seq += 1
        self._segment_bytes = 0
        self._segment_opened_at = time.monotonic()

    def _rotation_due(self) -> bool:
        return (
            self._segment_bytes >= self.segment_max_bytes
            or time.monotonic() - self._segment_opened_at >= self.segment_max_age
        )

    def _time_to_rotation(self) -> float | None:
        if self._segment is None:
            return None
        return max(0.0, self.segment_max_age - (time.monotonic() - self._segment_opened_at))

    async def _rotate_and_notify(self) -> None:
        sealed = await asyncio.to_thread(self._rotate)
        if sealed is not None:
            self.on_sealed(sealed)  # in the event loop's thread, so the callback needs no locking

    def _rotate(self) -> Segment | None:
        if self._fd is None or self._segment is None:
            return None
        os.close(self._fd)
        sealed = seal(self._segment)
        self._fd, self._segment = None, None
        return sealed

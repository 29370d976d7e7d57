"""Reading a project's live tail (a bounded Redis stream, see :mod:`hearth_shared.live_tail`).

A live view blocks in ``XREAD`` for new entries, so it needs a client without the short socket timeout
of the service's shared one: this module owns a second client for exactly that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import redis.asyncio as aioredis

from hearth_shared.live_tail import decode_batch, decode_newest, live_stream_key


@dataclass(frozen=True, slots=True)
class TailEntry:
    """One entry as read from Redis; its rows are decoded on demand (all, or only the newest)."""

    position: str  # the Redis stream id, e.g. "1732358400000-3"; the SSE event id
    fields: Mapping[bytes | str, bytes | str]

    @property
    def row_count(self) -> int:
        return int(self.fields[b"rows"])

    def rows(self) -> pa.Table:
        return decode_batch(self.fields)

    def newest_rows(self, count: int) -> pa.Table:
        return decode_newest(self.fields, count)


def position_at(moment: datetime) -> str:
    """The stream position just before entries added at ``moment`` or later."""
    return f"{int(moment.timestamp() * 1000)}-0"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class LiveTail:
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    @classmethod
    @asynccontextmanager
    async def connect(cls, redis_url: str, *, longest_wait: float) -> AsyncIterator[LiveTail]:
        """``longest_wait``: the longest ``XREAD`` block in seconds; reads may take that long, so the
        client's socket timeout (redis-py's default is 5 s) must allow it."""
        client: aioredis.Redis = aioredis.from_url(
            redis_url, socket_connect_timeout=5, socket_timeout=longest_wait + 10
        )
        try:
            yield cls(client)
        finally:
            await client.aclose()

    async def newest_position(self, project_id: str) -> str:
        """Where a view that wants only rows from now on starts reading."""
        newest: Any = await self._client.xrevrange(live_stream_key(project_id), count=1)
        return _text(newest[0][0]) if newest else "0-0"

    async def oldest_position(self, project_id: str) -> str | None:
        oldest: Any = await self._client.xrange(live_stream_key(project_id), count=1)
        return _text(oldest[0][0]) if oldest else None

    async def read_after(
        self, project_id: str, position: str, *, block_ms: int, count: int
    ) -> list[TailEntry]:
        """Entries after ``position``, waiting up to ``block_ms`` for the first one."""
        key = live_stream_key(project_id)
        # redis-py types stream replies loosely: [(key, [(id, {field: value})])] with bytes throughout
        found: Any = await self._client.xread({key: position}, block=block_ms, count=count)
        return [TailEntry(_text(entry_id), fields) for _, items in found or [] for entry_id, fields in items]

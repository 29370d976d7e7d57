"""One live view's stream: tail → filter → SSE bytes, until the client goes away.

Events (``data`` is JSON):

- (default) ``{"rows": [...], "skipped": n}``: matching rows of one tail entry, newest last, with the
  SQL column names of ``records``; at most ``max_rows`` per event (``skipped`` counts the older rows
  left out, so a flood cannot freeze a browser). Pending spans come as they are; their final span
  arrives later with the same ``span_id`` and replaces them (clients de-duplicate by trace and span id).
- ``gap`` ``{"resumed_from": id}``: the requested position was trimmed from the tail (the view was away
  too long); rows in between must be read with a query.
- ``error`` ``{"detail": ...}``: the filter failed on a batch (e.g. a type error); the stream ends.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from hearth_query_api.engine.memory import run_on_records
from hearth_query_api.errors import QueryError
from hearth_query_api.formats.values import json_rows
from hearth_query_api.live.events import KEEPALIVE, event, position_only, retry
from hearth_query_api.live.tail import LiveTail
from hearth_query_api.live.where import LiveFilter

logger = logging.getLogger("hearth.query_api.live")


@dataclass(frozen=True, slots=True)
class LiveOptions:
    keepalive_seconds: float
    max_rows: int
    reconnect_ms: int = 1000


def _after(a: str, b: str) -> bool:
    """Stream ids compare as (milliseconds, sequence)."""
    ams, _, aseq = a.partition("-")
    bms, _, bseq = b.partition("-")
    return (int(ams), int(aseq or 0)) > (int(bms), int(bseq or 0))


async def live_events(
    tail: LiveTail,
    project_id: uuid.UUID,
    live_filter: LiveFilter,
    options: LiveOptions,
    *,
    after: str | None,
) -> AsyncIterator[bytes]:
    project = str(project_id)
    yield retry(options.reconnect_ms)
    position = after if after is not None else await tail.newest_position(project)
    yield position_only(position)  # where this view starts: from here on nothing is missed
    if after is not None and after != "0-0":
        oldest = await tail.oldest_position(project)
        # `after` itself is gone from the tail: entries after it may have been trimmed unseen.
        if oldest is not None and _after(oldest, after):
            yield event({"resumed_from": oldest}, name="gap")
    block_ms = max(1, int(options.keepalive_seconds * 1000))
    while True:
        entries = await tail.read_after(project, position, block_ms=block_ms, count=16)
        if not entries:
            yield KEEPALIVE
            continue
        for entry in entries:
            position = entry.position
            if live_filter.where is None:
                # No filter: every row matches, so only the newest ones shown need decoding, and no
                # SQL runs (it would give exactly these rows).
                shown = entry.newest_rows(options.max_rows)
                skipped = entry.row_count - shown.num_rows
            else:
                try:
                    matched = await asyncio.to_thread(run_on_records, live_filter.sql, entry.rows())
                except QueryError as exc:
                    yield event({"detail": exc.detail}, name="error", position=position)
                    return
                skipped = max(0, matched.num_rows - options.max_rows)
                shown = matched.slice(skipped)
            if shown.num_rows == 0:
                yield position_only(position)
                continue
            yield event({"rows": json_rows(shown), "skipped": skipped}, position=position)

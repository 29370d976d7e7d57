"""A started query as an HTTP response in the negotiated format.

JSON, CSV and Arrow are collected first (at most ``limit`` rows), so a failure mid-way is still a proper
HTTP error. NDJSON streams: the first batch is awaited before the 200 is sent (planning and early
failures stay HTTP errors); a later failure becomes an ``error`` line. The query's slot is held until the
last byte is out, and given back if the client goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Literal, TypeVar

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from fastapi import Response
from fastapi.responses import StreamingResponse

from hearth_query_api.formats import arrow, csv, json, ndjson
from hearth_query_api.formats.media import ResultFormat
from hearth_query_api.service import Started
from hearth_shared.errors import HearthError

#: Results above this many rows are rendered in a worker thread, off the event loop.
_THREAD_ROWS = 2000
T = TypeVar("T")

#: ``application/json`` of ``GET /v1/query``: column-oriented, row-oriented, or the v2 shape.
JsonShape = Literal["v2", "v1_columns", "v1_rows"]


async def _render(rows: int, render: Callable[[], T]) -> T:
    return await asyncio.to_thread(render) if rows > _THREAD_ROWS else render()


async def respond(
    started: Started, fmt: ResultFormat, *, include_schema: bool, json_shape: JsonShape = "v2"
) -> Response:
    if fmt is ResultFormat.NDJSON:
        return await _stream_ndjson(started)
    try:
        table = await started.running.collect()
        plans = started.running.plans
        if plans is not None:
            plans = replace(plans, physical_plan_with_metrics=started.running.metrics_plan())
    finally:
        started.close()
    rows = table.num_rows
    if fmt is ResultFormat.ARROW:
        body = await _render(rows, lambda: arrow.ipc_stream(table))
        return Response(body, media_type=fmt.value)
    if fmt is ResultFormat.CSV:
        text = await _render(rows, lambda: csv.csv_text(table))
        return Response(text, media_type="text/csv; charset=utf-8")
    if json_shape == "v1_columns":
        body = await _render(rows, lambda: json.v1_columns_body(table))
    elif json_shape == "v1_rows":
        body = await _render(rows, lambda: json.v1_rows_body(table))
    else:
        body = await _render(rows, lambda: json.v2_body(table, include_schema=include_schema, plans=plans))
    return Response(body, media_type=fmt.value)


async def _stream_ndjson(started: Started) -> Response:
    running = started.running
    batches = running.batches()
    try:
        first: pa.RecordBatch | None = await anext(batches, None)
    except BaseException:
        started.close()
        raise

    async def lines() -> AsyncIterator[bytes]:
        count = 0
        try:
            yield ndjson.schema_line(running.schema if first is None else first.schema)
            if running.plans is not None:
                yield ndjson.explain_line(running.plans)
            if first is not None:
                count += first.num_rows
                yield ndjson.data_line(first)
                async for batch in batches:
                    count += batch.num_rows
                    yield ndjson.data_line(batch)
            yield ndjson.end_line(count)
        except HearthError as exc:  # after the 200: say it in the stream
            yield ndjson.error_line(exc.detail)
        finally:
            started.close()

    return StreamingResponse(lines(), media_type=ResultFormat.NDJSON.value)

"""``application/x-ndjson``: one JSON message per line, streamed as batches arrive::

{"type": "schema", "schema": {"fields": [...]}}
{"type": "explain", "logical_plan": "...", "physical_plan": "..."}      (explain only)
{"type": "data", "rows": [{...}, ...]}                                   (one per batch)
{"type": "error", "message": "..."}                                      (a failure after the start)
{"type": "end", "row_count": 123}
"""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_query_api.formats.json import dumps
from hearth_query_api.formats.schema import fields_json
from hearth_query_api.formats.values import json_rows
from hearth_query_api.query import QueryPlans


def schema_line(schema: pa.Schema) -> bytes:
    return dumps({"type": "schema", "schema": {"fields": fields_json(schema)}}) + b"\n"


def explain_line(plans: QueryPlans) -> bytes:
    return (
        dumps({"type": "explain", "logical_plan": plans.logical_plan, "physical_plan": plans.physical_plan})
        + b"\n"
    )


def data_line(batch: pa.RecordBatch) -> bytes:
    return dumps({"type": "data", "rows": json_rows(pa.Table.from_batches([batch]))}) + b"\n"


def error_line(message: str) -> bytes:
    return dumps({"type": "error", "message": message}) + b"\n"


def end_line(row_count: int) -> bytes:
    return dumps({"type": "end", "row_count": row_count}) + b"\n"

"""``application/json`` bodies: v2 ``{"schema": {"fields": [...]}, "data": [...]}`` and the legacy v1
column-oriented ``{"columns": [{"name", "datatype", "nullable", "values"}]}`` and row-oriented
``{"columns": [...], "rows": [...]}`` forms (what ``LogfireQueryClient`` ≤4.34 parsed)."""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_query_api.formats.schema import fields_json
from hearth_query_api.formats.values import json_columns, json_default, json_rows
from hearth_query_api.query import QueryPlans

# Timestamps inside lists/structs reach orjson as datetimes: UTC ones end in "Z" like top-level ones.
_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_SERIALIZE_NUMPY


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=json_default, option=_OPTIONS)


def v2_body(
    table: pa.Table,
    *,
    include_schema: bool,
    plans: QueryPlans | None = None,
    schema: pa.Schema | None = None,
) -> bytes:
    body: dict[str, Any] = {}
    if include_schema:
        body["schema"] = {"fields": fields_json(schema or table.schema)}
    body["data"] = json_rows(table)
    if plans is not None:
        body["logical_plan"] = plans.logical_plan
        body["physical_plan"] = plans.physical_plan
        body["physical_plan_with_metrics"] = plans.physical_plan_with_metrics
    return dumps(body)


def v1_columns_body(table: pa.Table) -> bytes:
    columns = json_columns(table)
    described = fields_json(table.schema, type_key="datatype")
    return dumps({"columns": [{**field, "values": columns[field["name"]]} for field in described]})


def v1_rows_body(table: pa.Table) -> bytes:
    return dumps({"columns": fields_json(table.schema, type_key="datatype"), "rows": json_rows(table)})

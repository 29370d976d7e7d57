"""The functions Logfire's dialect needs that DataFusion 55 lacks, registered on a session.

:func:`register_udfs` adds (the translator in :mod:`hearth_query_api.dialect` emits the calls; users
never write the ``hearth_*`` names themselves, though nothing breaks if they do):

==============================  =========================================================================
``hearth_json(j, path)``        ``->``, ``json_get``, ``json_get_json``: the value as JSON text
``hearth_json_text(j, path)``   ``->>``, ``json_as_text``: strings unquoted, other values as JSON text
``hearth_json_str/int/float/bool(j, path)``   ``json_get_str`` …: the value if it has that JSON type
``hearth_json_length(j, path)``  ``json_length``: elements of an array / members of an object
``hearth_json_contains(j, path)``  ``?`` and ``json_contains``: the path exists
``hearth_json_keys(j, path)``   ``json_keys``: member names of an object, as a list
``level_name(level)``           severity number → name (``13`` → ``'warn'``)
``level_num(name)``             name → severity number (``'warn'`` → ``13``)
``hearth_metric_quantile``      aggregate behind ``metric_quantile(p, value)``
``hearth_metric_increase``      aggregate behind ``metric_increase(value[, ts])``
``hearth_metric_rate``          aggregate behind ``metric_rate(value[, ts])``
==============================  =========================================================================

``path`` is always a literal JSON array of keys and indexes (``'["http.route"]'``), built by the
translator, so a chain like ``attributes->'a'->>'b'`` parses each row once. JSON rows are read by
:func:`hearth_query_api.dialect.json_values.value_at` in one tight loop per batch: pyarrow has no JSON
path kernel (its regex kernels and its JSON reader were measured slower or unable to handle mixed
types), so this is the vector path's floor; the translator adds substring prefilters DataFusion runs
natively where they are exact (see :mod:`hearth_query_api.dialect.rewrite`). Level functions are
pure pyarrow kernels. Metric aggregates collect a group's points and compute in Python once per group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
from datafusion import Accumulator, SessionContext, udaf, udf

from hearth_query_api.dialect import json_values as jv
from hearth_query_api.dialect import metric_math
from hearth_query_api.dialect.levels import LEVEL_NAMES, NAME_TO_NUMBER

_TS = pa.timestamp("us", tz="UTC")

_JSON_FUNCTIONS: dict[str, tuple[Callable[[Any], Any], pa.DataType]] = {
    "hearth_json": (jv.as_json, pa.string()),
    "hearth_json_text": (jv.as_text, pa.string()),
    "hearth_json_str": (jv.as_str, pa.string()),
    "hearth_json_int": (jv.as_int, pa.int64()),
    "hearth_json_float": (jv.as_float, pa.float64()),
    "hearth_json_bool": (jv.as_bool, pa.bool_()),
    "hearth_json_length": (jv.length, pa.int64()),
    "hearth_json_contains": (lambda v: v is not jv.MISSING, pa.bool_()),
    "hearth_json_keys": (jv.keys, pa.list_(pa.string())),
}


def _json_kernel(
    convert: Callable[[Any], Any], out_type: pa.DataType
) -> Callable[[pa.Array, pa.Array], pa.Array]:
    value_at = jv.value_at

    def kernel(docs: pa.Array, paths: pa.Array) -> pa.Array:
        if len(docs) == 0:
            return pa.array([], out_type)
        texts = docs.to_pylist()
        if paths.null_count == 0 and pc.count_distinct(paths).as_py() == 1:
            path = jv.decode_path(paths[0].as_py())  # the usual case: one literal path for the batch
            out = [None if s is None else convert(value_at(s, path)) for s in texts]
        else:
            decoded: dict[str, jv.Path] = {}
            out = []
            for s, p in zip(texts, paths.to_pylist(), strict=True):
                if s is None or p is None:
                    out.append(None)
                    continue
                if p not in decoded:
                    decoded[p] = jv.decode_path(p)
                out.append(convert(value_at(s, decoded[p])))
        return pa.array(out, out_type)

    return kernel


_LEVEL_NAME_TABLE = pa.array(LEVEL_NAMES, pa.string())
_LEVEL_NAMES_SET = pa.array(list(NAME_TO_NUMBER), pa.string())
_LEVEL_NUMBERS = pa.array(list(NAME_TO_NUMBER.values()), pa.int32())


def _level_name(levels: pa.Array) -> pa.Array:
    levels = levels.cast(pa.int32())
    known = pc.and_(pc.greater_equal(levels, 0), pc.less(levels, len(LEVEL_NAMES)))
    return pc.take(_LEVEL_NAME_TABLE, pc.if_else(known, levels, 0))  # index 0 has no name: NULL


def _level_num(names: pa.Array) -> pa.Array:
    index = pc.index_in(pc.utf8_lower(pc.utf8_trim_whitespace(names)), value_set=_LEVEL_NAMES_SET)
    return pc.take(_LEVEL_NUMBERS, index)


class _Collect(Accumulator):
    """Collects a group's rows (as JSON-encoded state) and computes once in :meth:`evaluate`."""

    def __init__(self) -> None:
        self.rows: list[list[Any]] = []

    def update(self, *values: pa.Array) -> None:
        columns = [
            v.cast(pa.int64()).to_pylist() if pa.types.is_timestamp(v.type) else v.to_pylist() for v in values
        ]
        self.rows.extend(map(list, zip(*columns, strict=True)))

    def state(self) -> list[pa.Scalar]:
        return [pa.scalar(orjson.dumps(self.rows).decode(), pa.string())]

    def merge(self, states: list[pa.Array]) -> None:
        for text in states[0].to_pylist():
            if text:
                self.rows.extend(orjson.loads(text))

    def evaluate(self) -> pa.Scalar:
        return pa.scalar(self.compute(), pa.float64())

    def compute(self) -> float | None:
        raise NotImplementedError


class _Quantile(_Collect):
    """Rows: p, metric_type, scalar, bucket counts, bounds, min, max, exp scale, zero count,
    positive counts, positive offset, negative counts, negative offset."""

    def compute(self) -> float | None:
        p: float | None = None
        buckets: list[metric_math.Bucket] = []
        scalars: list[float] = []
        lows: list[float] = []
        highs: list[float] = []
        for row in self.rows:
            (q, kind, scalar, counts, bounds, low, high, scale, zeros, pos, pos_off, neg, neg_off) = row
            p = q if p is None else p
            if kind == "histogram" and counts:
                buckets += metric_math.explicit_buckets(counts, bounds or [], low, high)
            elif kind == "exponential_histogram" and scale is not None:
                buckets += metric_math.exponential_buckets(
                    scale,
                    zeros or 0,
                    positive=pos or [],
                    positive_offset=pos_off or 0,
                    negative=neg or [],
                    negative_offset=neg_off or 0,
                )
            elif scalar is not None:
                scalars.append(scalar)
                continue
            else:
                continue
            lows += [low] if low is not None else []
            highs += [high] if high is not None else []
        if p is None:
            return None
        return metric_math.quantile(
            p, buckets, scalars, (min(lows) if lows else None, max(highs) if highs else None)
        )


class _Increase(_Collect):
    """Rows: temporality, value, time (µs), start time (µs), series key."""

    per_second = False

    def compute(self) -> float | None:
        points = [
            metric_math.Point(series or "", ts, start, value, temporality)
            for temporality, value, ts, start, series in self.rows
            if value is not None and ts is not None
        ]
        total, window = metric_math.increase(points)
        if not self.per_second:
            return total
        return None if total is None or not window else total / window


class _Rate(_Increase):
    per_second = True


_QUANTILE_INPUTS = [
    pa.float64(),
    pa.string(),
    pa.float64(),
    pa.list_(pa.int64()),
    pa.list_(pa.float64()),
    pa.float64(),
    pa.float64(),
    pa.int32(),
    pa.int64(),
    pa.list_(pa.int64()),
    pa.int32(),
    pa.list_(pa.int64()),
    pa.int32(),
]
_INCREASE_INPUTS = [pa.string(), pa.float64(), _TS, _TS, pa.string()]


def register_udfs(ctx: SessionContext) -> None:
    """Register every function the translated SQL may call on ``ctx`` (cheap: call it per session)."""
    for name, (convert, out_type) in _JSON_FUNCTIONS.items():
        ctx.register_udf(
            udf(_json_kernel(convert, out_type), [pa.string(), pa.string()], out_type, "immutable", name)
        )
    ctx.register_udf(udf(_level_name, [pa.int32()], pa.string(), "immutable", "level_name"))
    ctx.register_udf(udf(_level_num, [pa.string()], pa.int32(), "immutable", "level_num"))
    for name, accumulator, inputs in (
        ("hearth_metric_quantile", _Quantile, _QUANTILE_INPUTS),
        ("hearth_metric_increase", _Increase, _INCREASE_INPUTS),
        ("hearth_metric_rate", _Rate, _INCREASE_INPUTS),
    ):
        ctx.register_udaf(udaf(accumulator, inputs, pa.float64(), [pa.string()], "immutable", name))

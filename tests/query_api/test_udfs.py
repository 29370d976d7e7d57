"""The UDFs and the pure functions behind them, called directly (DataFusion for the registered ones)."""

from __future__ import annotations

import math

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pytest
from datafusion import SessionContext

from hearth_query_api.dialect import json_values as jv
from hearth_query_api.dialect import metric_math
from hearth_query_api.dialect.levels import LEVEL_NAMES, level_num
from hearth_query_api.engine.udfs import register_udfs


def _ctx(**columns: pa.Array) -> SessionContext:
    ctx = SessionContext()
    register_udfs(ctx)
    ctx.register_record_batches("t", [pa.table(columns).to_batches(max_chunksize=2)])
    return ctx


DOCS = [
    '{"k":"v","n":1}',  # fast path
    '{"o":{"k":"nested"},"k":"top"}',  # nested key first: needs the real parser
    '{"s":"has \\"k\\": inside","k":2.5}',  # the needle inside a string value
    '{"k" : "spaced"}',
    '{"\\u006b":"escaped"}',  # the key written with an escape
    '["k"]',
    "not json",
    '{"k":null}',
    '{"k":{"a":[1,2]}}',
]


@pytest.mark.parametrize(
    ("doc", "expected"),
    list(
        zip(
            DOCS,
            ["v", "top", 2.5, "spaced", "escaped", jv.MISSING, jv.MISSING, None, {"a": [1, 2]}],
            strict=True,
        )
    ),
)
def test_value_at_matches_a_full_parse(doc: str, expected: object) -> None:
    assert jv.value_at(doc, ("k",)) == expected


def test_value_at_paths() -> None:
    doc = '{"a":{"b":[10,{"c":"d"}]},"x.y":1}'
    assert jv.value_at(doc, ("a", "b", 1, "c")) == "d"
    assert jv.value_at(doc, ("a", "b", -1, "c")) == "d"
    assert jv.value_at(doc, ("a", "b", 5)) is jv.MISSING
    assert jv.value_at(doc, ("x.y",)) == 1
    assert jv.value_at(doc, ("x", "y")) is jv.MISSING
    assert jv.value_at(doc, ()) == orjson.loads(doc)
    assert jv.decode_path(jv.encode_path(("a", 0))) == ("a", 0)
    with pytest.raises(ValueError, match="not a JSON path"):
        jv.decode_path('{"a":1}')


def test_json_udfs_in_datafusion() -> None:
    ctx = _ctx(j=pa.array([*DOCS, None], pa.string()))
    rows = ctx.sql(
        """select hearth_json_text(j, '["k"]') t, hearth_json(j, '["k"]') js,
                  hearth_json_contains(j, '["k"]') c, hearth_json_float(j, '["k"]') f,
                  hearth_json_length(j, '[]') l from t"""
    ).to_pylist()
    assert [r["t"] for r in rows] == [
        "v",
        "top",
        "2.5",
        "spaced",
        "escaped",
        None,
        None,
        None,
        '{"a":[1,2]}',
        None,
    ]
    assert [r["js"] for r in rows][7:] == ["null", '{"a":[1,2]}', None]
    assert [r["c"] for r in rows] == [True, True, True, True, True, False, False, True, True, None]
    assert [r["f"] for r in rows][2] == 2.5
    assert [r["l"] for r in rows] == [2, 2, 2, 1, 1, 1, None, 1, 1, None]


def test_json_udf_with_per_row_paths() -> None:
    ctx = _ctx(j=pa.array(['{"a":1,"b":2}'] * 3), p=pa.array(['["a"]', '["b"]', None]))
    assert [r["v"] for r in ctx.sql("select hearth_json_int(j, p) v from t").to_pylist()] == [1, 2, None]


def test_level_functions() -> None:
    ctx = _ctx(level=pa.array([1, 5, 9, 10, 13, 17, 21, 24, 0, 99, None], pa.int32()))
    names = [r["n"] for r in ctx.sql("select level_name(level) n from t").to_pylist()]
    assert names == ["trace", "debug", "info", "notice", "warn", "error", "fatal", "fatal4", None, None, None]
    ctx = _ctx(name=pa.array(["warn", "WARNING", " error ", "nope", None]))
    assert [r["n"] for r in ctx.sql("select level_num(name) n from t").to_pylist()] == [
        13,
        13,
        17,
        None,
        None,
    ]
    assert level_num("Notice") == 10
    assert LEVEL_NAMES[14] == "warn2"


def test_quantile_math() -> None:
    assert metric_math.quantile(0.5, [], [3.0, 1.0, 2.0, 4.0], (None, None)) == 2.5
    assert metric_math.quantile(0.5, [], [], (None, None)) is None
    assert metric_math.quantile(1.5, [], [1.0], (None, None)) is None
    buckets = metric_math.explicit_buckets([2, 2], [10.0], 0.0, 30.0)
    assert buckets == [(0.0, 10.0, 2.0), (10.0, 30.0, 2.0)]
    assert metric_math.quantile(0.75, buckets, [], (0.0, 30.0)) == 20.0
    assert metric_math.quantile(1.0, buckets, [], (0.0, 25.0)) == 25.0  # clamped to the observed max
    exp_buckets = metric_math.exponential_buckets(
        1, 3, positive=[1], positive_offset=0, negative=[2], negative_offset=1
    )
    base = math.sqrt(2)
    assert exp_buckets == [(0.0, 0.0, 3.0), (1.0, base, 1.0), (-(base**2), -base, 2.0)]


def test_increase_math() -> None:
    p = metric_math.Point
    cumulative = [p("s", t * 1_000_000, None, v, "cumulative") for t, v in [(0, 5.0), (10, 8.0), (20, 2.0)]]
    assert metric_math.increase(cumulative) == (5.0, 20.0)
    two_series = [
        *cumulative,
        p("other", 0, None, 1.0, "cumulative"),
        p("other", 40_000_000, None, 4.0, "cumulative"),
    ]
    assert metric_math.increase(two_series) == (8.0, 40.0)
    delta = [p("d", 60_000_000, 0, 2.0, "delta"), p("d", 120_000_000, 60_000_000, 3.0, "delta")]
    assert metric_math.increase(delta) == (5.0, 120.0)
    assert metric_math.increase([p("g", 0, None, 1.0, None)]) == (None, None)

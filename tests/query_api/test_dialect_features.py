"""Every dialect feature, translated and executed in DataFusion, checked by value."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hearth_query_api.dialect import translate
from hearth_query_api.errors import QueryRejected
from tests.query_api.test_dialect_fixtures import column, run

ORDERED = "from records order by start_timestamp"


def test_text_arrow_reads_literal_dotted_keys() -> None:
    # the nested {"http": {"route": …}} and the nested "a" object must not be mistaken for the key
    assert column(f"select attributes->>'http.route' {ORDERED}") == [
        "/users",
        "/items",
        None,
        '/us"ers',
        None,
        "/spaced",
    ]


def test_json_arrow_returns_json_text_and_chains() -> None:
    assert column(f"select attributes->'user' {ORDERED}")[2] == '{"id":7,"tags":["x","y"]}'
    assert column(f"select attributes->'user'->>'id' {ORDERED}")[2] == "7"
    assert column(f"select attributes->'user'->'tags'->>1 {ORDERED}")[2] == "y"
    assert column(f"select attributes->'http'->>'route' {ORDERED}")[0] == "nested"
    assert column(f"select attributes->'a'->>'http.route' {ORDERED}")[5] == "/deep"


def test_question_mark_is_key_existence() -> None:
    assert column("select count(*) from records where attributes ? 'http.route'") == [4]
    assert column("select span_name from records where attributes ? 'ok'") == ["span 3"]


def test_text_equality_with_prefilter() -> None:
    sql = "select span_name from records where attributes->>'cost' = '2.5'"
    assert "contains(attributes, '\"cost\"')" in translate(sql).sql.lower()
    assert column(sql) == ["span 3"]
    # a value spaced in the JSON text and a value holding a quote still match exactly
    assert column("select span_name from records where attributes->>'route' = '/spaced'") == ["span 5"]
    assert column("""select span_name from records where attributes->>'http.route' = '/us"ers'""") == [
        "span 3"
    ]
    assert column("select span_name from records where attributes->'http.route' = '/users'") == ["span 0"]


def test_promoted_attributes_read_their_typed_column_first() -> None:
    sql = "select span_name from records where attributes->>'http.route' = '/items'"
    # any string or number value is promoted at ingest: the column alone answers '/items'
    assert translate(sql).sql.lower().endswith("where http_route = '/items'")
    # a value ingest leaves in the JSON only (a boolean here) still needs the JSON check
    true_sql = "select span_name from records where attributes->>'http.route' = 'true'"
    assert "http_route = 'true' or (http_route is null" in translate(true_sql).sql.lower()
    grouped = "select attributes->>'http.route' as r, count() as n from records_all group by 1 order by 1"
    assert "case when not http_route is null then http_route" in translate(grouped).sql.lower()
    # rows with the column set and a row whose JSON alone holds the route answer alike
    assert column("select span_name from records where attributes->>'http.route' = '/spaced'") == ["span 5"]
    assert column(grouped) == ["/items", "/pending", "/spaced", '/us"ers', "/users", None]


def test_metrics_attributes_are_never_promoted() -> None:
    sql = "select attributes->>'http.route' from metrics"
    assert "http_route" not in translate(sql).sql


def test_numeric_comparisons_and_casts_are_lenient() -> None:
    # cost is 1.5 (number) in one row and "2.5" (string) in another: both compare, others are NULL
    assert column("select span_name from records where attributes->>'cost' > 1 order by 1") == [
        "span 1",
        "span 3",
    ]
    assert column(f"select (attributes->'cost')::numeric {ORDERED}") == [None, 1.5, None, 2.5, None, None]
    assert column(f"select (attributes->>'n')::int {ORDERED}")[1] == 3
    assert column(f"select (attributes->'ok')::boolean {ORDERED}")[3] is True
    assert column(f"select (attributes->'user')::text {ORDERED}")[2] == '{"id":7,"tags":["x","y"]}'


def test_json_functions() -> None:
    row = run(
        "select json_get(attributes, 'user', 'tags') g, json_get_str(attributes, 'http.route') s,"
        " json_get_int(attributes, 'user', 'id') i, json_get_float(attributes, 'cost') f,"
        " json_get_bool(attributes, 'ok') b, json_get_json(attributes, 'user') j,"
        " json_as_text(attributes, 'user', 'tags', 0) t, json_length(attributes, 'user', 'tags') l,"
        " json_contains(attributes, 'user', 'id') c, json_keys(attributes) k,"
        " json_get_str(attributes->'user', 'id') chained " + ORDERED
    )
    assert row[2] == {
        "g": '["x","y"]',
        "s": None,
        "i": 7,
        "f": None,
        "b": None,
        "j": '{"id":7,"tags":["x","y"]}',
        "t": "x",
        "l": 2,
        "c": True,
        "k": ["user"],
        "chained": None,  # id is a number, not a string
    }
    assert row[1]["f"] == 1.5
    assert row[1]["s"] == "/items"
    assert row[3]["f"] is None  # "2.5" is a string: json_get_float is strict, like datafusion-functions-json
    assert row[3]["b"] is True


def test_non_literal_json_key_is_rejected() -> None:
    with pytest.raises(QueryRejected, match="literal"):
        translate("select attributes->>span_name from records")


def test_levels_compare_by_number() -> None:
    assert column("select count(*) from records where level > 'info'") == [4]  # 10, 13, 17, 21
    assert column("select span_name from records where level = 'error'") == ["span 3"]
    assert column("select span_name from records where level in ('warn', 'error') order by 1") == [
        "span 2",
        "span 3",
    ]
    assert column("select count(*) from records where level between 'debug' and 'warning'") == [3]
    assert column("select count(*) from records where 'info' < level") == [4]
    assert column("select level_num('warn')") == [13]
    assert column(f"select level_name(level) {ORDERED}") == [
        "trace",
        "info",
        "warn",
        "error",
        "fatal",
        "notice",
    ]
    assert column("select level_name(level) from records_all where kind = 'pending_span'") == ["warn2"]
    assert column("select level_num(span_name) from records limit 1") == [None]
    with pytest.raises(QueryRejected, match="unknown level"):
        translate("select * from records where level > 'loud'")


def test_time_bucket_with_variable() -> None:
    sql = "select time_bucket($resolution, start_timestamp) b, count() n from records group by 1 order by 1"
    rows = run(sql, variables={"resolution": "1 minute"})
    minute = [r["b"] for r in rows]
    assert [r["n"] for r in rows] == [2, 2, 2]
    assert minute[0] == datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    assert minute[1] == datetime(2025, 9, 1, 12, 1, tzinfo=UTC)
    assert column(
        "select time_bucket('2 minutes', start_timestamp) from records order by 1 desc limit 1"
    ) == [datetime(2025, 9, 1, 12, 2, tzinfo=UTC)]
    with pytest.raises(QueryRejected, match="unknown variable"):
        translate("select time_bucket($resolution, start_timestamp) from records")


def test_variables_are_values_not_sql() -> None:
    assert column("select count(*) from records where span_name = $name", {"name": "x' or '1'='1"}) == [0]
    assert column("select count(*) from records where span_name = $name", {"name": "span 1"}) == [1]


def test_aggregates_and_builtins() -> None:
    assert column("select count() from records") == [6]
    assert column("select count() from records_all") == [7]
    assert column("select approx_percentile_cont(0.5) within group (order by duration) from records") == [0.3]
    assert column("select approx_percentile_cont(duration, 0.5) from records") == [0.3]
    assert column("select count(*) from records where array_has(tags, 'a')") == [2]
    assert column("select date_trunc('hour', start_timestamp) from records limit 1") == [
        datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    ]
    assert column("select count(*) from records where start_timestamp > now() - interval '5 minutes'") == [0]
    assert column(
        "select count(*) from records where start_timestamp > timestamp '2025-09-01T12:01:00Z'"
    ) == [3]
    assert column("select cast('1.5' as numeric)") == [Decimal("1.5")]


def test_ctes_unions_and_subqueries() -> None:
    sql = (
        "with errors as (select * from records where level >= 'error') "
        "select count(*) from (select span_name from errors union all select span_name from records_all "
        "where kind = 'pending_span') as u"
    )
    assert column(sql) == [3]
    assert column("values (1), (2)") == [1, 2]


def test_metric_helpers() -> None:
    rows = {
        r["metric_name"]: r
        for r in run(
            "select metric_name, metric_quantile(0.5, value) q, metric_increase(value) i,"
            " metric_rate(value) r, metric_sum(value) s, metric_count(value) c, metric_avg(value) a,"
            " metric_min(value) lo,"
            " metric_max(value) hi from metrics group by 1"
        )
    }
    assert rows["temp"] == {
        "metric_name": "temp",
        "q": 20.0,
        "i": 20.0,
        "r": 20 / 120,
        "s": 60.0,
        "c": 3,
        "a": 20.0,
        "lo": 10.0,
        "hi": 30.0,
    }
    assert rows["requests"]["i"] == 9.0  # 5 → 8 → (reset) 2 → 6
    assert rows["requests"]["r"] == 9.0 / 180
    assert rows["bytes"]["i"] == 6.0
    assert rows["bytes"]["r"] == 6.0 / 180
    assert rows["latency"]["q"] == 10.0  # the 5th of 10 observations ends the (0, 10] bucket
    assert rows["latency"]["a"] == 10.0
    assert rows["latency"]["c"] == 10
    assert rows["latency"]["lo"] == 1.0
    assert rows["latency"]["hi"] == 19.0
    assert rows["size"]["q"] == 2.0  # 4 of 8 observations in (1, 2]
    assert column("select metric_quantile(0.75, value) from metrics where metric_name = 'latency'") == [15.0]
    assert column("select metric_sum(m.value) from metrics m where metric_name = 'temp'") == [60.0]
    assert column("select metric_sum(scalar_value) from metrics where metric_name = 'temp'") == [60.0]
    assert column(
        "select metric_increase(value, recorded_timestamp) from metrics where metric_name = 'requests'"
    ) == [9.0]


def test_trace_lookups_are_recognised_only_when_every_row_has_the_trace() -> None:
    trace = "0af7651916cd43dd8448eb211c80319c"
    assert translate(f"select * from records where trace_id = '{trace}'").trace_id == trace
    assert (
        translate(f"select * from records r where level > 1 and ('{trace}' = r.trace_id)").trace_id == trace
    )
    assert translate(f"select * from records where trace_id = '{trace}' or level > 1").trace_id is None
    assert translate(f"select * from records where not (trace_id = '{trace}')").trace_id is None
    joined = (
        f"select * from records a join records b on a.span_id = b.parent_span_id where a.trace_id = '{trace}'"
    )
    assert translate(joined).trace_id is None
    assert translate("select * from records").trace_id is None

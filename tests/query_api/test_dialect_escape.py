"""Escape attempts: everything that is not one read-only query over the project's tables is rejected."""

from __future__ import annotations

import pytest

from hearth_query_api.dialect import translate
from hearth_query_api.errors import QueryRejected, QuerySyntaxError
from tests.query_api.test_dialect_fixtures import column

REJECTED = [
    ("select 1; select 2", "exactly one statement"),
    ("select * from records; drop table records", "exactly one statement"),
    ("drop table records", "not DROP"),
    ("create table x as select * from records", "not CREATE"),
    ("create external table x stored as parquet location '/etc'", "not CREATE"),
    ("insert into records select * from records", "not INSERT"),
    ("delete from records", "not DELETE"),
    ("update records set level = 1", "not UPDATE"),
    ("copy records to '/tmp/out.csv'", "not COPY"),
    ("copy (select 1) to '/tmp/out.parquet'", "not COPY"),
    ("set datafusion.execution.target_partitions = 1", "not SET"),
    ("explain select * from records", "EXPLAIN"),
    ("explain analyze select * from records", "EXPLAIN"),
    ("prepare p as select 1", "PREPARE"),
    ("execute p", "not EXECUTE"),
    ("show tables", "SHOW"),
    ("describe records", "DESCRIBE"),
    ("select * into newtable from records", "INTO"),
    ("select * from other_table", "unknown table"),
    ("select * from datafusion.public.records", "qualified"),
    ("select * from public.records", "qualified"),
    ("select * from other_project.records", "qualified"),
    ('select * from "datafusion"."public"."records"', "qualified"),
    ("select * from information_schema.tables", "qualified"),
    ("select * from information_schema.df_settings", "qualified"),
    ("select * from read_parquet('/etc/passwd')", "read_parquet"),
    ("select * from read_csv('/etc/passwd')", "read_csv"),
    ("select * from read_json('/etc/passwd')", "read_json"),
    ("select * from 'file.parquet'", "string literal"),
    ("select * from '/etc/passwd'", "string literal"),
    ("select * from 'records'", "string literal"),
    ("select * from records r join 'x.csv' f on true", "string literal"),
    ('select * from "RECORDS"', "unknown table"),  # quoted names are case-sensitive in DataFusion
    ('select * from "records.parquet"', "unknown table"),
    ("select * from records where trace_id in (select trace_id from secrets)", "unknown table"),
    ("with a as (select * from b), b as (select 1) select * from a", "unknown table"),  # b not yet defined
    ("select * from (with s as (select 1) select * from s) x, s", "unknown table"),  # s out of scope
    ("select * from records, lateral (select * from hidden) h", "unknown table"),
    ("select * from records union all select * from hidden", "unknown table"),
    ("select * from my_udtf(1)", "my_udtf"),
    ("with x as (insert into records select * from records) select 1", "INSERT is not allowed"),
    ("select * from records where level > $1", "positional"),
]


@pytest.mark.parametrize(("sql", "message"), REJECTED)
def test_rejected(sql: str, message: str) -> None:
    with pytest.raises((QueryRejected, QuerySyntaxError), match=message):
        translate(sql)


@pytest.mark.parametrize(
    "sql",
    ["select * from records where", "select from from", "select 'unterminated", "", "  ;  "],
)
def test_syntax_errors(sql: str) -> None:
    with pytest.raises(QuerySyntaxError):
        translate(sql)


def test_allowed_shapes_and_tables_read() -> None:
    assert translate("SELECT * FROM RECORDS").tables == {"records"}
    assert translate('select * from "records_all"').tables == {"records_all"}
    assert translate("select * from records r join metrics m on true").tables == {"records", "metrics"}
    assert translate("with records as (select 1 as x) select x from records").tables == frozenset()
    assert translate(
        "with recursive t(n) as (select 1 union all select n + 1 from t where n < 3) select * from t"
    )
    assert translate("select 1").tables == frozenset()
    assert translate("select * from records;").tables == {"records"}


def test_value_generators_are_allowed() -> None:
    assert column("select count(*) from generate_series(1, 5)") == [5]
    assert column("select count(*) from unnest([1, 2, 3])") == [3]


def test_string_literal_tables_never_reach_datafusion() -> None:
    # a quoted identifier is a table name, a single-quoted string never is
    with pytest.raises(QueryRejected):
        translate("select * from 'records'")
    assert '"records"' in translate('select * from "records"').sql

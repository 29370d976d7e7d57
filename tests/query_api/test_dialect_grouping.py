"""Grouping by ``level_name(level)``: grouped by the number in the SQL, with the groups of the names."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from datafusion import SessionContext

from hearth_query_api.dialect import translate
from hearth_query_api.dialect.levels import LEVEL_NAMES
from hearth_query_api.engine.udfs import register_udfs

# 0 and 30 have no name: they must land in one NULL group, as grouping by the names would
LEVELS = [0, 30, 9, 9, 13, 14, 17, 9]


def _rows(sql: str) -> list[dict[str, Any]]:
    ctx = SessionContext()
    register_udfs(ctx)
    spans = pa.table({"level": pa.array(LEVELS, pa.int32()), "span_name": [f"s{i % 2}" for i in LEVELS]})
    ctx.register_record_batches("records", [spans.to_batches()])
    rows: list[dict[str, Any]] = ctx.sql(translate(sql).sql).to_pylist()
    return rows


def _name(level: int) -> str | None:
    return LEVEL_NAMES[level] if 0 <= level < len(LEVEL_NAMES) else None


EXPECTED = Counter(_name(level) for level in LEVELS)


def test_group_by_ordinal_groups_by_number_with_the_names_groups() -> None:
    sql = "select level_name(level) as level, count() as n from records group by 1"
    translated = translate(sql).sql.lower()
    assert "group by case when" in translated
    assert "group by level_name" not in translated
    assert {row["level"]: row["n"] for row in _rows(sql)} == EXPECTED
    assert len(_rows(sql)) == len(EXPECTED)  # one NULL group, not one per unnamed number


def test_group_by_expression_alias_having_and_order_by() -> None:
    by_expression = "select level_name(level) l, count() n from records group by level_name(level)"
    assert {row["l"]: row["n"] for row in _rows(by_expression)} == EXPECTED
    sql = (
        "select level_name(level) as lvl, count() as n from records group by lvl "
        "having level_name(level) <> 'info' order by level_name(level) desc"
    )
    assert "group by case when" in translate(sql).sql.lower()
    rows = _rows(sql)
    assert [row["lvl"] for row in rows] == ["warn2", "warn", "error"]  # NULL <> 'info' is not true
    assert {row["lvl"]: row["n"] for row in rows} == {
        name: count for name, count in EXPECTED.items() if name not in {"info", None}
    }


def test_other_keys_keep_their_place() -> None:
    sql = "select span_name, level_name(level) as l, count() as n from records group by span_name, 2"
    expected = Counter((f"s{level % 2}", _name(level)) for level in LEVELS)
    assert {(row["span_name"], row["l"]): row["n"] for row in _rows(sql)} == expected


def test_group_by_a_column_named_like_the_alias_groups_by_the_column() -> None:
    # GROUP BY level names the input column (as in Postgres and DataFusion): one group per number
    sql = "select level_name(level) as level, count() as n from records group by level"
    assert "case when" not in translate(sql).sql.lower()
    assert sorted((row["level"] or "", row["n"]) for row in _rows(sql)) == sorted(
        (_name(level) or "", count) for level, count in Counter(LEVELS).items()
    )

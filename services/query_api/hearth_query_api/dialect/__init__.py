"""Logfire's SQL dialect → the SQL DataFusion runs: parsed and rewritten with sqlglot, never regexes.

Contract used by the engine (keep it stable):

* :func:`translate` takes the user's SQL and returns a :class:`TranslatedQuery` whose ``sql`` DataFusion
  can plan once the engine has registered the project's tables and :mod:`hearth_query_api.engine.udfs`.
* It raises :class:`~hearth_query_api.errors.QuerySyntaxError` for SQL that does not parse and
  :class:`~hearth_query_api.errors.QueryRejected` for anything that is not one read-only query over
  ``records``, ``records_all`` and ``metrics``.

Modules: :mod:`.parse` (sqlglot, ``$variables``), :mod:`.validate` (the safety allow-lists),
:mod:`.rewrite` (what each dialect feature becomes), :mod:`.grouping` (grouping by level numbers),
:mod:`.newest` ("the newest n rows" queries), :mod:`.metrics` (``metric_*``), :mod:`.levels`,
:mod:`.json_values` and :mod:`.metric_math` (pure Python used by the UDFs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from hearth_query_api.dialect.grouping import group_levels_by_number
from hearth_query_api.dialect.newest import newest_rows
from hearth_query_api.dialect.parse import HearthDialect, parse_one_statement, substitute_variables
from hearth_query_api.dialect.rewrite import rewrite
from hearth_query_api.dialect.traces import looked_up_trace
from hearth_query_api.dialect.validate import validate

__all__ = ["QUERYABLE_TABLES", "TranslatedQuery", "translate"]

#: The tables a project's query may read.
QUERYABLE_TABLES: frozenset[str] = frozenset({"records", "records_all", "metrics"})


@dataclass(frozen=True, slots=True)
class TranslatedQuery:
    """The SQL to hand to DataFusion and which of the project's tables it reads."""

    sql: str
    tables: frozenset[str]
    #: the trace id every returned row has (``WHERE trace_id = '…'``), for the trace index; else None
    trace_id: str | None = None
    #: n, for "the newest n rows" (``ORDER BY start_timestamp DESC LIMIT n``, no filter); else None
    newest: int | None = None


def translate(sql: str, *, variables: Mapping[str, str] | None = None) -> TranslatedQuery:
    """Check and rewrite one user query; ``variables`` fills ``$name`` placeholders (e.g. ``$resolution``).

    Remembered for the most recent texts: dashboards and live views send the same SQL again and again,
    and the answer depends on nothing else (a rejected query is not remembered and fails again).
    """
    return _translate(sql, None if variables is None else tuple(sorted(variables.items())))


@lru_cache(maxsize=1024)
def _translate(sql: str, variable_items: tuple[tuple[str, str], ...] | None) -> TranslatedQuery:
    variables = None if variable_items is None else dict(variable_items)
    tree = parse_one_statement(sql)
    tables = validate(tree, sql, QUERYABLE_TABLES)  # before rewriting: judge what the user wrote
    substitute_variables(tree, variables)
    trace_id = looked_up_trace(tree)  # before rewriting, on the user's own terms
    newest = newest_rows(tree)
    tree = rewrite(tree, promoted_columns="metrics" not in tables)
    tree = group_levels_by_number(tree)
    sql_text = tree.sql(dialect=HearthDialect, normalize_functions="lower")
    return TranslatedQuery(sql=sql_text, tables=tables, trace_id=trace_id, newest=newest)

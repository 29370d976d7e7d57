"""Safety: a query must be one read-only SELECT over the project's tables, nothing else.

Allow-lists, not deny-lists: the statement's root must be a query; every table reference must be an
unqualified name of :data:`QUERYABLE_TABLES` or of a CTE visible at that point; the only table functions
are value generators (``generate_series``, ``range``, ``unnest``). Anything else — DDL, DML, COPY, SET,
EXPLAIN, PREPARE, ``read_parquet('…')``, ``FROM 'file.parquet'``, ``information_schema.tables``,
``datafusion.public.records`` — raises :class:`QueryRejected` naming what was refused.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from hearth_query_api.errors import QueryRejected

QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)
_GENERATORS = {"generate_series", "range", "unnest"}
_SOURCE_TYPES = (exp.Table, exp.Subquery, exp.Unnest, exp.Lateral, exp.Values)


def _table_function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.ExplodingGenerateSeries | exp.GenerateSeries):
        return "generate_series"
    if isinstance(node, exp.Unnest):
        return "unnest"
    return node.sql_name().lower() if isinstance(node, exp.Func) else type(node).__name__.lower()


def _visible_ctes(table: exp.Table) -> set[str]:
    """CTE names in scope at ``table``: earlier CTEs of each enclosing WITH (itself too if RECURSIVE)."""
    names: set[str] = set()
    child: Any = table
    parent = table.parent
    while parent is not None:
        if isinstance(parent, exp.With):
            ctes = list(parent.expressions)
            inside = next((i for i, cte in enumerate(ctes) if cte is child), len(ctes))
            upto = inside + (1 if parent.args.get("recursive") and inside < len(ctes) else 0)
            names.update(_identifier_name(cte.args["alias"].this) for cte in ctes[:upto])
        else:
            with_ = parent.args.get("with_") or parent.args.get("with")
            if isinstance(with_, exp.With) and with_ is not child:  # the query body sees every CTE
                names.update(_identifier_name(cte.args["alias"].this) for cte in with_.expressions)
        child, parent = parent, parent.parent
    return names


def _identifier_name(identifier: exp.Expression) -> str:
    """How DataFusion resolves a name: unquoted identifiers are lower-cased, quoted ones kept."""
    if isinstance(identifier, exp.Identifier) and identifier.quoted:
        return str(identifier.this)
    return str(identifier.name).lower()


def _check_table(table: exp.Table, sql: str, allowed: frozenset[str], used: set[str]) -> None:
    target = table.this
    if not isinstance(target, exp.Identifier):
        name = _table_function_name(target)
        if name in _GENERATORS:
            return
        raise QueryRejected(f"table function {name}() is not allowed; query records, records_all or metrics")
    if table.args.get("db") or table.args.get("catalog"):
        raise QueryRejected(
            f"qualified table name {table.sql(dialect='postgres')} is not allowed; "
            "use records, records_all or metrics"
        )
    start = target.meta.get("start")
    if target.quoted and isinstance(start, int) and sql[start : start + 1] == "'":
        raise QueryRejected(f"a string literal cannot be used as a table: '{target.this}'")
    name = _identifier_name(target)
    if name in _visible_ctes(table):
        return
    if name not in allowed:
        raise QueryRejected(f"unknown table {name!r}; queryable tables: {', '.join(sorted(allowed))}")
    used.add(name)


def validate(tree: exp.Expression, sql: str, allowed: frozenset[str]) -> frozenset[str]:
    """Raise :class:`QueryRejected` unless ``tree`` is a read-only query; return the tables it reads."""
    if not isinstance(tree, QUERY_ROOTS):
        kind = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
        raise QueryRejected(f"only SELECT queries are allowed, not {kind}")
    used: set[str] = set()
    for node in tree.walk():
        if isinstance(node, exp.Into):
            raise QueryRejected("SELECT INTO is not allowed")
        if isinstance(node, exp.Query) and not isinstance(node, QUERY_ROOTS):
            raise QueryRejected(f"{node.key.upper()} is not allowed inside a query")
        if isinstance(node, exp.DML | exp.DDL | exp.Command):
            raise QueryRejected(f"{node.key.upper()} is not allowed; only read-only SELECT queries")
        if isinstance(node, exp.From | exp.Join) and not isinstance(node.this, _SOURCE_TYPES):
            raise QueryRejected(f"{node.this.sql(dialect='postgres')} cannot be used as a table")
        if isinstance(node, exp.Table):
            _check_table(node, sql, allowed, used)
    return frozenset(used)

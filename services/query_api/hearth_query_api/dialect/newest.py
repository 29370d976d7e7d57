"""Recognise "the newest n rows of the project" (``ORDER BY start_timestamp DESC LIMIT n``, no filter): the
live view's first page. The service may answer it from a narrow stretch of time (``hearth_query_api.newest``).

Only the plainest shape qualifies: one span table, no WHERE (how many rows a filter keeps is unknown
before running it), nothing that groups, dedups, skips (OFFSET), aggregates, windows or nests.
"""

from __future__ import annotations

import sys

from sqlglot import exp

_TIME = "start_timestamp"
_TABLES = frozenset({"records", "records_all"})
_CLAUSES = ("joins", "where", "group", "having", "qualify", "distinct", "offset", "with_")


#: what :func:`newest_rows` says of a query without LIMIT: only the request's ``limit`` bounds it
UNLIMITED = sys.maxsize


def _limit(tree: exp.Select) -> int | None:
    limit = tree.args.get("limit")
    if limit is None:
        return UNLIMITED
    count = limit.expression if isinstance(limit, exp.Limit) else None
    if not (isinstance(count, exp.Literal) and count.is_int):
        return None
    rows = int(count.this)
    return rows if rows >= 1 else None


def _is_time_column(node: exp.Expression) -> bool:
    return isinstance(node, exp.Column) and node.name.lower() == _TIME


def _newest_first(tree: exp.Select) -> bool:
    order = tree.args.get("order")
    if not isinstance(order, exp.Order) or not order.expressions:
        return False
    first = order.expressions[0]
    if not (isinstance(first, exp.Ordered) and first.args.get("desc") and _is_time_column(first.this)):
        return False
    # ORDER BY names an output column first: an alias start_timestamp of something else would win
    return not any(
        isinstance(item, exp.Alias) and item.alias.lower() == _TIME and not _is_time_column(item.this)
        for item in tree.expressions
    )


def newest_rows(tree: exp.Expression) -> int | None:
    """n, for a query of the newest n rows of one span table (:data:`UNLIMITED` without a LIMIT); None
    for any other query."""
    if not isinstance(tree, exp.Select):
        return None
    source = tree.args.get("from_")
    if source is None or not isinstance(source.this, exp.Table) or source.this.name.lower() not in _TABLES:
        return None
    if any(tree.args.get(clause) for clause in _CLAUSES):
        return None
    if any(True for _ in tree.find_all(exp.AggFunc, exp.Window, exp.Subquery)):
        return None
    if sum(1 for _ in tree.find_all(exp.Select)) != 1 or not _newest_first(tree):
        return None
    return _limit(tree)

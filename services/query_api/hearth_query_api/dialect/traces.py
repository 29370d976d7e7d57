"""Recognise a lookup by trace id, so the service can narrow its time window with the trace index."""

from __future__ import annotations

from sqlglot import exp


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    if isinstance(condition, exp.And):
        return [*_conjuncts(condition.this), *_conjuncts(condition.expression)]
    if isinstance(condition, exp.Paren):
        return _conjuncts(condition.this)
    return [condition]


def looked_up_trace(tree: exp.Expression) -> str | None:
    """The trace id of ``trace_id = '<id>'`` when it is an AND-term of the WHERE of a plain one-table
    SELECT (no join, no OR or NOT around it): then every row the query can return has that trace id."""
    if not isinstance(tree, exp.Select) or tree.args.get("joins"):
        return None
    sources = tree.args.get("from_")  # sqlglot 30 names the FROM clause `from_`
    if sources is None or not isinstance(sources.this, exp.Table):
        return None
    where = tree.args.get("where")
    if where is None:
        return None
    for term in _conjuncts(where.this):
        if not isinstance(term, exp.EQ):
            continue
        for column, value in ((term.this, term.expression), (term.expression, term.this)):
            if (
                isinstance(column, exp.Column)
                and column.name.lower() == "trace_id"
                and isinstance(value, exp.Literal)
                and value.is_string
            ):
                return str(value.this)
    return None

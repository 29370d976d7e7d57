"""Grouping by ``level_name(level)`` groups by the level number and names each group afterwards.

``level_name`` is a Python UDF: as a GROUP BY key it runs on every row and the groups are strings. Grouped
by the number instead, it runs once per group, on the aggregated rows (bench/query.py, count by level over
10M rows: 785 → 300 ms). The numbers that have no name (0, above 24) all name NULL, so the key first folds
them into one NULL: ``CASE WHEN n BETWEEN 1 AND 24 THEN n END``. The groups are then exactly those of the
names, and every ``level_name(…)`` of the SELECT, HAVING and ORDER BY is written over that key, which is
how DataFusion sees they are computed from it.

Runs on the rewritten tree (``level_name(arrow_cast(level, 'Int32'))``, see :mod:`.rewrite`).
"""

from __future__ import annotations

from sqlglot import exp

from hearth_query_api.dialect.levels import LEVEL_NAMES
from hearth_shared.schema import TABLES

#: Names a GROUP BY resolves to an input column before a SELECT alias (DataFusion, like Postgres).
_COLUMN_NAMES = frozenset(name.lower() for table in TABLES.values() for name in table.schema.names)
_LOWEST, _HIGHEST = 1, len(LEVEL_NAMES) - 1  # the named levels


def _level_name_argument(node: exp.Expression) -> exp.Expression | None:
    if (
        isinstance(node, exp.Anonymous)
        and str(node.this).lower() == "level_name"
        and len(node.expressions) == 1
    ):
        argument: exp.Expression = node.expressions[0]
        return argument
    return None


def _named_levels_only(number: exp.Expression) -> exp.Expression:
    """``CASE WHEN n BETWEEN 1 AND 24 THEN n END``: one group for all the numbers without a name."""
    named = exp.Between(
        this=number.copy(), low=exp.Literal.number(_LOWEST), high=exp.Literal.number(_HIGHEST)
    )
    return exp.Case(ifs=[exp.If(this=named, true=number.copy())])


def _grouped_expression(select: exp.Select, key: exp.Expression) -> exp.Expression:
    """What a GROUP BY key stands for: the SELECT item of an ordinal or of an alias, else itself."""
    items = select.expressions
    if isinstance(key, exp.Literal) and key.is_int:
        position = int(key.this) - 1
        if 0 <= position < len(items):
            item: exp.Expression = items[position].unalias()
            return item
    if isinstance(key, exp.Column) and not key.table and key.name.lower() not in _COLUMN_NAMES:
        for item in items:
            if isinstance(item, exp.Alias) and item.alias.lower() == key.name.lower():
                aliased: exp.Expression = item.this
                return aliased
    return key


def _own_nodes(select: exp.Select, clause: exp.Expression) -> list[exp.Expression]:
    """The nodes of ``clause`` that belong to ``select`` itself, not to a subquery inside it."""
    return [
        node
        for node in clause.walk()
        if isinstance(node, exp.Expression) and node.find_ancestor(exp.Select) is select
    ]


def group_levels_by_number(tree: exp.Expression) -> exp.Expression:
    """Rewrite (in place) every SELECT grouped by ``level_name(x)`` to group by the level number."""
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        if group is None or not group.expressions:
            continue
        keys: dict[exp.Expression, exp.Expression] = {}  # level_name's argument → the number key
        for key in list(group.expressions):
            argument = _level_name_argument(_grouped_expression(select, key))
            if argument is None:
                continue
            number_key = keys.setdefault(argument, _named_levels_only(argument))
            key.replace(number_key.copy())
        if not keys:
            continue
        clauses = [*select.expressions, select.args.get("having"), select.args.get("order")]
        for clause in clauses:
            if clause is None:
                continue
            for node in _own_nodes(select, clause):
                argument = _level_name_argument(node)
                if argument is not None and argument in keys:
                    node.set("expressions", [keys[argument].copy()])
    return tree

"""A live view's filter: the WHERE clause of ``SELECT * FROM records_all``, checked and translated once.

Only a condition is accepted: the text must parse as exactly that SELECT with a WHERE and nothing else
(no ORDER BY, LIMIT, GROUP BY, joins, unions smuggled in after the condition).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from hearth_query_api.dialect import translate
from hearth_query_api.dialect.parse import parse_one_statement
from hearth_query_api.engine.memory import run_on_records
from hearth_query_api.errors import QueryRejected
from hearth_shared.schema import RECORDS_SCHEMA

_SELECT_ALL = "SELECT * FROM records_all"
_NO_ROWS = RECORDS_SCHEMA.empty_table()
_ALLOWED_CLAUSES = {"expressions", "from", "from_", "where"}


@dataclass(frozen=True, slots=True)
class LiveFilter:
    """The SQL DataFusion runs on each new batch (pending spans included: the view shows them)."""

    where: str | None
    sql: str

    @classmethod
    def compile(cls, where: str | None) -> LiveFilter:
        text = (where or "").strip()
        if not text:
            return cls(None, translate(_SELECT_ALL).sql)
        sql = f"{_SELECT_ALL} WHERE {text}"
        tree = parse_one_statement(sql)
        extra = sorted(k for k, v in tree.args.items() if v and k not in _ALLOWED_CLAUSES)
        if not isinstance(tree, exp.Select) or extra or tree.args.get("joins"):
            raise QueryRejected(
                "the live filter must be a single condition, as after WHERE "
                f"(e.g. level >= 'warn' AND service_name = 'api'); found {', '.join(extra) or 'more'}"
            )
        compiled = cls(text, translate(sql).sql)
        # Plan it once on no rows, so an unknown column or a type error is a 400 now, not a broken stream.
        run_on_records(compiled.sql, _NO_ROWS)
        return compiled

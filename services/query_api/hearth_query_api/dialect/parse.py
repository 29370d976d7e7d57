"""Parsing: one statement of PostgreSQL-flavoured SQL into a sqlglot tree, ``$variables`` filled in.

Postgres is sqlglot's closest read dialect to what Logfire users write (``->``, ``->>``, ``?``, ``::``);
:class:`HearthDialect` only changes how a few nodes are *written* so DataFusion accepts the output.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, ClassVar, cast

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError

from hearth_query_api.errors import QueryRejected, QuerySyntaxError


class HearthDialect(Postgres):
    """Postgres, minus lambdas, and with the spellings DataFusion needs on output."""

    class Parser(Postgres.Parser):  # type: ignore[valid-type, misc]  # sqlglot declares it as a variable
        # ``f(attributes->'k')`` would otherwise parse as a lambda ``attributes -> 'k'``
        LAMBDAS: ClassVar[dict[Any, Any]] = {}

    class Generator(Postgres.Generator):  # type: ignore[valid-type, misc]  # (same)
        TRANSFORMS = {  # sqlglot's own convention
            **Postgres.Generator.TRANSFORMS,
            # Postgres has no TRY_CAST; DataFusion does (lenient casts of JSON values)
            exp.TryCast: lambda self, e: f"TRY_CAST({self.sql(e, 'this')} AS {self.sql(e, 'to')})",
            exp.ArrayContains: lambda self, e: self.func("array_has", e.this, e.expression),
            exp.StrPosition: lambda self, e: self.func("strpos", e.this, e.args.get("substr")),
        }


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
_PARSING: ContextVar[bool] = ContextVar("hearth_sqlglot_parsing", default=False)


class _QuietWhileParsing(logging.Filter):
    """Drops sqlglot's warnings ("falling back to Command": we reject Commands anyway) during our parse.

    A filter installed once, not ``setLevel`` per query: that clears every logger's cache each time
    (~0.2 ms a call, measured through ``POST /v2/query``) and is not safe across threads.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not _PARSING.get()


logging.getLogger("sqlglot").addFilter(_QuietWhileParsing())


def parse_one_statement(sql: str) -> exp.Expression:
    """The single statement in ``sql``; :class:`QuerySyntaxError` or :class:`QueryRejected` otherwise."""
    parsing = _PARSING.set(True)
    try:
        statements = sqlglot.parse(sql, read=HearthDialect)
    except (ParseError, TokenError) as error:
        # sqlglot underlines the offending token with terminal escape codes: plain text for clients
        raise QuerySyntaxError(f"SQL syntax error: {_ANSI_ESCAPE.sub('', str(error))}") from None
    finally:
        _PARSING.reset(parsing)
    found = [s for s in statements if s is not None]  # a trailing ';' yields None
    if not found:
        raise QuerySyntaxError("the query is empty")
    if len(found) > 1:
        raise QueryRejected(f"exactly one statement is allowed, found {len(found)}")
    return cast(exp.Expression, found[0])


def substitute_variables(tree: exp.Expression, variables: Mapping[str, str] | None) -> None:
    """Replace every ``$name`` by ``variables[name]`` as a string literal (values are data, never SQL)."""
    for parameter in list(tree.find_all(exp.Parameter)):
        name = parameter.this.name if isinstance(parameter.this, exp.Expression) else str(parameter.this)
        if not isinstance(parameter.this, exp.Var):
            raise QueryRejected(f"positional parameters like ${name} are not supported; use $name variables")
        if variables is None or name not in variables:
            raise QueryRejected(f"unknown variable ${name}")
        parameter.replace(exp.Literal.string(str(variables[name])))

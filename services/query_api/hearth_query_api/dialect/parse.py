"""Parsing: one statement of PostgreSQL-flavoured SQL into a sqlglot tree, ``$variables`` filled in.

Postgres is sqlglot's closest read dialect to what Logfire users write (``->``, ``->>``, ``?``, ``::``);
:class:`HearthDialect` only changes how a few nodes are *written* so DataFusion accepts the output.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
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


def parse_one_statement(sql: str) -> exp.Expression:
    """The single statement in ``sql``; :class:`QuerySyntaxError` or :class:`QueryRejected` otherwise."""
    logger = logging.getLogger("sqlglot")
    previous = logger.level
    logger.setLevel(logging.ERROR)  # "falling back to Command" warnings: we reject Commands anyway
    try:
        statements = sqlglot.parse(sql, read=HearthDialect)
    except (ParseError, TokenError) as error:
        # sqlglot underlines the offending token with terminal escape codes: plain text for clients
        raise QuerySyntaxError(f"SQL syntax error: {_ANSI_ESCAPE.sub('', str(error))}") from None
    finally:
        logger.setLevel(previous)
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

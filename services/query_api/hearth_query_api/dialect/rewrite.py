"""Rewriting Logfire's dialect into DataFusion SQL, one node at a time, children first.

=====================================  ===================================================================
Logfire                                DataFusion (after translation)
=====================================  ===================================================================
``a->'k'`` / ``json_get(a,'k')``      ``hearth_json(arrow_cast(a,'Utf8'), '["k"]')`` (JSON text)
``a->>'k'`` / ``json_as_text``        ``hearth_json_text(…, '["k"]')``; chains become one path
``a->'x'->>'y'``                      ``hearth_json_text(…, '["x","y"]')`` (each row parsed once)
``a ? 'k'`` / ``json_contains``       ``strpos(a,'"k"') > 0 AND hearth_json_contains(…)`` (prefilter)
``a->>'k' = 'v'``                     ``strpos(a,'"k"')>0 AND strpos(a,'v')>0 AND hearth_json_text(…)='v'``
``a->'k' = 'v'``                      compared as text, like ``->>``
``a->>'k' > 5`` (number literal)      ``TRY_CAST(hearth_json_text(…) AS DOUBLE) > 5``
``(a->'k')::numeric`` (int, bool…)    ``TRY_CAST(hearth_json_text(…) AS DOUBLE)`` (``BIGINT``, ``BOOLEAN``…)
``(a->'k')::text`` / ``::json``       ``hearth_json_text`` / ``hearth_json``
``json_get_str/int/float/bool/json``  ``hearth_json_str/…`` ; ``json_length``, ``json_keys`` likewise
``level > 'info'``, ``IN``, BETWEEN   ``level > 9`` (names → numbers; unknown names are rejected)
``level_num('warn')``                 ``13``; on a non-literal, the ``level_num`` UDF
``level_name(level)``                 ``level_name(arrow_cast(level,'Int32'))``
``time_bucket(i, ts[, origin])``      ``arrow_cast(date_bin(INTERVAL i, ts), 'Timestamp(µs, "UTC")')``
``count()``                           ``COUNT(*)``
``metric_*(value…)``                  see :mod:`hearth_query_api.dialect.metrics`
=====================================  ===================================================================

The prefilters rely on JSON columns being written by Hearth's ingest with ``orjson`` (compact, keys and
values never escaped unless they hold ``"``, ``\\`` or control characters): they are only added when
neither the key nor the literal holds such characters, so they never drop a matching row.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from hearth_query_api.dialect import json_values
from hearth_query_api.dialect.levels import level_num
from hearth_query_api.dialect.metrics import METRIC_FUNCTIONS, rewrite_metric
from hearth_query_api.errors import QueryRejected

_JSON_META = "hearth_json"  # meta key on our JSON calls: (base expression, path, function name)
_EQUALS_META = "hearth_equals"  # meta key on `json text = 'literal'`: (base, path, literal)
_PROMOTED_META = "hearth_promoted"  # a JSON call already guarded by its promoted column

#: ``records`` attributes that ingest copies into typed columns, exactly (no fallback key feeds them):
#: when the column is set it equals ``attributes->>key``; when NULL (absent, boolean, object, array,
#: null), the JSON text decides.
PROMOTED_ATTRIBUTES = {"http.route": "http_route", "url.path": "url_path", "url.query": "url_query"}
_TIMESTAMP = 'Timestamp(µs, "UTC")'

#: user-facing JSON function → UDF (all take the JSON text and a literal path)
_JSON_FUNCTIONS = {
    "json_get": "hearth_json",
    "json_get_json": "hearth_json",
    "json_as_text": "hearth_json_text",
    "json_get_str": "hearth_json_str",
    "json_get_int": "hearth_json_int",
    "json_get_float": "hearth_json_float",
    "json_get_bool": "hearth_json_bool",
    "json_length": "hearth_json_length",
    "json_contains": "hearth_json_contains",
    "json_keys": "hearth_json_keys",
}
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_NUMERIC_CASTS = {
    exp.DataType.Type.DECIMAL: "DOUBLE",  # JSON numbers are doubles; DECIMAL(38,10) would only truncate
    exp.DataType.Type.DOUBLE: "DOUBLE",
    exp.DataType.Type.FLOAT: "DOUBLE",
    exp.DataType.Type.BIGINT: "BIGINT",
    exp.DataType.Type.INT: "BIGINT",
    exp.DataType.Type.SMALLINT: "BIGINT",
    exp.DataType.Type.BOOLEAN: "BOOLEAN",
}
_TEXT_CASTS = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR}
_JSON_CASTS = {exp.DataType.Type.JSON, exp.DataType.Type.JSONB}


def as_utf8(expression: exp.Expression) -> exp.Expression:
    """``arrow_cast(x, 'Utf8')``: Python UDFs have exact signatures and Parquet may yield Utf8View."""
    return exp.Anonymous(this="arrow_cast", expressions=[expression, exp.Literal.string("Utf8")])


def _function_name(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.JSONKeys):
        return "json_keys"
    return None


# ------------------------------------------------------------------------------------------ JSON
def json_call(function: str, base: exp.Expression, path: tuple[json_values.PathStep, ...]) -> exp.Expression:
    call = exp.Anonymous(
        this=function,
        expressions=[as_utf8(base.copy()), exp.Literal.string(json_values.encode_path(path))],
    )
    call.meta[_JSON_META] = (base, path, function)
    return call


def _json_parts(node: exp.Expression) -> tuple[exp.Expression, tuple[json_values.PathStep, ...], str] | None:
    inner = node.unnest() if isinstance(node, exp.Paren) else node
    parts = inner.meta.get(_JSON_META)
    return parts if isinstance(parts, tuple) else None


def _path_steps(key: exp.Expression | None) -> tuple[json_values.PathStep, ...]:
    if isinstance(key, exp.JSONPath):
        steps: list[json_values.PathStep] = []
        for part in key.expressions:
            if isinstance(part, exp.JSONPathRoot):
                continue
            if isinstance(part, exp.JSONPathKey):
                steps.append(str(part.this))
            elif isinstance(part, exp.JSONPathSubscript) and isinstance(part.this, int):
                steps.append(part.this)
            else:
                raise QueryRejected(f"unsupported JSON path element {part.sql()}")
        return tuple(steps)
    if isinstance(key, exp.Literal):
        return (str(key.this),) if key.is_string else (int(key.this),)
    if isinstance(key, exp.Neg) and isinstance(key.this, exp.Literal) and not key.this.is_string:
        return (-int(key.this.this),)
    shown = key.sql(dialect="postgres") if key is not None else "nothing"
    raise QueryRejected(f"JSON keys must be literal strings or integers, not {shown}")


def _arrow(node: exp.JSONExtract | exp.JSONExtractScalar) -> exp.Expression:
    function = "hearth_json_text" if isinstance(node, exp.JSONExtractScalar) else "hearth_json"
    steps = _path_steps(node.expression)
    parts = _json_parts(node.this)
    if parts is not None and parts[2] == "hearth_json":  # a chain: extend the inner path
        return json_call(function, parts[0], parts[1] + steps)
    return json_call(function, node.this, steps)


def _json_function(node: exp.Expression, name: str) -> exp.Expression:
    args = list(node.expressions) if isinstance(node, exp.Anonymous) else [node.this, node.expression]
    args = [a for a in args if a is not None]
    if not args:
        raise QueryRejected(f"{name}() needs a JSON argument")
    steps: tuple[json_values.PathStep, ...] = ()
    for key in args[1:]:
        steps += _path_steps(key)
    function = _JSON_FUNCTIONS[name]
    parts = _json_parts(args[0])
    if parts is not None and parts[2] == "hearth_json":
        return json_call(function, parts[0], parts[1] + steps)
    return json_call(function, args[0], steps)


def _plain(text: str) -> bool:
    """True when ``text`` is written verbatim inside any JSON string (nothing to escape)."""
    return bool(text) and not any(c in text for c in '"\\') and all(ord(c) >= 0x20 for c in text)


def _contains_text(base: exp.Expression, needle: str) -> exp.Expression:
    # contains() only answers yes/no; strpos() counts characters to return a position (measured slower).
    return exp.Anonymous(this="contains", expressions=[base.copy(), exp.Literal.string(needle)])


def _prefiltered(base: exp.Expression, needles: list[str], exact: exp.Expression) -> exp.Expression:
    condition: exp.Expression = exact
    for needle in reversed(needles):  # cheap native substring tests first: DataFusion short-circuits AND
        condition = exp.And(this=_contains_text(base, needle), expression=condition)
    return exp.Paren(this=condition)


def _key_needle(path: tuple[json_values.PathStep, ...]) -> list[str]:
    first = path[0] if path else None
    return [f'"{first}"'] if isinstance(first, str) and _plain(first) else []


def _contains(node: exp.JSONBContainsTopKey) -> exp.Expression:
    steps = _path_steps(node.expression)
    base = node.this
    parts = _json_parts(base)
    if parts is not None and parts[2] == "hearth_json":
        base, steps = parts[0], parts[1] + steps
    exact = json_call("hearth_json_contains", base, steps)
    needles = _key_needle(steps)
    return _prefiltered(base, needles, exact) if needles else exact


def _as_text(node: exp.Expression) -> exp.Expression:
    parts = _json_parts(node)
    if parts is not None and parts[2] == "hearth_json":
        return json_call("hearth_json_text", parts[0], parts[1])
    return node


def _comparison(node: exp.Expression) -> exp.Expression:
    """JSON values compared with literals: text for strings, lenient numbers for numbers."""
    left, right = node.this, node.expression
    if _json_parts(right) is not None and _json_parts(left) is None:
        left, right = right, left
    parts = _json_parts(left)
    if parts is None or parts[2] not in ("hearth_json", "hearth_json_text"):
        return node
    if isinstance(right, exp.Literal) and not right.is_string:
        text = _as_text(left)
        number = exp.TryCast(this=text, to=exp.DataType.build("DOUBLE"))
        return node.__class__(this=number, expression=right)
    if isinstance(right, exp.Literal) and right.is_string:
        text = _as_text(left)
        compared = node.__class__(this=text, expression=right)
        if isinstance(node, exp.EQ):
            needles = [*_key_needle(parts[1]), str(right.this)]
            if len(needles) == 2 and _plain(needles[1]):
                compared = _prefiltered(parts[0], needles, compared)
            compared.meta[_EQUALS_META] = (parts[0], parts[1], right)
        return compared
    return node


def _cast(node: exp.Cast) -> exp.Expression:
    parts = _json_parts(node.this)
    if parts is None or parts[2] not in ("hearth_json", "hearth_json_text"):
        return node
    target = node.to.this
    if target in _NUMERIC_CASTS:
        text = json_call("hearth_json_text", parts[0], parts[1])
        return exp.TryCast(this=text, to=exp.DataType.build(_NUMERIC_CASTS[target]))
    if target in _TEXT_CASTS:
        return json_call("hearth_json_text", parts[0], parts[1])
    if target in _JSON_CASTS:
        return json_call("hearth_json", parts[0], parts[1])
    return node


# ------------------------------------------------------------------------------------------ levels
def _is_level(node: exp.Expression) -> bool:
    return isinstance(node, exp.Column) and str(node.name).lower() == "level"


def _level_literal(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Literal) and node.is_string:
        number = level_num(str(node.this))
        if number is None:
            raise QueryRejected(
                f"unknown level {node.this!r}; levels: trace, debug, info, notice, warn, error, fatal"
            )
        return exp.Literal.number(number)
    return node


def _levels(node: exp.Expression) -> exp.Expression:
    if isinstance(node, _COMPARISONS):
        if _is_level(node.this):
            node.set("expression", _level_literal(node.expression))
        elif _is_level(node.expression):
            node.set("this", _level_literal(node.this))
    elif isinstance(node, exp.In) and _is_level(node.this):
        node.set("expressions", [_level_literal(e) for e in node.expressions])
    elif isinstance(node, exp.Between) and _is_level(node.this):
        node.set("low", _level_literal(node.args["low"]))
        node.set("high", _level_literal(node.args["high"]))
    return node


# ------------------------------------------------------------------------------------------ others
def _interval(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Literal) and node.is_string:
        return exp.Interval(this=exp.Literal.string(str(node.this)))
    return node


def _time_bucket(node: exp.Anonymous) -> exp.Expression:
    args = list(node.expressions)
    if len(args) not in (2, 3):
        raise QueryRejected("time_bucket(interval, timestamp[, origin]) takes 2 or 3 arguments")
    args[0] = _interval(args[0])
    binned = exp.Anonymous(this="date_bin", expressions=args)
    return exp.Anonymous(this="arrow_cast", expressions=[binned, exp.Literal.string(_TIMESTAMP)])


def _functions(node: exp.Expression) -> exp.Expression:  # noqa: PLR0911  # one branch per feature
    name = _function_name(node)
    if name is None:
        if isinstance(node, exp.Count) and node.this is None:
            node.set("this", exp.Star())
        elif isinstance(node, exp.DateBin):
            node.set("this", _interval(node.this))
        return node
    if name in _JSON_FUNCTIONS:
        return _json_function(node, name)
    if name == "level_num" and isinstance(node, exp.Anonymous):
        (arg,) = node.expressions or [None]
        if isinstance(arg, exp.Literal) and arg.is_string:
            return _level_literal(arg)
        return exp.Anonymous(this="level_num", expressions=[as_utf8(arg)]) if arg is not None else node
    if name == "level_name" and isinstance(node, exp.Anonymous) and len(node.expressions) == 1:
        cast = exp.Anonymous(
            this="arrow_cast", expressions=[node.expressions[0], exp.Literal.string("Int32")]
        )
        return exp.Anonymous(this="level_name", expressions=[cast])
    if name == "time_bucket" and isinstance(node, exp.Anonymous):
        return _time_bucket(node)
    if name in METRIC_FUNCTIONS and isinstance(node, exp.Anonymous):
        return rewrite_metric(name, list(node.expressions))
    return node


def _rewrite_node(node: exp.Expression) -> exp.Expression:  # noqa: PLR0911  # one branch per feature
    if isinstance(node, exp.JSONExtract | exp.JSONExtractScalar):
        return _arrow(node)
    if isinstance(node, exp.JSONBContainsTopKey):
        return _contains(node)
    if isinstance(node, exp.JSONBExtract | exp.JSONBExtractScalar) and isinstance(
        node.expression, exp.Literal
    ):
        steps = tuple(s.strip() for s in str(node.expression.this).strip("{}").split(",") if s.strip())
        path = tuple(int(s) if s.lstrip("-").isdigit() else s for s in steps)
        function = "hearth_json_text" if isinstance(node, exp.JSONBExtractScalar) else "hearth_json"
        return json_call(function, node.this, path)
    if isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast):
        return _cast(node)
    if isinstance(node, (*_COMPARISONS, exp.In, exp.Between)):
        node = _levels(node)
        if isinstance(node, _COMPARISONS):
            return _comparison(node)
        if isinstance(node, exp.In) and _json_parts(node.this) is not None:
            node.set("this", _as_text(node.this))
        return node
    if isinstance(node, exp.Like | exp.ILike):
        return _comparison(node)
    return _functions(node)


def _post_order(node: exp.Expression, visit: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    for value in list(node.args.values()):
        children = value if isinstance(value, list) else [value]
        for child in list(children):
            if isinstance(child, exp.Expression):
                _post_order(child, visit)
    replacement = visit(node)
    if replacement is not node and node.parent is not None:
        node.replace(replacement)
    return replacement


def rewrite(tree: exp.Expression, *, promoted_columns: bool = False) -> exp.Expression:
    """Rewrite ``tree`` (in place where possible) and return the new root. With ``promoted_columns``
    (only ``records`` tables are read), ``attributes->>'http.route'`` and the like read their typed
    column first and parse the JSON only where it is NULL."""
    tree = _post_order(tree, _rewrite_node)
    if promoted_columns:
        for node in list(tree.find_all(exp.Paren, exp.EQ)):  # equality first: it guards its own calls
            if node.meta.get(_EQUALS_META) is not None:
                replacement = _promote(node)
                if replacement is not node:
                    node.replace(replacement)
        tree = _post_order(tree, _promote)
    return tree


def _promoted_column(base: exp.Expression, path: tuple[json_values.PathStep, ...]) -> exp.Column | None:
    if not (isinstance(base, exp.Column) and str(base.name).lower() == "attributes" and len(path) == 1):
        return None
    column = PROMOTED_ATTRIBUTES.get(str(path[0])) if isinstance(path[0], str) else None
    if column is None:
        return None
    return exp.Column(this=exp.to_identifier(column), table=base.args.get("table"))


def _only_promotable(literal: exp.Expression) -> bool:
    """Ingest promotes every string and number value (``as_text``) and leaves the column NULL only for
    booleans, objects, arrays and null: a literal no such value's text can equal needs no JSON check."""
    if not (isinstance(literal, exp.Literal) and literal.is_string):
        return False
    text = str(literal.this)
    return text not in {"true", "false", "null"} and not text.lstrip().startswith(("{", "["))


def _promote(node: exp.Expression) -> exp.Expression:
    equals = node.meta.pop(_EQUALS_META, None)
    if isinstance(equals, tuple):
        base, path, literal = equals
        column = _promoted_column(base, path)
        if column is None:
            return node
        if _only_promotable(literal):
            return exp.EQ(this=column, expression=literal.copy())
        for call in node.find_all(exp.Anonymous):
            call.meta[_PROMOTED_META] = True
        # col = 'v' OR (col IS NULL AND <the JSON check>): the typed column answers almost every row.
        fallback = exp.And(this=exp.Is(this=column.copy(), expression=exp.Null()), expression=node.copy())
        return exp.Paren(
            this=exp.Or(
                this=exp.EQ(this=column, expression=literal.copy()), expression=exp.Paren(this=fallback)
            )
        )
    parts = node.meta.get(_JSON_META)
    if not isinstance(parts, tuple) or parts[2] != "hearth_json_text" or node.meta.get(_PROMOTED_META):
        return node
    column = _promoted_column(parts[0], parts[1])
    if column is None:
        return node
    node.meta[_PROMOTED_META] = True
    return exp.Case(
        ifs=[exp.If(this=exp.Not(this=exp.Is(this=column.copy(), expression=exp.Null())), true=column)],
        default=node.copy(),
    )

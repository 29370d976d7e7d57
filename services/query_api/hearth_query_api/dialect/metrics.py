"""The ``metric_*`` helpers: aggregates over the data points of a group, whatever the metric type.

``value`` is a pseudo-column meaning "the data point's value", which depends on ``metric_type``:

* ``gauge`` and ``sum`` points: ``scalar_value``;
* ``histogram`` and ``exponential_histogram`` points: the distribution (``histogram_count``,
  ``histogram_sum``, ``histogram_min``/``max`` and the buckets).

================================  ===========================================================================
``metric_sum(value)``             Σ ``scalar_value`` (gauge, sum) + Σ ``histogram_sum`` (histograms)
``metric_count(value)``           number of scalar points + Σ ``histogram_count``
``metric_min(value)`` / ``max``   min/max of ``scalar_value`` and ``histogram_min``/``histogram_max``
``metric_avg(value)``             ``metric_sum / metric_count`` (the mean observation of histograms)
``metric_quantile(p, value)``     histograms: buckets of all points merged, then interpolated linearly in
                                  the bucket holding the rank (exponential buckets from scale/offsets);
                                  scalars: exact ``percentile_cont``; ``p`` in 0-1
``metric_increase(value[, ts])``  delta: Σ values; cumulative: Σ of consecutive differences per series
                                  with counter resets; gauges: last - first per series; histograms: count
``metric_rate(value[, ts])``      ``metric_increase`` per second over the window the points cover
================================  ===========================================================================

A series is ``metric_name`` + ``attributes`` + ``otel_resource_attributes``; ``ts`` defaults to
``recorded_timestamp``. Given any other expression than ``value`` the helpers treat it as a scalar
(``metric_sum(x)`` is ``SUM(x)``, ``metric_quantile(p, x)`` is ``approx_percentile_cont(x, p)``…).
The columns are referenced unqualified (or with ``value``'s qualifier, as in ``m.value``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from hearth_query_api.errors import QueryRejected

METRIC_FUNCTIONS = frozenset(
    {
        "metric_sum",
        "metric_count",
        "metric_min",
        "metric_max",
        "metric_avg",
        "metric_quantile",
        "metric_increase",
        "metric_rate",
    }
)
_TIMESTAMP = 'Timestamp(µs, "UTC")'
_QUANTILE_COLUMNS = (
    ("scalar_value", None),
    ("histogram_bucket_counts", None),
    ("histogram_explicit_bounds", None),
    ("histogram_min", None),
    ("histogram_max", None),
    ("exp_histogram_scale", "Int32"),
    ("exp_histogram_zero_count", "Int64"),
    ("exp_histogram_positive_bucket_counts", None),
    ("exp_histogram_positive_bucket_counts_offset", "Int32"),
    ("exp_histogram_negative_bucket_counts", None),
    ("exp_histogram_negative_bucket_counts_offset", "Int32"),
)


def _cast(expression: exp.Expression, arrow_type: str) -> exp.Expression:
    return exp.Anonymous(this="arrow_cast", expressions=[expression, exp.Literal.string(arrow_type)])


def _is_value(node: exp.Expression) -> bool:
    return isinstance(node, exp.Column) and str(node.name).lower() == "value"


def _column_factory(value: exp.Column) -> Callable[[str], exp.Column]:
    table = value.args.get("table")
    return lambda name: exp.column(name, table=table.copy() if table is not None else None)


def _case(
    col: Callable[[str], exp.Column], histogram: exp.Expression, scalar: exp.Expression
) -> exp.Expression:
    is_histogram = exp.In(
        this=col("metric_type"),
        expressions=[exp.Literal.string("histogram"), exp.Literal.string("exponential_histogram")],
    )
    return exp.Case(ifs=[exp.If(this=is_histogram, true=histogram)], default=scalar)


def _sum(col: Callable[[str], exp.Column]) -> exp.Expression:
    return exp.Sum(this=_case(col, col("histogram_sum"), col("scalar_value")))


def _count(col: Callable[[str], exp.Column]) -> exp.Expression:
    one_if_present = exp.Case(
        ifs=[
            exp.If(
                this=exp.Not(this=exp.Is(this=col("scalar_value"), expression=exp.Null())),
                true=exp.Literal.number(1),
            )
        ],
        default=exp.Literal.number(0),
    )
    return exp.Sum(this=_case(col, col("histogram_count"), one_if_present))


def _increase(name: str, args: list[exp.Expression]) -> exp.Expression:
    value = args[0]
    col = _column_factory(value) if isinstance(value, exp.Column) else exp.column
    if _is_value(value):
        value = _case(
            col, exp.Cast(this=col("histogram_count"), to=exp.DataType.build("DOUBLE")), col("scalar_value")
        )
    time = args[1] if len(args) > 1 else col("recorded_timestamp")
    series = exp.Anonymous(
        this="concat_ws",
        expressions=[
            exp.Literal.string("\x1f"),
            col("metric_name"),
            exp.Coalesce(this=col("attributes"), expressions=[exp.Literal.string("")]),
            exp.Coalesce(this=col("otel_resource_attributes"), expressions=[exp.Literal.string("")]),
        ],
    )
    return exp.Anonymous(
        this=f"hearth_{name}",
        expressions=[
            _cast(col("aggregation_temporality"), "Utf8"),
            _cast(value, "Float64"),
            _cast(time, _TIMESTAMP),
            _cast(col("start_timestamp"), _TIMESTAMP),
            _cast(series, "Utf8"),
        ],
    )


def rewrite_metric(name: str, args: list[exp.Expression]) -> exp.Expression:  # noqa: PLR0911  # one per helper
    """The DataFusion expression for ``name(*args)`` (see the module docstring)."""
    wanted = (
        (2,) if name == "metric_quantile" else (1, 2) if name in ("metric_increase", "metric_rate") else (1,)
    )
    if len(args) not in wanted:
        raise QueryRejected(f"{name}() takes {' or '.join(map(str, wanted))} argument(s)")
    if name in ("metric_increase", "metric_rate"):
        return _increase(name, args)
    target = args[-1]
    if not _is_value(target):  # an ordinary expression: plain aggregates
        plain: dict[str, Callable[[], exp.Expression]] = {
            "metric_sum": lambda: exp.Sum(this=target),
            "metric_count": lambda: exp.Count(this=target),
            "metric_min": lambda: exp.Min(this=target),
            "metric_max": lambda: exp.Max(this=target),
            "metric_avg": lambda: exp.Avg(this=target),
            "metric_quantile": lambda: exp.Anonymous(
                this="approx_percentile_cont", expressions=[target, args[0]]
            ),
        }
        return plain[name]()
    assert isinstance(target, exp.Column)
    col = _column_factory(target)
    if name == "metric_sum":
        return _sum(col)
    if name == "metric_count":
        return _count(col)
    if name in ("metric_min", "metric_max"):
        kind = exp.Min if name == "metric_min" else exp.Max
        side = "histogram_min" if name == "metric_min" else "histogram_max"
        return kind(this=_case(col, col(side), col("scalar_value")))
    if name == "metric_avg":
        total = exp.Cast(this=_sum(col), to=exp.DataType.build("DOUBLE"))
        return exp.Div(this=total, expression=exp.Nullif(this=_count(col), expression=exp.Literal.number(0)))
    columns = [_cast(col(c), t) if t else col(c) for c, t in _QUANTILE_COLUMNS]
    return exp.Anonymous(
        this="hearth_metric_quantile",
        expressions=[_cast(args[0], "Float64"), _cast(col("metric_type"), "Utf8"), *columns],
    )

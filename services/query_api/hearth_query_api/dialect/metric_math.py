"""The arithmetic behind the ``metric_*`` helpers: quantiles of histogram buckets, increase and rate.

Pure Python over plain lists (the DataFusion aggregates in :mod:`hearth_query_api.engine.udfs` collect a
group's data points and call these once per group). What "the value of a data point" means is explained
in :mod:`hearth_query_api.dialect.metrics`.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: A bucket of observations: lower bound, upper bound, number of observations.
Bucket = tuple[float, float, float]


def explicit_buckets(
    counts: Sequence[int], bounds: Sequence[float], minimum: float | None, maximum: float | None
) -> list[Bucket]:
    """OTLP explicit-bucket histogram: bucket ``i`` covers ``(bounds[i-1], bounds[i]]``.

    The two open-ended buckets are closed by the point's min/max when known (else by the nearest bound),
    so a quantile never comes out infinite.
    """
    if not bounds:
        low = minimum if minimum is not None else (maximum if maximum is not None else 0.0)
        high = maximum if maximum is not None else low
        return [(low, high, float(counts[0]))] if counts else []
    out: list[Bucket] = []
    for i, count in enumerate(counts):
        if not count:
            continue
        low = bounds[i - 1] if i > 0 else (minimum if minimum is not None else bounds[0])
        high = bounds[i] if i < len(bounds) else (maximum if maximum is not None else bounds[-1])
        out.append((min(low, high), high, float(count)))
    return out


def exponential_buckets(
    scale: int,
    zero_count: int,
    *,
    positive: Sequence[int],
    positive_offset: int,
    negative: Sequence[int],
    negative_offset: int,
) -> list[Bucket]:
    """OTLP exponential histogram: positive bucket ``i`` covers ``(base**i, base**(i+1)]``,
    ``base = 2**(2**-scale)``; negative buckets mirror them; the zero bucket is the point 0."""
    base = 2.0 ** (2.0**-scale)
    out: list[Bucket] = [(0.0, 0.0, float(zero_count))] if zero_count else []
    for k, count in enumerate(positive):
        if count:
            i = positive_offset + k
            out.append((base**i, base ** (i + 1), float(count)))
    for k, count in enumerate(negative):
        if count:
            i = negative_offset + k
            out.append((-(base ** (i + 1)), -(base**i), float(count)))
    return out


def quantile(
    p: float, buckets: Iterable[Bucket], scalars: Iterable[float], bounds: tuple[float | None, float | None]
) -> float | None:
    """Quantile ``p`` (0-1) of the observations described by ``buckets`` and plain ``scalars``.

    Scalars alone give the exact ``percentile_cont``. With buckets, scalars count as one-observation
    buckets, buckets are ordered by upper bound and the result is interpolated linearly inside the bucket
    holding the rank (as Prometheus' ``histogram_quantile``), then clamped to the observed min/max.
    """
    if not 0.0 <= p <= 1.0 or math.isnan(p):
        return None
    values = sorted(scalars)
    items = [b for b in buckets if b[2] > 0]
    if not items:
        if not values:
            return None
        rank = p * (len(values) - 1)
        lo = math.floor(rank)
        hi = min(lo + 1, len(values) - 1)
        return values[lo] + (values[hi] - values[lo]) * (rank - lo)
    items.extend((v, v, 1.0) for v in values)
    items.sort(key=lambda b: (b[1], b[0]))
    total = sum(b[2] for b in items)
    rank = p * total
    seen = 0.0
    result = items[-1][1]
    for low, high, count in items:
        if seen + count >= rank:
            result = low + (high - low) * ((rank - seen) / count)
            break
        seen += count
    minimum, maximum = bounds
    if minimum is not None:
        result = max(result, minimum)
    if maximum is not None:
        result = min(result, maximum)
    return result


@dataclass(frozen=True, slots=True)
class Point:
    """One data point as the increase/rate aggregates see it (times in µs since the epoch)."""

    series: str
    time: int
    start: int | None
    value: float
    temporality: str | None


def increase(points: Iterable[Point]) -> tuple[float | None, float | None]:
    """``(increase, window in seconds)`` of a group of points, summed over their series.

    * delta points: the sum of their values; the window runs from the earliest start time (else the
      earliest time) to the latest time;
    * cumulative points: the sum of the differences between consecutive points of a series, a drop
      counting as a counter reset (the new value is the increase since the reset, as in Prometheus);
    * points without temporality (gauges): last minus first of each series.

    The window of cumulative points and gauges runs from the first to the last point. ``None`` values
    mean "not enough points".
    """
    by_series: dict[str, list[Point]] = defaultdict(list)
    for point in points:
        by_series[point.series].append(point)
    total: float | None = None
    first: int | None = None
    last: int | None = None
    for series in by_series.values():
        series.sort(key=lambda pt: pt.time)
        if series[0].temporality == "delta":
            part = sum(pt.value for pt in series)
            begin = min(pt.start if pt.start is not None else pt.time for pt in series)
        else:
            if len(series) < 2:
                continue
            part = 0.0
            for before, after in itertools.pairwise(series):
                step = after.value - before.value
                if step < 0 and series[0].temporality == "cumulative":
                    step = after.value
                part += step
            begin = series[0].time
        total = part if total is None else total + part
        first = begin if first is None else min(first, begin)
        last = series[-1].time if last is None else max(last, series[-1].time)
    if total is None or first is None or last is None or last <= first:
        return total, None
    return total, (last - first) / 1_000_000

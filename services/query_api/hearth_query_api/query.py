"""What one query asks for and what it may read: plain values passed from the API to the engine.

Kept free of DataFusion so the API, the formats and the tests can build them without the engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

#: The catalog table (``records`` or ``metrics``) behind each queryable table.
CATALOG_TABLE: Mapping[str, str] = {"records": "records", "records_all": "records", "metrics": "metrics"}


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """``[min_timestamp, max_timestamp)`` on each table's time column; no max means no upper bound."""

    min_timestamp: datetime
    max_timestamp: datetime | None = None

    def __post_init__(self) -> None:
        if self.min_timestamp.tzinfo is None or (
            self.max_timestamp is not None and self.max_timestamp.tzinfo is None
        ):
            raise ValueError("query time bounds must be timezone-aware")


@dataclass(frozen=True, slots=True)
class QuerySpec:
    """One query of one project, after dialect translation.

    ``files`` maps each table the SQL reads to the object keys the catalog lists for it (already pruned
    to the window); tables not in it are not registered, so the SQL cannot read them.
    """

    project_id: uuid.UUID
    sql: str
    window: TimeWindow
    limit: int
    files: Mapping[str, tuple[str, ...]]
    timezone: str | None = None
    #: keys among ``files`` whose every row lies inside the window (catalog bounds): the engine reads them
    #: without the window's filter, which would only cost time (it halves a 24 h scan, bench/query.py)
    inside: frozenset[str] = frozenset()
    #: ``deployment_environment`` values to keep; ``""`` stands for "no environment set" (NULL).
    environments: tuple[str, ...] | None = None
    explain: bool = False


@dataclass(frozen=True, slots=True)
class QueryPlans:
    """The plans of an ``explain`` request, as text."""

    logical_plan: str
    physical_plan: str
    physical_plan_with_metrics: str = ""

"""The ``metrics`` table: one row per OTLP metric data point (gauge, sum, histogram, exponential histogram).

Columns, order, types and nullability follow ``reference/data-model.md`` exactly (OTLP Summary points are
dropped at ingest, so they have no columns). Data-model.md gives no meanings for most metric columns; the
descriptions here follow the OTLP metrics data model.

Integer widths (data-model.md only says "int"), chosen after OTLP's own field types:

- counts are ``int64``: ``histogram_count``, ``exp_histogram_zero_count`` and the bucket-count lists
  (``list<int64>``). OTLP sends them as unsigned 64-bit; signed ``int64`` is what SQL users expect
  (``sum(histogram_count)`` without surprises) and no real count reaches 2^63.
- ``exp_histogram_scale`` and the two ``*_bucket_counts_offset`` columns are ``int32``: OTLP's ``sint32``.
- ``process_pid`` is ``int64``, as in ``records``.
"""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet

from hearth_shared.schema.fields import TEXT, TIMESTAMP, column

_HISTOGRAM = "of a histogram or exponential histogram data point"
_EXP = "of an exponential histogram data point"

METRICS_SCHEMA: pa.Schema = pa.schema(
    [
        column(
            "recorded_timestamp",
            TIMESTAMP,
            nullable=True,
            description="Time of the data point; the time-range filter of every view applies to it.",
        ),
        column(
            "start_timestamp",
            TIMESTAMP,
            nullable=True,
            description="Start of the data point's aggregation interval (OTLP start time), when sent.",
        ),
        column(
            "created_at",
            TIMESTAMP,
            nullable=False,
            description="Ingest time of the data point (for stable pagination of fresh data).",
        ),
        column(
            "day",
            pa.date32(),
            nullable=False,
            description="Partition column: the UTC day of recorded_timestamp.",
        ),
        column(
            "project_id",
            TEXT,
            nullable=False,
            description="Tenant column: the project the data point belongs to.",
        ),
        column("metric_name", TEXT, nullable=False, description="Name of the metric (instrument name)."),
        column(
            "metric_type",
            TEXT,
            nullable=False,
            description="`gauge`, `sum`, `histogram` or `exponential_histogram`.",
        ),
        column(
            "metric_description", TEXT, nullable=True, description="Description of the metric, when sent."
        ),
        column(
            "unit",
            TEXT,
            nullable=False,
            description="Unit of the metric (UCUM, e.g. `ms`, `By`); empty string when none was sent.",
        ),
        column(
            "aggregation_temporality",
            TEXT,
            nullable=True,
            description="`delta` or `cumulative` for sums and histograms; NULL for gauges.",
        ),
        column(
            "is_monotonic",
            pa.bool_(),
            nullable=True,
            description="Whether a sum only increases; NULL for other metric types.",
        ),
        column(
            "scalar_value",
            pa.float64(),
            nullable=True,
            description="Value of a gauge or sum data point (integers converted to float64).",
        ),
        column(
            "histogram_min", pa.float64(), nullable=True, description=f"Smallest recorded value {_HISTOGRAM}."
        ),
        column(
            "histogram_max", pa.float64(), nullable=True, description=f"Largest recorded value {_HISTOGRAM}."
        ),
        column(
            "histogram_sum",
            pa.float64(),
            nullable=True,
            description=f"Sum of the recorded values {_HISTOGRAM}.",
        ),
        column(
            "histogram_count",
            pa.int64(),
            nullable=True,
            description=f"Number of recorded values {_HISTOGRAM}.",
        ),
        column(
            "histogram_bucket_counts",
            pa.list_(pa.int64()),
            nullable=True,
            description="Count per bucket of an explicit-bucket histogram (one more than the bounds).",
        ),
        column(
            "histogram_explicit_bounds",
            pa.list_(pa.float64()),
            nullable=True,
            description="Bucket upper bounds of an explicit-bucket histogram.",
        ),
        column(
            "exp_histogram_scale",
            pa.int32(),
            nullable=True,
            description=f"Scale (resolution) {_EXP}: bucket bases are 2^(2^-scale).",
        ),
        column(
            "exp_histogram_zero_count",
            pa.int64(),
            nullable=True,
            description=f"Count of values in the zero bucket {_EXP}.",
        ),
        column(
            "exp_histogram_zero_threshold",
            pa.float64(),
            nullable=True,
            description=f"Width of the zero bucket {_EXP}.",
        ),
        column(
            "exp_histogram_positive_bucket_counts",
            pa.list_(pa.int64()),
            nullable=True,
            description=f"Counts of the positive-value buckets {_EXP}.",
        ),
        column(
            "exp_histogram_negative_bucket_counts",
            pa.list_(pa.int64()),
            nullable=True,
            description=f"Counts of the negative-value buckets {_EXP}.",
        ),
        column(
            "exp_histogram_positive_bucket_counts_offset",
            pa.int32(),
            nullable=True,
            description=f"Bucket index of the first positive bucket count {_EXP}.",
        ),
        column(
            "exp_histogram_negative_bucket_counts_offset",
            pa.int32(),
            nullable=True,
            description=f"Bucket index of the first negative bucket count {_EXP}.",
        ),
        column(
            "exemplars",
            TEXT,
            nullable=True,
            description="Exemplars of the data point, as a JSON array (text).",
        ),
        column(
            "attributes",
            TEXT,
            nullable=True,
            description="Data point attributes as JSON text; query with `attributes->>'key'`, `->` and `?`.",
        ),
        column(
            "attributes_json_schema",
            TEXT,
            nullable=True,
            description="JSON schema of the attributes, when known.",
        ),
        column("otel_scope_name", TEXT, nullable=True, description="Instrumentation scope name."),
        column("otel_scope_version", TEXT, nullable=True, description="Instrumentation scope version."),
        column(
            "otel_scope_attributes",
            TEXT,
            nullable=True,
            description="Instrumentation scope attributes, as JSON text.",
        ),
        column(
            "otel_resource_attributes",
            TEXT,
            nullable=True,
            description="All resource attributes, as JSON text.",
        ),
        column(
            "service_name",
            TEXT,
            nullable=False,
            description="Resource attribute `service.name`, default `unknown_service`; at most 512 bytes.",
        ),
        column(
            "service_namespace", TEXT, nullable=True, description="Resource attribute `service.namespace`."
        ),
        column("service_version", TEXT, nullable=True, description="Resource attribute `service.version`."),
        column(
            "service_instance_id",
            TEXT,
            nullable=True,
            description="Resource attribute `service.instance.id`.",
        ),
        column("process_pid", pa.int64(), nullable=True, description="Resource attribute `process.pid`."),
        column(
            "deployment_environment",
            TEXT,
            nullable=True,
            description="`deployment.environment.name`, falling back to `deployment.environment`.",
        ),
        column(
            "telemetry_sdk_name", TEXT, nullable=True, description="Resource attribute `telemetry.sdk.name`."
        ),
        column(
            "telemetry_sdk_language",
            TEXT,
            nullable=True,
            description="Resource attribute `telemetry.sdk.language`.",
        ),
        column(
            "telemetry_sdk_version",
            TEXT,
            nullable=True,
            description="Resource attribute `telemetry.sdk.version`.",
        ),
    ]
)

"""Columns derived once per OTLP resource and once per instrumentation scope.

A request carries one resource per ``Resource*`` entry and one scope per ``Scope*`` entry, each shared
by many spans, log records or data points: their columns are computed here once and repeated over the
rows of that resource/scope (never recomputed per row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet

from hearth_ingest.otlp.values import MAX_NAME_BYTES, as_int64, as_text, attributes_dict, dumps, truncate_utf8

#: service_name when the resource has no usable ``service.name`` (the OpenTelemetry default).
DEFAULT_SERVICE_NAME = "unknown_service"


@dataclass(frozen=True, slots=True)
class ResourceColumns:
    """The resource-derived columns shared by ``records`` and ``metrics`` rows."""

    attributes: bytes  # JSON object (text); ``{}`` when the resource has no attributes
    service_name: str
    service_version: str | None
    service_namespace: str | None
    service_instance_id: str | None
    process_pid: int | None
    deployment_environment: str | None
    telemetry_sdk_name: str | None
    telemetry_sdk_language: str | None
    telemetry_sdk_version: str | None


@dataclass(frozen=True, slots=True)
class ScopeColumns:
    """The instrumentation-scope columns (``otel_scope_*``)."""

    name: str | None
    version: str | None
    attributes: bytes  # JSON object (text); ``{}`` when the scope has no attributes


def resource_columns(resource: Any) -> ResourceColumns:
    """The columns of an OTLP ``Resource`` (absent or empty resources give the defaults)."""
    attrs = attributes_dict(resource.attributes)
    get = attrs.get
    service_name = as_text(get("service.name"))
    environment = as_text(get("deployment.environment.name"))
    if environment is None:
        environment = as_text(get("deployment.environment"))
    return ResourceColumns(
        attributes=dumps(attrs),
        service_name=truncate_utf8(service_name, MAX_NAME_BYTES) if service_name else DEFAULT_SERVICE_NAME,
        service_version=as_text(get("service.version")),
        service_namespace=as_text(get("service.namespace")),
        service_instance_id=as_text(get("service.instance.id")),
        process_pid=as_int64(get("process.pid")),
        deployment_environment=environment,
        telemetry_sdk_name=as_text(get("telemetry.sdk.name")),
        telemetry_sdk_language=as_text(get("telemetry.sdk.language")),
        telemetry_sdk_version=as_text(get("telemetry.sdk.version")),
    )


def scope_columns(scope: Any) -> ScopeColumns:
    """The columns of an OTLP ``InstrumentationScope``; empty name/version are NULL."""
    return ScopeColumns(
        name=scope.name or None,
        version=scope.version or None,
        attributes=dumps(attributes_dict(scope.attributes)),
    )


#: How each resource/scope column of ``records`` and ``metrics`` is read from the two.
SEGMENT_COLUMNS: dict[str, Callable[[ResourceColumns, ScopeColumns], Any]] = {
    "otel_scope_name": lambda r, s: s.name,
    "otel_scope_version": lambda r, s: s.version,
    "otel_scope_attributes": lambda r, s: s.attributes,
    "otel_resource_attributes": lambda r, s: r.attributes,
    "service_name": lambda r, s: r.service_name,
    "service_version": lambda r, s: r.service_version,
    "service_namespace": lambda r, s: r.service_namespace,
    "service_instance_id": lambda r, s: r.service_instance_id,
    "process_pid": lambda r, s: r.process_pid,
    "deployment_environment": lambda r, s: r.deployment_environment,
    "telemetry_sdk_name": lambda r, s: r.telemetry_sdk_name,
    "telemetry_sdk_language": lambda r, s: r.telemetry_sdk_language,
    "telemetry_sdk_version": lambda r, s: r.telemetry_sdk_version,
}
_JSON_SEGMENT_COLUMNS = frozenset({"otel_scope_attributes", "otel_resource_attributes"})


@dataclass(slots=True)
class Segments:
    """Runs of consecutive rows sharing one resource and scope; expanded to Arrow columns at the end."""

    runs: list[tuple[int, ResourceColumns, ScopeColumns]] = field(default_factory=list)
    closed_rows: int = 0

    def close(self, rows: int, resource: ResourceColumns, scope: ScopeColumns) -> None:
        """Rows up to ``rows`` (the builder's row count now) share ``resource`` and ``scope``."""
        if rows > self.closed_rows:
            self.runs.append((rows - self.closed_rows, resource, scope))
        self.closed_rows = rows

    def arrays(self, schema: pa.Schema) -> dict[str, pa.Array]:
        """Each segment column of ``schema`` as one array (a repeat per run: no per-row Python work)."""
        out: dict[str, pa.Array] = {}
        for name, read in SEGMENT_COLUMNS.items():
            data_type = schema.field(name).type
            json = name in _JSON_SEGMENT_COLUMNS
            chunks = [
                repeat(read(resource, scope), count, pa.binary() if json else data_type)
                for count, resource, scope in self.runs
            ]
            if not chunks:
                array = pa.array([], type=pa.binary() if json else data_type)
            elif len(chunks) == 1:
                array = chunks[0]
            else:
                array = pa.concat_arrays(chunks)
            # orjson's output is valid UTF-8: reinterpret the bytes instead of validating them again.
            out[name] = array.view(data_type) if json else array
        return out


def repeat(value: Any, count: int, data_type: pa.DataType) -> pa.Array:
    """``count`` copies of ``value`` as an array of ``data_type``."""
    if value is None:
        return pa.nulls(count, type=data_type)
    return pa.repeat(pa.scalar(value, type=data_type), count)


def columns_table(columns: Mapping[str, Any], schema: pa.Schema, json_columns: frozenset[str]) -> pa.Table:
    """A table of exactly ``schema`` from arrays or Python lists; ``json_columns`` hold orjson bytes."""
    arrays = []
    for schema_field in schema:
        values = columns[schema_field.name]
        if isinstance(values, list):
            if schema_field.name in json_columns:
                # orjson's output is valid UTF-8: reinterpret the bytes instead of validating them.
                values = pa.array(values, type=pa.binary()).view(schema_field.type)
            else:
                values = pa.array(values, type=schema_field.type)
        arrays.append(values)
    return pa.Table.from_arrays(arrays, schema=schema)

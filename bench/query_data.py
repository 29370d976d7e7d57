"""The data set of ``bench.query``: ≥ 10M Logfire-shaped ``records`` rows in compacted Parquet files.

One ~100k-row base block is built in Python (traces of 20 spans, attributes as orjson text, the
vocabulary of :mod:`bench.workload`); every file is that block with pyarrow kernels applied: shifted
timestamps and ids made distinct by appending the block number. The files are written with the
production writer (:func:`hearth_shared.schema.parquet.parquet_bytes`: sorted, zstd, 100k-row groups,
bloom filters) under the storage layout ``records/project=<uuid>/day=<date>/<id>.parquet``, one file per
~14 minutes of the last 24 h (what compaction produces), so the newest rows are in the last minutes.

``manifest.json`` records the spec and each file's key, time bounds, rows and bytes: it stands in for the
catalog (the bench answers ``files_for_range`` from it) and lets a later run reuse the files.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

from bench.workload import JSON_SCHEMA, RESOURCE, ROUTES, TEMPLATES
from hearth_shared.catalog.files import object_key_for
from hearth_shared.schema import RECORDS_SCHEMA, validate_table
from hearth_shared.schema.parquet import ROW_GROUP_ROWS, parquet_bytes

#: bump when the generated content changes, so cached data sets are rebuilt
GENERATOR_VERSION = 3
BLOCK_ROWS = ROW_GROUP_ROWS  # one row group per file, ~100k rows: what compaction writes
SPANS_PER_TRACE = 20
SPAN_DAYS = 1.0  # the data covers the last 24 h
MICROS = 1_000_000
PROJECT_ID = uuid.UUID("7f3c1a52-5d0e-4b8a-9c61-2f4e8d9b0a13")

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
TABLES = ["orders", "users", "items", "carts", "payments"]
METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class DataFile:
    key: str
    min_us: int  # bounds of start_timestamp, µs since the epoch (inclusive)
    max_us: int
    rows: int
    bytes: int


@dataclass(frozen=True)
class DataSet:
    root: Path
    project_id: uuid.UUID
    anchor_us: int  # "now" of the data set: the newest row is a few seconds before it
    files: tuple[DataFile, ...]
    generated_in: float | None  # seconds, when this run generated it

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def files_for_range(self, min_us: int, max_us: int | None) -> list[DataFile]:
        """What ``FileCatalog.files_for_range`` answers: files overlapping [min, max], bounds inclusive."""
        return [f for f in self.files if f.max_us >= min_us and (max_us is None or f.min_us <= max_us)]


# ------------------------------------------------------------------------------------------ base block
@dataclass
class _Base:
    """Block-invariant columns (Arrow arrays) plus the per-row parts that each block shifts."""

    columns: dict[str, pa.Array]
    start_offset_us: pa.Array  # int64, offset within the block's time slice
    duration_us: pa.Array  # int64, end - start
    trace_hex: pa.Array  # 24 hex chars; the block number's 8 hex chars are appended
    span_hex: pa.Array  # 12 hex chars (+ 4)
    parent_hex: pa.Array  # 12 hex chars (+ 4), null for roots
    sample_trace: str  # a trace id prefix of the base block (for the lookup query)


def _hex(rng: random.Random, chars: int) -> str:
    return f"{rng.getrandbits(chars * 4):0{chars}x}"


def _attributes(template: str, i: int, route: str, method: str, rng: random.Random) -> dict[str, Any]:
    user_id = rng.randrange(1, 100_000)
    attributes: dict[str, Any] = {
        "code.filepath": "app/handlers/users.py",
        "code.function": "handle_request",
        "code.lineno": 100 + i % 50,
        "logfire.msg_template": template,
    }
    if template.startswith("handle"):
        attributes |= {
            "method": method,
            "route": route,
            "user_id": user_id,
            "user": {"id": user_id, "name": f"{rng.choice(NAMES).title()} Example", "signup": "2024-01-02"},
            "http.request.method": method,
            "http.route": route,
            "http.response.status_code": 200,
            "url.full": f"https://shop.example.com{route.replace('{id}', str(user_id))}?page={i % 7}",
        }
    elif template.startswith("db query"):
        table = rng.choice(TABLES)
        attributes |= {
            "table": table,
            "db.system": "postgresql",
            "db.statement": f"SELECT * FROM {table} WHERE id = $1",
            "duration_ms": round(rng.random() * 40, 3),
        }
    elif template.startswith("cache lookup"):
        attributes |= {"key": f"user:{rng.choice(NAMES)}", "cache.hit": rng.random() < 0.8}
    elif template.startswith("user"):
        attributes |= {"user_id": user_id, "user": {"id": user_id, "name": "Alice Example"}}
    else:
        attributes |= {"order_id": rng.randrange(1, 10**6), "amount": round(rng.random() * 300, 2)}
    return attributes


def _message(template: str, attributes: dict[str, Any]) -> str:
    values = {
        "method": attributes.get("method", ""),
        "route": attributes.get("route", ""),
        "table": attributes.get("table", ""),
        "key": attributes.get("key", ""),
        "user_id": attributes.get("user_id", ""),
        "order_id": attributes.get("order_id", ""),
    }
    return template.format(**values)


def _base_block(rows: int, slice_us: int, seed: int) -> _Base:  # noqa: PLR0915  # one column per line
    rng = random.Random(seed)
    cols: dict[str, list[Any]] = {name: [] for name in RECORDS_SCHEMA.names}
    start_offset: list[int] = []
    duration: list[int] = []
    trace_hex: list[str] = []
    span_hex: list[str] = []
    parent_hex: list[str | None] = []
    resource = dict(RESOURCE)
    resource_json = orjson.dumps({**resource, "process.pid": 4242}).decode()
    trace, root, trace_start, route, method, error = "", "", 0, ROUTES[0], "GET", False
    for i in range(rows):
        position = i % SPANS_PER_TRACE
        if position == 0:  # a new trace: one route, one start, sometimes a failing request
            trace, root = _hex(rng, 24), _hex(rng, 12)
            trace_start = rng.randrange(0, max(1, slice_us - 3 * MICROS))
            route, method = rng.choice(ROUTES), rng.choice(METHODS)
            error = rng.random() < 0.03
        # records excludes pending spans: a few (the root's, still "running") make that filter work
        pending = position == SPANS_PER_TRACE - 1 and (i // SPANS_PER_TRACE) % 25 == 0
        template, span_type = TEMPLATES[0 if pending else i % len(TEMPLATES)]
        attributes = _attributes(template, i, route, method, rng)
        is_http = template.startswith("handle")
        span_id = root if position == 0 or pending else _hex(rng, 12)
        kind = "pending_span" if pending else "span" if span_type == "span" else "log"
        start = trace_start + (0 if position == 0 else rng.randrange(0, 2 * MICROS))
        span_us = 0 if kind != "span" else (2 * MICROS if position == 0 else rng.randrange(100, 90_000))
        status = 500 if error and is_http else 200
        failed = kind == "log" and template.startswith("payment")
        if is_http:
            attributes["http.response.status_code"] = status
        level = 9
        if failed:
            level = 17
        elif kind == "log":
            level = 13 if i % 3 == 0 else 9
        elif status == 500:
            level = 17
        elif template.startswith("cache"):
            level = 5 if i % 2 else 9
        start_offset.append(start)
        duration.append(span_us)
        trace_hex.append(trace)
        span_hex.append(span_id)
        parent_hex.append(None if position == 0 or pending else root)
        cols["duration"].append(None if kind == "log" else span_us / MICROS)
        cols["project_id"].append(str(PROJECT_ID))
        cols["kind"].append(kind)
        cols["level"].append(level)
        cols["span_name"].append(template)
        cols["message"].append(_message(template, attributes))
        cols["attributes"].append(orjson.dumps(attributes).decode())
        cols["attributes_json_schema"].append(JSON_SCHEMA if is_http else None)
        cols["tags"].append(["api", "v2"] if i % 4 == 0 else (["checkout"] if failed else None))
        cols["is_exception"].append(failed or None)
        cols["exception_type"].append("PaymentDeclined" if failed else None)
        cols["exception_message"].append(f"card declined ({attributes.get('order_id')})" if failed else None)
        cols["exception_stacktrace"].append(
            'Traceback (most recent call last):\n  File "app/payments.py", line 88, in charge\n'
            "PaymentDeclined: card declined"
            if failed
            else None
        )
        cols["otel_status_code"].append("ERROR" if level >= 17 else "UNSET")
        cols["otel_status_message"].append("PaymentDeclined: card declined" if failed else None)
        cols["otel_events"].append(
            orjson.dumps(
                [{"name": "exception", "attributes": {"exception.type": "PaymentDeclined"}}]
            ).decode()
            if failed
            else None
        )
        cols["otel_links"].append(None)
        cols["otel_scope_name"].append("logfire")
        cols["otel_scope_version"].append("5.4.0")
        cols["otel_scope_attributes"].append(None)
        cols["otel_resource_attributes"].append(resource_json)
        cols["service_name"].append(resource["service.name"])
        cols["service_version"].append(resource["service.version"])
        cols["service_namespace"].append(None)
        cols["service_instance_id"].append(resource["service.instance.id"])
        cols["process_pid"].append(4242)
        cols["deployment_environment"].append(resource["deployment.environment.name"])
        cols["telemetry_sdk_name"].append(resource["telemetry.sdk.name"])
        cols["telemetry_sdk_language"].append(resource["telemetry.sdk.language"])
        cols["telemetry_sdk_version"].append(resource["telemetry.sdk.version"])
        # promoted at ingest (data-model.md): copies of the http.* / url.* attributes
        url = attributes.get("url.full")
        cols["http_response_status_code"].append(status if is_http else None)
        cols["http_method"].append(method if is_http else None)
        cols["http_route"].append(route if is_http else None)
        cols["url_full"].append(url)
        cols["url_path"].append(url.split("://", 1)[1].split("/", 1)[1].split("?")[0] if url else None)
        cols["url_query"].append(url.split("?", 1)[1] if url else None)
        cols["log_body"].append(None)
    shifted = {
        "start_timestamp",
        "end_timestamp",
        "created_at",
        "day",
        "trace_id",
        "span_id",
        "parent_span_id",
    }
    columns = {
        field.name: pa.array(cols[field.name], field.type)
        for field in RECORDS_SCHEMA
        if field.name not in shifted
    }
    return _Base(
        columns=columns,
        start_offset_us=pa.array(start_offset, pa.int64()),
        duration_us=pa.array(duration, pa.int64()),
        trace_hex=pa.array(trace_hex, pa.string()),
        span_hex=pa.array(span_hex, pa.string()),
        parent_hex=pa.array(parent_hex, pa.string()),
        sample_trace=trace_hex[SPANS_PER_TRACE * 7],
    )


def _block(base: _Base, number: int, slice_start_us: int) -> pa.Table:
    """Block ``number``: the base rows moved to their time slice, with ids unique to the block."""
    start_us = pc.add(base.start_offset_us, slice_start_us)
    end_us = pc.add(start_us, base.duration_us)
    start = start_us.cast(_TS)
    # Ids end with the block number: ids stay 32/16 hex, and min/max statistics of a file still span the
    # whole id space (a prefix would let statistics alone prune trace lookups, flattering both engines).
    arrays: dict[str, pa.Array] = {
        "start_timestamp": start,
        "end_timestamp": end_us.cast(_TS),
        "created_at": pc.add(end_us, 1_500_000).cast(_TS),  # ~1.5 s ingest latency
        "day": pc.cast(start, pa.date32()),
        "trace_id": pc.binary_join_element_wise(base.trace_hex, f"{number:08x}", ""),
        "span_id": pc.binary_join_element_wise(base.span_hex, f"{number:04x}", ""),
        "parent_span_id": pc.binary_join_element_wise(base.parent_hex, f"{number:04x}", ""),
        **base.columns,
    }
    return pa.Table.from_arrays([arrays[name] for name in RECORDS_SCHEMA.names], schema=RECORDS_SCHEMA)


def trace_id_of(base_trace: str, block: int) -> str:
    return f"{base_trace}{block:08x}"


# ------------------------------------------------------------------------------------------ files
def _spec(spans: int) -> dict[str, Any]:
    return {"version": GENERATOR_VERSION, "spans": spans, "block_rows": BLOCK_ROWS, "days": SPAN_DAYS}


def _write_block(root: Path, base: _Base, number: int, slice_start_us: int, validate: bool) -> list[DataFile]:
    table = _block(base, number, slice_start_us)
    if validate:
        validate_table("records", table)
    written = []
    # A slice crossing midnight becomes two files: every object lives in one day= partition.
    for day in pc.unique(table.column("day")).to_pylist():
        part = table.filter(pc.equal(table.column("day"), pa.scalar(day, pa.date32())))
        assert isinstance(day, date)
        key = object_key_for("records", PROJECT_ID, day, f"bench-{number:04d}-{day:%Y%m%d}")
        data = parquet_bytes("records", part)
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        bounds = pc.min_max(part.column("start_timestamp").cast(pa.int64()))
        written.append(DataFile(key, bounds["min"].as_py(), bounds["max"].as_py(), part.num_rows, len(data)))
    return written


def _load(root: Path, spans: int) -> DataSet | None:
    manifest = root / "manifest.json"
    if not manifest.exists():
        return None
    doc = json.loads(manifest.read_text())
    if doc.get("spec") != _spec(spans):
        return None
    files = tuple(DataFile(**f) for f in doc["files"])
    if not all((root / f.key).is_file() and (root / f.key).stat().st_size == f.bytes for f in files):
        return None
    return DataSet(root, uuid.UUID(doc["project_id"]), doc["anchor_us"], files, None)


def sample_trace_id(data: DataSet) -> str:
    """A trace from the middle of the data set (its block number is in the manifest's spec)."""
    doc = json.loads((data.root / "manifest.json").read_text())
    trace: str = doc["sample_trace_id"]
    return trace


def ensure_data(root: Path, spans: int) -> DataSet:
    """The cached data set in ``root`` when it holds this spec, else a freshly generated one."""
    root = root.resolve()
    cached = _load(root, spans)
    if cached is not None:
        return cached
    started = time.perf_counter()
    for stale in root.glob("records/**/*.parquet"):
        stale.unlink()
    blocks = -(-spans // BLOCK_ROWS)
    day_us = int(SPAN_DAYS * 86_400 * MICROS)
    slice_us = day_us // blocks
    anchor = datetime.now(UTC).replace(microsecond=0)
    anchor_us = int(anchor.timestamp()) * MICROS
    first_slice = anchor_us - 5 * MICROS - blocks * slice_us  # the newest rows end ~5 s before "now"
    base = _base_block(BLOCK_ROWS, slice_us, seed=4)
    print(f"  base block of {BLOCK_ROWS:,} rows built in {time.perf_counter() - started:.1f} s")
    files: list[DataFile] = []
    # pyarrow sorts, compresses and writes without the GIL: two threads use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(_write_block, root, base, n, first_slice + n * slice_us, n in (0, blocks - 1))
            for n in range(blocks)
        ]
        for job in jobs:
            files.extend(job.result())
    middle = blocks // 2
    doc = {
        "spec": _spec(spans),
        "project_id": str(PROJECT_ID),
        "anchor_us": anchor_us,
        "anchor": anchor.isoformat(),
        "sample_trace_id": trace_id_of(base.sample_trace, middle),
        "files": [asdict(f) for f in files],
    }
    (root / "manifest.json").write_text(json.dumps(doc, indent=1))
    elapsed = time.perf_counter() - started
    return DataSet(root, PROJECT_ID, anchor_us, tuple(files), elapsed)


def as_datetime(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def compacted(data: DataSet, root: Path, rows_per_file: int) -> DataSet:
    """``data`` as the compaction worker leaves it: consecutive files of each day merged by the worker's
    own merge (:func:`hearth_compaction.merge.merge_parquet`) into files of about ``rows_per_file`` rows
    (100k-row row groups, sorted, bloom filters). Cached in ``root`` like the data set itself."""
    from hearth_compaction.merge import merge_parquet  # noqa: PLC0415 - only this layout needs it

    root = root.resolve()
    source = json.loads((data.root / "manifest.json").read_text())
    spec = {"source": source["spec"], "anchor_us": data.anchor_us, "rows_per_file": rows_per_file}
    manifest = root / "manifest.json"
    if manifest.exists():
        doc = json.loads(manifest.read_text())
        files = tuple(DataFile(**f) for f in doc["files"])
        if doc.get("compacted") == spec and all((root / f.key).is_file() for f in files):
            return DataSet(root, data.project_id, data.anchor_us, files, None)
    started = time.perf_counter()
    for stale in root.glob("records/**/*.parquet"):
        stale.unlink()
    by_day: dict[str, list[DataFile]] = {}
    for f in sorted(data.files, key=lambda f: f.min_us):
        by_day.setdefault(f.key.rsplit("/", 1)[0], []).append(f)
    written: list[DataFile] = []
    for folder, day_files in by_day.items():
        group: list[DataFile] = []
        groups: list[list[DataFile]] = []
        for f in day_files:
            group.append(f)
            if sum(g.rows for g in group) >= rows_per_file:
                groups.append(group)
                group = []
        if group:
            groups.append(group)
        for number, members in enumerate(groups):
            out_dir = root / folder / f"merge-{number:04d}"
            out_dir.mkdir(parents=True, exist_ok=True)
            result = merge_parquet(
                "records",
                [data.root / f.key for f in members],
                out_dir,
                expected_rows=[f.rows for f in members],
                output_files=1,
                buffer_rows=400_000,
            )
            for merged in result.files:
                key = f"{folder}/compacted-{number:04d}.parquet"
                merged.path.rename(root / key)
                written.append(
                    DataFile(
                        key,
                        min(f.min_us for f in members),
                        max(f.max_us for f in members),
                        merged.rows,
                        merged.bytes,
                    )
                )
            out_dir.rmdir()
    doc = {**source, "compacted": spec, "files": [asdict(f) for f in written]}
    manifest.write_text(json.dumps(doc, indent=1))
    return DataSet(root, data.project_id, data.anchor_us, tuple(written), time.perf_counter() - started)

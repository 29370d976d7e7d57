"""DataFusion itself reading Hearth Parquet files through a running cache server, with the two object
stores it can point at the cache: ``object_store.Http`` (the cache as a plain HTTP object store) and
``object_store.AmazonS3`` (the cache as a path-style S3 endpoint whose bucket is ``objects``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datafusion import SessionContext
from datafusion.object_store import AmazonS3, Http

from hearth_cache.app import create_app
from hearth_shared.schema import RECORDS_SCHEMA
from hearth_shared.schema.parquet import parquet_bytes
from tests.cache.conftest import CountingStorage, Server, Source, bound_socket, holds, serve
from tests.cache.tls import make_tls_files

KEY = "records/project=p1/day=2026-11-23/0001.parquet"
ROWS = 20_000  # ~470 KB: several cache chunks
QUERY = (
    "SELECT trace_id, span_id, message, level FROM records "
    "WHERE message LIKE 'm1%' ORDER BY trace_id, span_id"
)


def records_table(n: int) -> pa.Table:
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    rows = []
    for i in range(n):
        ts = start + timedelta(milliseconds=i)
        rows.append({
            "start_timestamp": ts, "end_timestamp": ts, "created_at": ts, "day": date(2026, 11, 23),
            "project_id": "p1", "trace_id": f"{i * 7919 % n:032x}", "span_id": f"{i:016x}", "kind": "span",
            "level": 9 + i % 8, "span_name": "s", "message": f"m{i}", "service_name": "svc",
        })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=RECORDS_SCHEMA)


def expected(data: bytes) -> list[dict[str, Any]]:
    """What the query returns, computed from the same bytes without DataFusion or the cache."""
    ctx = SessionContext()
    ctx.register_record_batches("records", [pq.read_table(io.BytesIO(data)).to_batches()])
    rows: list[dict[str, Any]] = ctx.sql(QUERY).to_pylist()
    return rows


@pytest.fixture
async def parquet_object(source: Source) -> bytes:
    data = parquet_bytes("records", records_table(ROWS))
    await source.open().put(KEY, data)
    return data


@pytest.fixture
def tls_cache(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Server, CountingStorage, Path]]:
    tls = make_tls_files(tmp_path / "tls")
    # Read by the Rust HTTP client when a store is built: only stores built in this test trust the CA.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca_file))
    storage = source.open()
    cache_dir = tmp_path / "cache"
    app = create_app(source.cache_settings(cache_dir), storage=storage)
    options = {"ssl_certfile": str(tls.cert_file), "ssl_keyfile": str(tls.key_file)}
    with serve(app, bound_socket(), **options) as server:
        yield server, storage, cache_dir


@pytest.fixture
def plain_cache(source: Source, tmp_path: Path) -> Iterator[tuple[Server, CountingStorage, Path]]:
    storage = source.open()
    cache_dir = tmp_path / "cache"
    with serve(create_app(source.cache_settings(cache_dir), storage=storage), bound_socket()) as server:
        yield server, storage, cache_dir


def run_twice(ctx: SessionContext, storage: CountingStorage) -> tuple[list[dict[str, Any]], int]:
    """The query's rows, after checking a second run reads nothing more from object storage."""
    rows: list[dict[str, Any]] = ctx.sql(QUERY).to_pylist()
    reads = storage.count("get_range") + storage.count("head")
    assert ctx.sql(QUERY).to_pylist() == rows
    assert storage.count("get_range") + storage.count("head") == reads
    return rows, reads


async def test_http_object_store_reads_through_the_cache(
    parquet_object: bytes, tls_cache: tuple[Server, CountingStorage, Path]
) -> None:
    server, storage, cache_dir = tls_cache
    host = server.url.removeprefix("https://")
    ctx = SessionContext()
    ctx.register_object_store("https://", Http(server.url), host)
    ctx.register_parquet("records", f"{server.url}/objects/{KEY}")
    rows, reads = run_twice(ctx, storage)
    assert rows == expected(parquet_object)
    assert len(rows) == 11_111  # m1, m10-m19, m100-m199, m1000-m1999, m10000-m19999
    assert reads > 0
    assert holds(cache_dir, KEY)
    snapshot = server.app.state.object_cache.snapshot()
    assert snapshot["hits"] > 0


async def test_s3_object_store_reads_through_the_cache(
    parquet_object: bytes, plain_cache: tuple[Server, CountingStorage, Path]
) -> None:
    server, storage, cache_dir = plain_cache
    store = AmazonS3(
        bucket_name="objects",
        region="us-east-1",
        access_key_id="unused",
        secret_access_key="unused",
        endpoint=server.url,
        allow_http=True,
    )
    ctx = SessionContext()
    ctx.register_object_store("s3://", store, "objects")
    ctx.register_parquet("records", f"s3://objects/{KEY}")
    rows, reads = run_twice(ctx, storage)
    assert rows == expected(parquet_object)
    assert reads > 0
    assert holds(cache_dir, KEY)

"""Object storage goes away under a real ingest server: ingest keeps acknowledging into its WAL up to
the disk budget, then answers 503 with Retry-After; once storage is back everything drains, and every
acknowledged span is stored exactly once (counted by unique span ids in the objects and the catalog).

The outage is real: the S3 server sits behind a TCP proxy that refuses connections and resets open ones.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import time
from collections import Counter
from pathlib import Path

import httpx
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]
from google.rpc import status_pb2  # type: ignore[import-untyped, unused-ignore]

from hearth_ingest.app import create_app
from hearth_shared.db import DatabasePool
from tests.fixtures.apps import serving
from tests.fixtures.s3 import S3Bucket
from tests.fixtures.tcp_proxy import tcp_proxy
from tests.ingest.otlp_helpers import trace_request
from tests.ingest.test_api_otlp import PROTOBUF, Project, ingest_settings, project  # noqa: F401

SPANS_PER_REQUEST = 40
BUDGET = 60_000  # bytes of WAL: a few dozen requests


def _request() -> tuple[bytes, list[str]]:
    now = time.time_ns()
    trace_id = secrets.token_bytes(16)
    ids = [secrets.token_bytes(8) for _ in range(SPANS_PER_REQUEST)]
    body = trace_request(
        *(
            {"trace_id": trace_id, "span_id": span_id, "start_time_unix_nano": now - 1_000_000,
             "end_time_unix_nano": now, "name": "outage " + "x" * 40}
            for span_id in ids
        )
    ).SerializeToString()  # fmt: skip
    return body, [span_id.hex() for span_id in ids]


def _stored_span_ids(bucket: S3Bucket) -> Counter[str]:
    client = bucket.client()
    counts: Counter[str] = Counter()
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket.bucket, Prefix="records/")
    for page in pages:
        for item in page.get("Contents", []):
            data = client.get_object(Bucket=bucket.bucket, Key=item["Key"])["Body"].read()
            counts.update(pq.read_table(io.BytesIO(data), columns=["span_id"]).column("span_id").to_pylist())
    return counts


async def test_storage_outage_fills_the_wal_then_503_then_drains_without_loss(
    tmp_path: Path,
    database_url: str,
    db_pool: DatabasePool,
    redis_url: str,
    s3_bucket: S3Bucket,
    project: Project,  # noqa: F811
) -> None:
    with tcp_proxy(s3_bucket.endpoint_url) as proxy:
        options = s3_bucket.storage_options | {
            "endpoint": proxy.url,
            "max_retries": "1",
            "retry_timeout": "1s",
        }
        settings = ingest_settings(
            tmp_path,
            database_url,
            redis_url,
            s3_bucket,
            storage_options=options,
            processor_workers=1,
            wal_budget_bytes=BUDGET,
            wal_segment_max_bytes=8192,
        )
        acknowledged: list[str] = []
        async with (
            serving(create_app(settings)) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as client,
        ):
            headers = {"authorization": project.write_token, "content-type": PROTOBUF}

            async def send() -> httpx.Response:
                body, ids = _request()
                response = await client.post("/v1/traces", content=body, headers=headers)
                if response.status_code == 200:
                    acknowledged.extend(ids)
                return response

            assert (await send()).status_code == 200  # storage up: a normal start
            proxy.cut()
            statuses: list[int] = []
            refused: httpx.Response | None = None
            for _ in range(200):  # far more than the budget holds
                response = await send()
                statuses.append(response.status_code)
                if response.status_code == 503:
                    refused = response
                    break
            assert refused is not None, f"never refused: {Counter(statuses)}"
            assert set(statuses[:-1]) == {200}, Counter(statuses)  # acknowledged until the budget ran out
            assert len(statuses) > 3  # the WAL did carry the outage for a while
            assert int(refused.headers["retry-after"]) >= 1
            status = status_pb2.Status.FromString(refused.content)  # OTLP errors in the request's encoding
            assert "full" in status.message

            proxy.restore()
            # Recovery: the backlog drains and the WAL takes requests again.
            deadline = time.monotonic() + 120
            while (await send()).status_code != 200:
                assert time.monotonic() < deadline, "ingest did not recover after storage came back"
                await asyncio.sleep(0.5)
            expected = Counter(acknowledged)
            while True:
                stored = await asyncio.to_thread(_stored_span_ids, s3_bucket)
                catalogued = await db_pool.fetchval(
                    "SELECT coalesce(sum(row_count), 0) FROM catalog_files WHERE table_name = 'records'"
                )
                if stored.keys() >= expected.keys() and catalogued >= len(acknowledged):
                    break
                assert time.monotonic() < deadline, f"{len(expected - stored)} acknowledged spans not stored"
                await asyncio.sleep(0.5)
        assert stored == expected  # every acknowledged span exactly once, nothing else
        assert catalogued == len(acknowledged)

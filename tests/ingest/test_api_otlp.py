"""The OTLP/HTTP routes in-process on real Postgres, Redis and S3: what is acknowledged is in the WAL,
in protobuf, and every bad request gets a clear answer in the client's format without harming others.

The apps here run with ``processor_workers=0`` so the WAL segments stay for the tests to read back.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import os
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]  # no stubs
from google.protobuf.message import Message  # type: ignore[import-untyped, unused-ignore]
from google.rpc import status_pb2  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs, SeverityNumber
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    Gauge,
    Metric,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Summary,
    SummaryDataPoint,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from hearth_ingest.api.otlp import OtlpIngest
from hearth_ingest.app import create_app
from hearth_ingest.otlp import logs_to_records, metrics_to_rows, spans_to_records
from hearth_ingest.otlp_checks import received_at
from hearth_ingest.settings import IngestSettings
from hearth_ingest.wal.format import HEADER_SIZE, BodyCoding, Signal, WalRecord, decode_all
from hearth_ingest.wal.segments import open_segments, sealed_segments
from hearth_shared.db import DatabasePool
from hearth_shared.db.bootstrap import ensure_first_project
from hearth_shared.token_cache import TokenCache
from hearth_shared.tokens import TokenStore, generate_token, hash_token
from tests.fixtures.apps import AppClient
from tests.fixtures.s3 import S3Bucket

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
HOUR_NS = 3600 * 10**9
RESPONSES: dict[str, type[Message]] = {
    "traces": ExportTraceServiceResponse,
    "logs": ExportLogsServiceResponse,
    "metrics": ExportMetricsServiceResponse,
}
REQUESTS: dict[str, type[Message]] = {
    "traces": ExportTraceServiceRequest,
    "logs": ExportLogsServiceRequest,
    "metrics": ExportMetricsServiceRequest,
}
WAL_SIGNALS = {"traces": Signal.TRACES, "logs": Signal.LOGS, "metrics": Signal.METRICS}


# ---------------------------------------------------------------- OTLP payloads


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _resource(service: str = "api-test") -> Resource:
    return Resource(attributes=[_kv("service.name", service)])


def traces_request(
    count: int = 3, *, seed: int = 0, start_ns: int | None = None, name: str = "GET /orders/{id}"
) -> ExportTraceServiceRequest:
    """``count`` spans with ids unique per ``seed``; starting now unless ``start_ns`` is given."""
    start = time.time_ns() if start_ns is None else start_ns
    spans = [
        Span(
            trace_id=(seed * 1_000_003 + i + 1).to_bytes(16, "big"),
            span_id=(seed * 1_000_003 + i + 1).to_bytes(8, "big"),
            name=name,
            kind=Span.SPAN_KIND_SERVER,
            start_time_unix_nano=start + i,
            end_time_unix_nano=start + i + 5_000_000,
            attributes=[_kv("http.route", "/orders/{id}")],
        )
        for i in range(count)
    ]
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=_resource(),
                scope_spans=[ScopeSpans(scope=InstrumentationScope(name="tests"), spans=spans)],
            )
        ]
    )


def logs_request(count: int = 2, *, time_ns: int | None = None) -> ExportLogsServiceRequest:
    at = time.time_ns() if time_ns is None else time_ns
    records = [
        LogRecord(
            time_unix_nano=at + i,
            severity_number=SeverityNumber.SEVERITY_NUMBER_INFO,
            severity_text="INFO",
            body=AnyValue(string_value=f"log line {i}"),
        )
        for i in range(count)
    ]
    return ExportLogsServiceRequest(
        resource_logs=[ResourceLogs(resource=_resource(), scope_logs=[ScopeLogs(log_records=records)])]
    )


def metrics_request(
    *, gauge_points: int = 2, summary_points: int = 0, time_ns: int | None = None
) -> ExportMetricsServiceRequest:
    at = time.time_ns() if time_ns is None else time_ns
    metrics = [
        Metric(
            name="queue.depth",
            unit="1",
            gauge=Gauge(
                data_points=[NumberDataPoint(time_unix_nano=at + i, as_int=i) for i in range(gauge_points)]
            ),
        )
    ]
    if summary_points:
        metrics.append(
            Metric(
                name="latency.summary",
                summary=Summary(
                    data_points=[
                        SummaryDataPoint(time_unix_nano=at + i, count=1, sum=1.0)
                        for i in range(summary_points)
                    ]
                ),
            )
        )
    return ExportMetricsServiceRequest(
        resource_metrics=[
            ResourceMetrics(resource=_resource(), scope_metrics=[ScopeMetrics(metrics=metrics)])
        ]
    )


def request_for(signal: str, **options: Any) -> Message:
    if signal == "traces":
        return traces_request(**options)
    if signal == "logs":
        return logs_request(**options)
    return metrics_request(**options)


def otlp_json(message: Message) -> bytes:
    """OTLP/JSON of a message: protobuf's JSON mapping with hex trace/span ids (the OTLP difference)."""

    def hexify(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: base64.b64decode(item).hex()
                if key in {"traceId", "spanId", "parentSpanId"} and isinstance(item, str)
                else hexify(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [hexify(item) for item in value]
        return value

    return orjson.dumps(hexify(json_format.MessageToDict(message)))


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


# ---------------------------------------------------------------- the app under test


@dataclass
class Project:
    project_id: uuid.UUID
    write_token: str
    read_token: str


@pytest.fixture
async def project(db_pool: DatabasePool) -> Project:
    first = await ensure_first_project(
        db_pool, org_slug="acme", project_slug="web", admin_email="a@example.com", admin_password_hash=None
    )
    assert first is not None
    return Project(first.project_id, first.write_token, first.read_token)


def read_wal(directory: Path) -> list[WalRecord]:
    """Every intact record of every segment, sealed or still open (acknowledged means fsynced)."""
    records: list[WalRecord] = []
    for segment in sorted(sealed_segments(directory) + open_segments(directory)):
        result = decode_all(segment.path.read_bytes())
        assert not result.torn_tail
        records += result.records
    return records


@dataclass
class Ingest:
    app: FastAPI
    client: httpx.AsyncClient
    settings: IngestSettings
    project: Project

    @property
    def wal_dir(self) -> Path:
        return Path(self.settings.wal_dir)

    @property
    def state(self) -> OtlpIngest:
        state: OtlpIngest = self.app.state.otlp
        return state

    def wal(self) -> list[WalRecord]:
        return read_wal(self.wal_dir)

    async def post(
        self,
        signal: str,
        body: bytes | Message,
        *,
        content_type: str | None = PROTOBUF,
        encoding: str | None = None,
        token: str | None = "",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST ``body``: bytes as they are; a message serialized in the content type's format and
        compressed with ``encoding``."""
        if isinstance(body, Message):
            body = otlp_json(body) if content_type and "json" in content_type else body.SerializeToString()
            if encoding in ("gzip", "x-gzip"):
                body = gzip.compress(body)
            elif encoding == "deflate":
                body = zlib.compress(body)
        sent: dict[str, str] = {}
        if token is not None:
            sent["Authorization"] = token or self.project.write_token
        if content_type is not None:
            sent["Content-Type"] = content_type
        if encoding is not None:
            sent["Content-Encoding"] = encoding
        sent.update(headers or {})
        return await self.client.post(f"/v1/{signal}", content=body, headers=sent)


StartIngest = Callable[..., AbstractAsyncContextManager[Ingest]]


def ingest_settings(
    tmp_path: Path, database_url: str, redis_url: str, bucket: S3Bucket, **extra: Any
) -> IngestSettings:
    options: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "storage_url": bucket.storage_url,
        "storage_options": bucket.storage_options,
        "wal_dir": str(tmp_path / "wal"),
        "node_id": "test-node",
        "processor_workers": 0,  # keep the segments: these tests read them back
    }
    options.update(extra)
    return IngestSettings(**options)


@pytest.fixture
def start_ingest(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    s3_bucket: S3Bucket,
    project: Project,
    app_client: AppClient,
) -> StartIngest:
    @asynccontextmanager
    async def start(**extra: Any) -> AsyncIterator[Ingest]:
        settings = ingest_settings(tmp_path, database_url, redis_url, s3_bucket, **extra)
        app = create_app(settings)
        async with app_client(app) as client:
            yield Ingest(app, client, settings, project)

    return start


@pytest.fixture
async def ingest(start_ingest: StartIngest) -> AsyncIterator[Ingest]:
    async with start_ingest() as running:
        yield running


async def assert_still_serving(ingest: Ingest) -> None:
    """A good request succeeds and lands in the WAL (the bad one before it harmed nothing)."""
    before = len(ingest.wal())
    request = traces_request(1, seed=int.from_bytes(os.urandom(3), "big"))
    response = await ingest.post("traces", request, encoding="gzip")
    assert response.status_code == 200, response.text
    records = ingest.wal()
    assert len(records) == before + 1
    assert records[-1].protobuf() == request.SerializeToString()


async def until(condition: Callable[[], bool]) -> None:
    """Wait for another task's doing (bounded by the test timeout, not by a guess)."""
    while True:
        if condition():
            return
        await asyncio.sleep(0.01)


def rpc_status(response: httpx.Response) -> Any:
    assert response.headers["content-type"] == PROTOBUF
    return status_pb2.Status.FromString(response.content)


# ---------------------------------------------------------------- acknowledged = in the WAL


async def test_protobuf_traces_are_in_the_wal_when_acknowledged(ingest: Ingest) -> None:
    request = traces_request(5)
    before = time.time_ns()
    response = await ingest.post("traces", request, encoding="gzip")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PROTOBUF
    parsed = ExportTraceServiceResponse.FromString(response.content)
    assert not parsed.HasField("partial_success")

    (record,) = ingest.wal()
    assert record.project_id == str(ingest.project.project_id)
    assert record.signal is Signal.TRACES
    assert before <= record.received_at_ns <= time.time_ns()
    assert record.protobuf() == request.SerializeToString()


@pytest.mark.parametrize("signal", ["traces", "logs", "metrics"])
@pytest.mark.parametrize(
    "content_type", [PROTOBUF, "application/protobuf", JSON, "application/json; charset=utf-8"]
)
async def test_every_signal_in_both_formats(ingest: Ingest, signal: str, content_type: str) -> None:
    request = request_for(signal)
    response = await ingest.post(signal, request, content_type=content_type, encoding="gzip")
    assert response.status_code == 200, response.text
    if "json" in content_type:
        assert response.headers["content-type"] == JSON
        assert response.json() == {}
        json_format.Parse(response.content, RESPONSES[signal]())  # parses as the response type
    else:
        assert response.headers["content-type"] == PROTOBUF
        assert RESPONSES[signal].FromString(response.content) == RESPONSES[signal]()

    (record,) = ingest.wal()
    assert record.signal is WAL_SIGNALS[signal]
    # The WAL holds protobuf only, whatever the request's format.
    assert REQUESTS[signal].FromString(record.protobuf()) == request


async def test_hand_written_otlp_json_with_hex_ids_and_string_nanos(ingest: Ingest) -> None:
    now = time.time_ns()
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "json-svc"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "manual"},
                        "spans": [
                            {
                                "traceId": "5B8EFFF798038103D269B633813FC60C",
                                "spanId": "eee19b7ec3c1b174",
                                "parentSpanId": "",
                                "name": "checkout",
                                "kind": 2,
                                "startTimeUnixNano": str(now),
                                "endTimeUnixNano": str(now + 1_000_000),
                                "attributes": [{"key": "cart.items", "value": {"intValue": "3"}}],
                                "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
                                "someFutureField": {"ignored": True},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    response = await ingest.post("traces", orjson.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {}

    (record,) = ingest.wal()
    stored = ExportTraceServiceRequest.FromString(record.protobuf())
    span = stored.resource_spans[0].scope_spans[0].spans[0]
    assert span.trace_id == bytes.fromhex("5b8efff798038103d269b633813fc60c")
    assert span.span_id == bytes.fromhex("eee19b7ec3c1b174")
    assert span.parent_span_id == b""
    assert (span.name, span.kind, span.start_time_unix_nano) == ("checkout", Span.SPAN_KIND_SERVER, now)
    assert span.attributes[0].value.int_value == 3
    assert span.status.code == 2


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate", "raw-deflate", "identity", None, "GZIP"])
async def test_content_encodings(ingest: Ingest, encoding: str | None) -> None:
    request = traces_request(4)
    data = request.SerializeToString()
    body = {
        "gzip": gzip.compress(data),
        "x-gzip": gzip.compress(data),
        "GZIP": gzip.compress(data),
        "deflate": zlib.compress(data),
        "raw-deflate": raw_deflate(data),  # not what RFC 9110 says "deflate" is, but clients send it
    }.get(encoding or "", data)
    header = "deflate" if encoding == "raw-deflate" else encoding
    response = await ingest.post("traces", body, encoding=header)
    assert response.status_code == 200, response.text
    # Stored as it came (compressed bodies stay compressed: fewer bytes to write and fsync).
    coding = {"gzip": BodyCoding.GZIP, "deflate": BodyCoding.DEFLATE}.get(
        (header or "identity").lower().removeprefix("x-"), BodyCoding.IDENTITY
    )
    assert [(r.coding, r.body, r.protobuf()) for r in ingest.wal()] == [(coding, body, data)]


async def test_concatenated_gzip_members_are_one_body(ingest: Ingest) -> None:
    data = traces_request(6).SerializeToString()
    body = gzip.compress(data[:100]) + gzip.compress(data[100:]) + b"\x00" * 8
    response = await ingest.post("traces", body, encoding="gzip")
    assert response.status_code == 200, response.text
    assert [r.protobuf() for r in ingest.wal()] == [data]  # the converters see both members too


async def test_requests_without_records_are_accepted_without_touching_the_wal(ingest: Ingest) -> None:
    for signal in ("traces", "logs", "metrics"):
        empty = REQUESTS[signal]()
        for content_type in (PROTOBUF, JSON):
            response = await ingest.post(signal, empty, content_type=content_type, encoding="gzip")
            assert response.status_code == 200, response.text
    # A resource with no spans is nothing either; so is an empty body.
    hollow = ExportTraceServiceRequest(resource_spans=[ResourceSpans(resource=_resource())])
    assert (await ingest.post("traces", hollow)).status_code == 200
    assert (await ingest.post("traces", b"")).status_code == 200
    assert ingest.wal() == []


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize("form", ["raw", "Bearer", "bearer", "BEARER  "])
async def test_raw_and_bearer_tokens(ingest: Ingest, form: str) -> None:
    token = ingest.project.write_token if form == "raw" else f"{form} {ingest.project.write_token}"
    response = await ingest.post("traces", traces_request(1), token=token)
    assert response.status_code == 200, response.text
    assert len(ingest.wal()) == 1


@pytest.mark.parametrize("content_type", [PROTOBUF, JSON])
async def test_missing_and_invalid_tokens_are_401(ingest: Ingest, content_type: str) -> None:
    request = traces_request(1)
    cases = {
        None: "missing Authorization header",
        "Bearer ": "missing Authorization header",
        "not a token": "invalid write token",
        generate_token(): "invalid write token",  # well-formed, unknown
    }
    for token, reason in cases.items():
        response = await ingest.post("traces", request, content_type=content_type, token=token)
        assert response.status_code == 401
        message = rpc_status(response).message if content_type == PROTOBUF else response.json()["detail"]
        assert reason in message
        if content_type == PROTOBUF:
            assert rpc_status(response).code == 16  # UNAUTHENTICATED
        else:
            assert response.headers["content-type"] == "application/problem+json"
    assert ingest.wal() == []
    await assert_still_serving(ingest)


async def test_read_token_cannot_write(ingest: Ingest) -> None:
    """Decision: 403, not 401; the token is valid, it just grants reading only."""
    response = await ingest.post("traces", traces_request(1), token=ingest.project.read_token)
    assert response.status_code == 403
    status = rpc_status(response)
    assert status.code == 7  # PERMISSION_DENIED
    assert "read token" in status.message
    response = await ingest.post("logs", logs_request(), content_type=JSON, token=ingest.project.read_token)
    assert response.status_code == 403
    assert "write token" in response.json()["detail"]
    assert ingest.wal() == []


async def test_revoked_token_is_refused_at_once_after_invalidation(
    ingest: Ingest, db_pool: DatabasePool
) -> None:
    assert (await ingest.post("traces", traces_request(1))).status_code == 200  # now cached
    store = TokenStore(db_pool)
    (write,) = await store.for_project(ingest.project.project_id, "write")
    assert await store.revoke(write.id)
    await ingest.state.tokens.invalidate(hash_token(ingest.project.write_token).hex())

    response = await ingest.post("traces", traces_request(1, seed=9))
    assert response.status_code == 401
    assert "invalid write token" in rpc_status(response).message
    assert len(ingest.wal()) == 1


async def test_revocation_in_another_process_reaches_ingest_by_pub_sub(
    ingest: Ingest, db_pool: DatabasePool, redis_client: aioredis.Redis
) -> None:
    await asyncio.wait_for(ingest.state.tokens.subscribed.wait(), 10)
    assert (await ingest.post("traces", traces_request(1))).status_code == 200  # cached locally
    store = TokenStore(db_pool)
    (write,) = await store.for_project(ingest.project.project_id, "write")
    assert await store.revoke(write.id)
    backend = TokenCache(db_pool, redis_client)  # e.g. the backend process that revoked it
    await backend.invalidate(hash_token(ingest.project.write_token).hex())

    await until(lambda: ingest.state.tokens.stats.invalidations_received > 0)
    assert (await ingest.post("traces", traces_request(1, seed=2))).status_code == 401


# ---------------------------------------------------------------- content type, encoding, size


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/grpc", "application/jsonx", "multipart/x"]
)
async def test_unsupported_content_type_is_415_listing_the_accepted(
    ingest: Ingest, content_type: str | None
) -> None:
    response = await ingest.post("traces", traces_request(1).SerializeToString(), content_type=content_type)
    assert response.status_code == 415
    problem = response.json()
    assert problem["type"] == "urn:hearth:problem:unsupported-media-type"
    assert "application/x-protobuf" in problem["detail"]
    assert "application/json" in problem["detail"]
    assert problem["accepted"] == ["application/x-protobuf", "application/protobuf", "application/json"]
    await assert_still_serving(ingest)


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, deflate", "gzip;q=1"])
async def test_unsupported_content_encoding_is_415(ingest: Ingest, encoding: str) -> None:
    response = await ingest.post(
        "traces",
        traces_request(1).SerializeToString(),
        content_type=JSON,
        headers={"Content-Encoding": encoding},
    )
    assert response.status_code == 415
    assert "gzip, deflate and identity" in response.json()["detail"]
    # A protobuf request gets the same as google.rpc.Status.
    response = await ingest.post(
        "traces", traces_request(1).SerializeToString(), headers={"Content-Encoding": encoding}
    )
    assert response.status_code == 415
    assert "Content-Encoding" in rpc_status(response).message
    await assert_still_serving(ingest)


async def test_too_large_by_content_length_is_413_before_reading(start_ingest: StartIngest) -> None:
    async with start_ingest(max_request_bytes=4096) as ingest:
        response = await ingest.post("traces", b"\x00" * 5000)
        assert response.status_code == 413
        status = rpc_status(response)
        assert status.code == 8
        assert "5000 bytes is over the limit of 4096" in status.message
        await assert_still_serving(ingest)


async def test_too_large_while_streaming_is_413(start_ingest: StartIngest) -> None:
    async with start_ingest(max_request_bytes=4096) as ingest:

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"\x00" * 1000

        response = await ingest.client.post(
            "/v1/traces",
            content=chunks(),  # no Content-Length: chunked
            headers={"Authorization": ingest.project.write_token, "Content-Type": JSON},
        )
        assert response.status_code == 413
        assert "over the limit of 4096 bytes" in response.json()["detail"]
        await assert_still_serving(ingest)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_zip_bomb_is_413_by_decompressed_size(start_ingest: StartIngest, encoding: str) -> None:
    async with start_ingest(max_request_bytes=64 * 1024) as ingest:
        compress = gzip.compress if encoding == "gzip" else zlib.compress
        bomb = compress(b"\x00" * (64 * 1024 * 1024))  # ~64 KiB sent, 64 MiB inflated
        assert len(bomb) < 64 * 1024
        response = await ingest.post("traces", bomb, encoding=encoding)
        assert response.status_code == 413
        assert "decompresses to more than the limit of 65536 bytes" in rpc_status(response).message
        # Just under the limit decompressed is fine (it is not a valid request, hence 400, not 413).
        response = await ingest.post("traces", compress(b"\x00" * (64 * 1024)), encoding=encoding)
        assert response.status_code == 400
        await assert_still_serving(ingest)


# ---------------------------------------------------------------- undecodable bodies


async def test_garbage_protobuf_is_400_with_a_status_body(ingest: Ingest) -> None:
    response = await ingest.post(
        "traces", gzip.compress(b"\x0a\xff\xff\xff\xff\x0f garbage"), encoding="gzip"
    )
    assert response.status_code == 400
    status = rpc_status(response)
    assert status.code == 3  # INVALID_ARGUMENT
    assert status.message.startswith("protobuf decode failed")
    assert ingest.wal() == []
    await assert_still_serving(ingest)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xyz"}]}]}]}', "traceId must be 32 hex"),
        (b'{"resourceSpans": 7}', "resourceSpans"),
    ],
)
async def test_garbage_json_is_400_problem_with_the_reason(ingest: Ingest, body: bytes, reason: str) -> None:
    response = await ingest.post("traces", body, content_type=JSON)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:hearth:problem:invalid-otlp"
    assert reason in problem["detail"]
    await assert_still_serving(ingest)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"definitely not gzip", "body is not valid gzip: "),
        (gzip.compress(b"x" * 1000)[:-12], "body is not valid gzip: truncated"),
        (gzip.compress(b"x" * 1000) + b"trailing junk", "body is not valid gzip: "),
    ],
)
async def test_corrupt_gzip_is_400(ingest: Ingest, body: bytes, reason: str) -> None:
    for content_type in (PROTOBUF, JSON):
        response = await ingest.post(
            "traces", body, content_type=content_type, headers={"Content-Encoding": "gzip"}
        )
        assert response.status_code == 400
        message = rpc_status(response).message if content_type == PROTOBUF else response.json()["detail"]
        assert message.startswith(reason), message
    await assert_still_serving(ingest)


async def test_corrupt_deflate_is_400(ingest: Ingest) -> None:
    response = await ingest.post("traces", b"\x78\x9c garbage", headers={"Content-Encoding": "deflate"})
    assert response.status_code == 400
    assert rpc_status(response).message.startswith("body is not valid deflate: ")
    await assert_still_serving(ingest)


async def test_wrong_method_is_405_and_unknown_path_404(ingest: Ingest) -> None:
    response = await ingest.client.get("/v1/traces", headers={"Authorization": ingest.project.write_token})
    assert response.status_code == 405
    assert response.json()["type"] == "urn:hearth:problem:method-not-allowed"
    response = await ingest.client.post("/v1/spans", content=b"", headers={"Content-Type": PROTOBUF})
    assert response.status_code == 404
    assert response.json()["detail"] == "no route for POST /v1/spans"
    await assert_still_serving(ingest)


async def test_an_unexpected_failure_is_a_500_in_the_clients_format(
    ingest: Ingest, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(record: WalRecord) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(ingest.state.wal, "append", broken)
    response = await ingest.post("traces", traces_request(1))
    assert response.status_code == 500
    status = rpc_status(response)
    assert status.code == 13  # INTERNAL
    assert "secret" not in status.message
    response = await ingest.post("traces", traces_request(1), content_type=JSON)
    assert response.status_code == 500
    assert response.json()["type"] == "urn:hearth:problem:internal-error"
    monkeypatch.undo()
    await assert_still_serving(ingest)


# ---------------------------------------------------------------- partial success


async def test_spans_outside_the_time_window_are_reported_as_rejected(ingest: Ingest) -> None:
    now = time.time_ns()
    request = traces_request(2, seed=1, start_ns=now - 48 * HOUR_NS)  # two days old
    request.resource_spans[0].scope_spans[0].spans.extend(
        traces_request(1, seed=2, start_ns=now + 2 * HOUR_NS).resource_spans[0].scope_spans[0].spans  # future
    )
    request.resource_spans[0].scope_spans[0].spans.extend(
        traces_request(3, seed=3).resource_spans[0].scope_spans[0].spans  # fine
    )
    bad_ids = traces_request(1, seed=4)
    bad_ids.resource_spans[0].scope_spans[0].spans[0].span_id = bytes(8)
    request.resource_spans.extend(bad_ids.resource_spans)

    response = await ingest.post("traces", request, encoding="gzip")
    assert response.status_code == 200
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 4
    assert partial.error_message.startswith("rejected 4 of 7 spans: 3 outside the accepted time window")
    assert "2 older than 24 hours, 1 more than 1 hour in the future" in partial.error_message
    assert "1 with an invalid trace or span id" in partial.error_message

    # Stored whole; the conversion later drops exactly these, and says the same.
    (record,) = ingest.wal()
    assert record.protobuf() == request.SerializeToString()
    at = received_at(record.received_at_ns)
    converted = spans_to_records(request, project_id=record.project_id, received_at=at, now=at)
    assert (converted.rejected, converted.error_message) == (partial.rejected_spans, partial.error_message)


async def test_partial_success_in_json_responses(ingest: Ingest) -> None:
    request = logs_request(3, time_ns=time.time_ns() - 30 * HOUR_NS)
    request.resource_logs[0].scope_logs[0].log_records.extend(
        logs_request(2).resource_logs[0].scope_logs[0].log_records
    )
    response = await ingest.post("logs", request, content_type=JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["partialSuccess"]["rejectedLogRecords"] in ("3", 3)
    assert body["partialSuccess"]["errorMessage"].startswith("rejected 3 of 5 log records")
    parsed = json_format.Parse(response.content, ExportLogsServiceResponse())
    assert parsed.partial_success.rejected_log_records == 3

    (record,) = ingest.wal()
    at = received_at(record.received_at_ns)
    converted = logs_to_records(request, project_id=record.project_id, received_at=at, now=at)
    assert converted.rejected == 3
    assert converted.error_message == body["partialSuccess"]["errorMessage"]


async def test_summary_metrics_are_rejected_data_points(ingest: Ingest) -> None:
    request = metrics_request(gauge_points=2, summary_points=3)
    response = await ingest.post("metrics", request, encoding="gzip")
    assert response.status_code == 200
    partial = ExportMetricsServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_data_points == 3
    assert "3 of Summary metrics, which are not supported" in partial.error_message

    (record,) = ingest.wal()
    at = received_at(record.received_at_ns)
    converted = metrics_to_rows(request, project_id=record.project_id, received_at=at, now=at)
    assert (converted.rejected, converted.error_message) == (3, partial.error_message)


async def test_a_request_whose_records_are_all_rejected_is_still_stored(ingest: Ingest) -> None:
    """The conversion turns it into one ``logfire ingest error`` row, so it must reach the WAL."""
    request = traces_request(2, start_ns=time.time_ns() - 72 * HOUR_NS)
    response = await ingest.post("traces", request)
    assert ExportTraceServiceResponse.FromString(response.content).partial_success.rejected_spans == 2
    assert len(ingest.wal()) == 1


# ---------------------------------------------------------------- WAL full, readiness


async def test_wal_over_budget_is_503_with_retry_after(start_ingest: StartIngest) -> None:
    async with start_ingest(wal_budget_bytes=4000) as ingest:
        ready = await ingest.client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["wal"] == "ok"

        accepted = 0
        while True:
            response = await ingest.post("traces", traces_request(5, seed=accepted))
            if response.status_code != 200:
                break
            accepted += 1
        assert accepted >= 1
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) >= 1
        status = rpc_status(response)
        assert status.code == 14  # UNAVAILABLE
        assert "write-ahead log is full" in status.message

        response = await ingest.post("traces", traces_request(5, seed=999), content_type=JSON)
        assert response.status_code == 503
        assert response.json()["type"] == "urn:hearth:problem:wal-full"
        assert "retry-after" in response.headers

        # Nothing refused was stored; everything acknowledged was.
        assert len(ingest.wal()) == accepted


async def test_readiness_reports_a_full_wal(start_ingest: StartIngest, project: Project) -> None:
    request = traces_request(1)
    record_size = HEADER_SIZE + len(str(project.project_id)) + len(request.SerializeToString())
    async with start_ingest(wal_budget_bytes=record_size) as ingest:  # room for exactly one request
        ready = await ingest.client.get("/ready")
        assert ready.status_code == 200
        assert (await ingest.post("traces", request)).status_code == 200
        ready = await ingest.client.get("/ready")
        assert ready.status_code == 503
        assert "write-ahead log is full" in ready.json()["checks"]["wal"]
        assert (await ingest.post("traces", request)).status_code == 503


async def test_readiness_reports_a_missing_wal_dir(ingest: Ingest) -> None:
    assert (await ingest.client.get("/ready")).status_code == 200
    ingest.wal_dir.rmdir()  # nothing written yet, so empty: as if its disk went away
    ready = await ingest.client.get("/ready")
    assert ready.status_code == 503
    assert "is missing" in ready.json()["checks"]["wal"]
    ingest.wal_dir.mkdir()


# ---------------------------------------------------------------- concurrency


async def test_no_acknowledged_request_is_missing_under_concurrency(ingest: Ingest) -> None:
    requests = [traces_request(20, seed=i) for i in range(50)]
    formats = [PROTOBUF if i % 2 else JSON for i in range(50)]
    encodings = [("gzip", "deflate", None)[i % 3] for i in range(50)]
    responses = await asyncio.gather(
        *(
            ingest.post("traces", request, content_type=form, encoding=encoding)
            for request, form, encoding in zip(requests, formats, encodings, strict=True)
        )
    )
    assert [r.status_code for r in responses] == [200] * 50
    bodies = [record.protobuf() for record in ingest.wal()]
    assert len(bodies) == 50
    assert sorted(bodies) == sorted(request.SerializeToString() for request in requests)
    assert ingest.state.wal.syncs <= 50  # group commit may share fsyncs; never more than one each

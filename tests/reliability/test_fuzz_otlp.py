"""Fuzzing the OTLP endpoints of a real ingest server (uvicorn on 127.0.0.1, real Postgres, Redis, S3):
random bytes, truncated and bit-flipped protobuf, broken compression, JSON of every shape in the wrong
places, deep nesting, huge strings, invalid UTF-8. Every answer must be 2xx or a clean 4xx; afterwards
the service still serves and still acknowledges good data."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hearth_ingest.app import create_app
from tests.fixtures.apps import serving
from tests.fixtures.s3 import S3Bucket
from tests.ingest.test_api_otlp import (
    JSON,
    PROTOBUF,
    Project,
    ingest_settings,
    logs_request,
    metrics_request,
    otlp_json,
    project,  # noqa: F401 - fixture
    traces_request,
)

SIGNALS = ("traces", "logs", "metrics")
VALID = {
    "traces": traces_request(5).SerializeToString(),
    "logs": logs_request(3).SerializeToString(),
    "metrics": metrics_request(gauge_points=3, summary_points=1).SerializeToString(),
}
VALID_JSON = {
    "traces": otlp_json(traces_request(2)),
    "logs": otlp_json(logs_request(2)),
    "metrics": otlp_json(metrics_request(gauge_points=2)),
}
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: CI failures reproduce
)


@dataclass(frozen=True)
class Server:
    url: str
    token: str

    def post(
        self, signal: str, body: bytes, content_type: str, encoding: str | None = None
    ) -> httpx.Response:
        headers = {"authorization": self.token, "content-type": content_type}
        if encoding:
            headers["content-encoding"] = encoding
        return httpx.post(f"{self.url}/v1/{signal}", content=body, headers=headers, timeout=60)

    def check(self, response: httpx.Response) -> None:
        assert response.status_code < 500, (response.status_code, response.text[:500])
        if response.status_code >= 400:
            assert response.content, "a 4xx says why"


@pytest.fixture
async def server(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    s3_bucket: S3Bucket,
    project: Project,  # noqa: F811
) -> AsyncIterator[Server]:
    app = create_app(ingest_settings(tmp_path, database_url, redis_url, s3_bucket))
    async with serving(app) as url:
        yield Server(url, project.write_token)
        # after the storm: alive, and good data is still acknowledged
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/health")).status_code == 200
            good = await client.post(
                "/v1/traces",
                content=VALID["traces"],
                headers={"authorization": project.write_token, "content-type": PROTOBUF},
            )
            assert good.status_code == 200, good.text


def _mutations() -> st.SearchStrategy[tuple[str, bytes]]:
    """(signal, body): a valid protobuf request cut short or with bytes overwritten."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, bytes]:
        signal = draw(st.sampled_from(SIGNALS))
        body = bytearray(VALID[signal])
        if draw(st.booleans()):
            body = body[: draw(st.integers(0, len(body)))]
        for _ in range(draw(st.integers(0, 8))):
            if body:
                body[draw(st.integers(0, len(body) - 1))] = draw(st.integers(0, 255))
        return signal, bytes(body)

    return build()


@FUZZ
@given(
    body=st.binary(max_size=4096),
    signal=st.sampled_from(SIGNALS),
    content_type=st.sampled_from([PROTOBUF, JSON]),
)
def test_random_bytes(server: Server, body: bytes, signal: str, content_type: str) -> None:
    server.check(server.post(signal, body, content_type))


@FUZZ
@given(case=_mutations(), encoding=st.sampled_from([None, "gzip", "deflate"]))
def test_truncated_and_corrupted_protobuf(
    server: Server, case: tuple[str, bytes], encoding: str | None
) -> None:
    signal, body = case
    if encoding == "gzip":
        body = gzip.compress(body)
    elif encoding == "deflate":
        body = zlib.compress(body)
    server.check(server.post(signal, body, PROTOBUF, encoding))


@FUZZ
@given(
    body=st.binary(max_size=512),
    encoding=st.sampled_from(["gzip", "deflate", "br", "zstd", "gzip, deflate", ""]),
    signal=st.sampled_from(SIGNALS),
)
def test_broken_compression(server: Server, body: bytes, encoding: str, signal: str) -> None:
    server.check(server.post(signal, body, PROTOBUF, encoding or None))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=40,
)
OTLP_KEYS = {
    "traces": [
        "resourceSpans",
        "scopeSpans",
        "spans",
        "traceId",
        "spanId",
        "startTimeUnixNano",
        "attributes",
    ],
    "logs": ["resourceLogs", "scopeLogs", "logRecords", "timeUnixNano", "body", "severityNumber"],
    "metrics": ["resourceMetrics", "scopeMetrics", "metrics", "gauge", "sum", "dataPoints", "asInt"],
}


@st.composite
def _wrong_json(draw: st.DrawFn) -> tuple[str, bytes]:
    """OTLP/JSON with values of the wrong type where the real keys are expected."""
    signal = draw(st.sampled_from(SIGNALS))
    keys = OTLP_KEYS[signal]
    value = draw(JSON_VALUES)
    for key in reversed(keys[: draw(st.integers(1, len(keys)))]):
        value = {key: value} if draw(st.booleans()) else {key: [value]}
    return signal, orjson.dumps(value)


@FUZZ
@given(case=_wrong_json())
def test_json_of_the_wrong_shape(server: Server, case: tuple[str, bytes]) -> None:
    signal, body = case
    server.check(server.post(signal, body, JSON))


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000,
        b'{"resourceSpans": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"resourceSpans": [{"resource": {"attributes": [{"key": "k", "value": ' * 5_000,
        b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "\xff\xfe\xc3"}}]}]}]}',
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "' + b"x" * 5_000_000 + b'"}]}]}]}',
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz", "spanId": 12}]}]}]}',
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "-1"}]}]}]}',
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "9' + b"9" * 30 + b'"}]}]}]}',
        b"\xef\xbb\xbf{}",  # a byte-order mark
        b"{}" * 1000,
    ],
    ids=[
        "deep-array",
        "deep-in-key",
        "unclosed-nesting",
        "invalid-utf8",
        "huge-string",
        "bad-ids",
        "negative-time",
        "time-overflow",
        "bom",
        "concatenated",
    ],
)
def test_pathological_json(server: Server, body: bytes) -> None:
    server.check(server.post("traces" if b"Spans" in body or b"[" in body[:1] else "logs", body, JSON))


@FUZZ
@given(signal=st.sampled_from(SIGNALS), cut=st.integers(0, 400))
def test_truncated_json(server: Server, signal: str, cut: int) -> None:
    body = VALID_JSON[signal]
    server.check(server.post(signal, body[: min(cut, len(body))], JSON))

"""``GET /v2/live`` served by a real uvicorn on real Redis: rows published to a project's live tail (as
ingest does) reach a subscriber filtered by its WHERE clause, resume after a reconnect without gaps or
repeats, stay inside the project, and bad filters are clean 400s."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pytest
import redis.asyncio as aioredis

from hearth_query_api.app import create_app
from hearth_shared.db import DatabasePool
from hearth_shared.internal_auth import issue_project_grant
from hearth_shared.live_tail import encode_batch, live_stream_key
from hearth_shared.schema import RECORDS_SCHEMA
from tests.fixtures.apps import serving
from tests.fixtures.sse import SseReader
from tests.query_api.query_helpers import T0, Project, another_project, first_project, query_settings, record

INFO, WARN, ERROR = 9, 13, 17


@dataclass
class Live:
    base_url: str
    redis: aioredis.Redis
    web: Project
    shop: Project
    secret_key: str

    async def publish(self, project: Project, rows: list[dict[str, Any]], *, maxlen: int = 200) -> str:
        table = pa.Table.from_pylist(rows, schema=RECORDS_SCHEMA)
        entry_id = await self.redis.xadd(
            live_stream_key(str(project.project_id)),
            encode_batch(table),  # type: ignore[arg-type]
            maxlen=maxlen,
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    @asynccontextmanager
    async def subscribe(
        self, token: str, *, where: str | None = None, last_event_id: str | None = None
    ) -> AsyncIterator[SseReader]:
        params = {"where": where} if where is not None else {}
        headers = {"authorization": token, "accept": "text/event-stream"}
        if last_event_id is not None:
            headers["last-event-id"] = last_event_id
        async with (
            httpx.AsyncClient(base_url=self.base_url, timeout=30) as client,
            client.stream("GET", "/v2/live", params=params, headers=headers) as response,
        ):
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            reader = SseReader(response)
            # the first id-only event says where the view starts: from then on, nothing is missed
            first = await reader.next_event()
            assert first.data is None
            assert first.id is not None
            yield reader


@pytest.fixture
async def live(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Live]:
    web = await first_project(db_pool)
    shop = await another_project(db_pool, "shop")
    settings = query_settings(
        database_url, redis_url, (f"file://{tmp_path / 'objects'}", {}), live_keepalive_seconds=0.2
    )
    async with serving(create_app(settings)) as base_url:
        yield Live(base_url, redis_client, web, shop, settings.secret_key.get_secret_value())


def _messages(rows: list[dict[str, Any]]) -> list[str]:
    return [row["message"] for row in rows]


async def test_new_rows_arrive_filtered_in_the_dialect(live: Live) -> None:
    where = "level >= 'warn' AND attributes->>'cart'->>'user' = 'ann'"
    async with live.subscribe(live.web.read_token, where=where) as reader:
        await live.publish(
            live.web,
            [
                record(
                    live.web.project_id,
                    T0,
                    message="quiet",
                    level=INFO,
                    attributes='{"cart": {"user": "ann"}}',
                ),
                record(
                    live.web.project_id,
                    T0,
                    message="slow",
                    level=WARN,
                    attributes='{"cart": {"user": "ann"}}',
                ),
                record(
                    live.web.project_id,
                    T0,
                    message="other",
                    level=ERROR,
                    attributes='{"cart": {"user": "bob"}}',
                ),
                record(
                    live.web.project_id,
                    T0,
                    message="boom",
                    level=ERROR,
                    attributes='{"cart": {"user": "ann"}}',
                ),
            ],
        )
        got = await reader.next_with_data()
        assert got.name == "message"
        assert _messages(got.data["rows"]) == ["slow", "boom"]
        assert got.data["skipped"] == 0
        first = got.data["rows"][0]
        assert first["level"] == WARN
        assert first["project_id"] == str(live.web.project_id)
        assert set(first) == set(RECORDS_SCHEMA.names)  # every records column, by its SQL name


async def test_pending_spans_come_first_then_their_final_span(live: Live) -> None:
    trace_id, span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    same = {"trace_id": trace_id, "span_id": span_id}
    async with live.subscribe(live.web.read_token) as reader:
        await live.publish(
            live.web, [record(live.web.project_id, T0, kind="pending_span", message="job", **same)]
        )
        pending = await reader.next_with_data()
        await live.publish(live.web, [record(live.web.project_id, T0, kind="span", message="job", **same)])
        final = await reader.next_with_data()
    assert [(r["kind"], r["span_id"]) for r in pending.data["rows"]] == [("pending_span", span_id)]
    assert [(r["kind"], r["span_id"]) for r in final.data["rows"]] == [("span", span_id)]
    assert final.id is not None
    assert final.id != pending.id


async def test_a_reconnect_resumes_after_the_last_event_without_gaps_or_repeats(live: Live) -> None:
    async with live.subscribe(live.web.read_token) as reader:
        await live.publish(live.web, [record(live.web.project_id, T0, message="one")])
        first = await reader.next_with_data()
        assert _messages(first.data["rows"]) == ["one"]
        seen = reader.last_id
    # while the view is away, three more entries (one the filter drops)
    await live.publish(live.web, [record(live.web.project_id, T0, message="two")])
    await live.publish(live.web, [record(live.web.project_id, T0, message="hidden", level=ERROR)])
    await live.publish(live.web, [record(live.web.project_id, T0, message="three")])
    async with live.subscribe(live.web.read_token, where="level < 'error'", last_event_id=seen) as again:
        second = await again.next_with_data()
        third = await again.next_with_data()
        await live.publish(live.web, [record(live.web.project_id, T0, message="four")])
        fourth = await again.next_with_data()
    assert [_messages(e.data["rows"]) for e in (second, third, fourth)] == [["two"], ["three"], ["four"]]


async def test_a_trimmed_position_is_reported_as_a_gap(live: Live) -> None:
    old = await live.publish(live.web, [record(live.web.project_id, T0, message="old")], maxlen=2)
    for i in range(4):
        await live.publish(live.web, [record(live.web.project_id, T0, message=f"n{i}")], maxlen=2)
    async with live.subscribe(live.web.read_token, last_event_id=old) as reader:
        gap = await reader.next_with_data()
        assert gap.name == "gap"
        kept = [await reader.next_with_data() for _ in range(2)]
    assert [_messages(e.data["rows"]) for e in kept] == [["n2"], ["n3"]]
    assert gap.data["resumed_from"] == kept[0].id


@pytest.mark.parametrize("where", [None, "true"], ids=["unfiltered", "filtered"])
@pytest.mark.parametrize("count", [700, 9000])  # one record batch in the entry; several
async def test_floods_are_capped_per_event_keeping_the_newest(
    live: Live, where: str | None, count: int
) -> None:
    rows = [record(live.web.project_id, T0, message=f"m{i}") for i in range(count)]
    async with live.subscribe(live.web.read_token, where=where) as reader:
        await live.publish(live.web, rows)
        got = await reader.next_with_data()
    assert got.data["skipped"] == count - 500
    assert _messages(got.data["rows"]) == [f"m{i}" for i in range(count - 500, count)]


async def test_only_the_granted_projects_rows_are_streamed(live: Live) -> None:
    grant = issue_project_grant(live.secret_key, live.web.project_id)  # what the backend sends
    async with live.subscribe(grant) as reader:
        await live.publish(live.shop, [record(live.shop.project_id, T0, message="shop secret")])
        await live.publish(live.web, [record(live.web.project_id, T0, message="web row")])
        got = await reader.next_with_data()
    assert _messages(got.data["rows"]) == ["web row"]


@pytest.mark.parametrize(
    ("where", "detail"),
    [
        ("level >=", "syntax"),
        ("no_such_column = 1", "no_such_column"),  # planned before the stream starts
        ("true ORDER BY start_timestamp", "single condition"),
        ("true UNION SELECT * FROM records_all", "single condition"),
        ("span_name IN (SELECT tablename FROM pg_tables)", "unknown table"),
        ("span_name IN (SELECT span_name FROM read_parquet('/etc/passwd'))", "not allowed"),
    ],
)
async def test_bad_filters_are_400_before_streaming(live: Live, where: str, detail: str) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        response = await client.get(
            "/v2/live",
            params={"where": where},
            headers={"authorization": live.web.read_token, "accept": "application/problem+json"},
        )
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"].lower()
    assert "\x1b" not in response.json()["detail"]  # no terminal escape codes


async def test_auth_is_required(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        missing = await client.get("/v2/live")
        write = await client.get("/v2/live", headers={"authorization": live.web.write_token})
        bad_position = await client.get(
            "/v2/live", headers={"authorization": live.web.read_token, "last-event-id": "yesterday"}
        )
    assert missing.status_code == 401
    assert write.status_code == 403
    assert bad_position.status_code == 422


async def test_a_filter_failing_on_a_batch_ends_the_stream_with_an_error_event(live: Live) -> None:
    async with live.subscribe(live.web.read_token, where="CAST(message AS INT) > 1") as reader:
        await live.publish(live.web, [record(live.web.project_id, T0, message="not a number")])
        failed = await reader.next_with_data()
        assert failed.name == "error"
        assert "not a number" in failed.data["detail"] or "cast" in failed.data["detail"].lower()
        with pytest.raises(EOFError):
            await reader.next_event()
    async with live.subscribe(live.web.read_token) as reader:  # the service carries on
        await live.publish(live.web, [record(live.web.project_id, T0, message="fine")])
        assert _messages((await reader.next_with_data()).data["rows"]) == ["fine"]


async def test_an_idle_stream_outlives_the_redis_clients_default_timeout(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str, redis_client: aioredis.Redis
) -> None:
    """XREAD blocks for the keep-alive interval; redis-py gives up reads after 5 s unless told otherwise,
    which cut every idle live view after 5 s. With 6 s between keep-alives the stream must stay up."""
    web = await first_project(db_pool)
    settings = query_settings(
        database_url, redis_url, (f"file://{tmp_path / 'objects'}", {}), live_keepalive_seconds=6
    )
    async with serving(create_app(settings)) as base_url:
        live = Live(base_url, redis_client, web, web, settings.secret_key.get_secret_value())
        async with live.subscribe(web.read_token) as reader:
            await asyncio.sleep(7)  # silence past redis-py's default socket timeout
            await live.publish(web, [record(web.project_id, T0, message="after the wait")])
            got = await reader.next_with_data()  # EOFError if the stream had been cut
    assert _messages(got.data["rows"]) == ["after the wait"]
    assert reader.comments >= 1  # the keep-alive at 6 s came through first


async def test_an_unfiltered_view_gets_exactly_what_a_filter_matching_all_gives(live: Live) -> None:
    """Without a filter the stream skips running SQL on each batch: its rows must be the very rows and
    values a view whose filter matches everything gets from DataFusion."""
    rows = [
        record(live.web.project_id, T0, message="one", level=INFO, attributes='{"a": [1, 2]}'),
        record(live.web.project_id, T0, message="two", level=ERROR, tags=["x", "y"]),
    ]
    async with (
        live.subscribe(live.web.read_token) as unfiltered,
        live.subscribe(live.web.read_token, where="true") as filtered,
    ):
        await live.publish(live.web, rows)
        plain, through_sql = await unfiltered.next_with_data(), await filtered.next_with_data()
    assert _messages(plain.data["rows"]) == ["one", "two"]
    assert plain.data == through_sql.data

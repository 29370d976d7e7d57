"""Pools: fail fast with one clear sentence (never the password), probe readiness, JSON via orjson."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from hearth_shared.db.dsn import describe_dsn, dsn_with_database
from hearth_shared.db.errors import DatabaseUnavailable
from hearth_shared.db.pool import DatabasePool, check_database, connect, open_pool, open_settings_pool
from hearth_shared.errors import ServiceUnavailable, StartupError
from hearth_shared.settings import DatabaseSettings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens once the socket is closed


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A real TCP peer that accepts and never speaks: what a hung or firewalled database looks like."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_unreachable_database_fails_fast_with_one_clear_sentence() -> None:
    port = closed_port()
    dsn = f"postgresql://hearth:s3cret-pw@127.0.0.1:{port}/hearth"
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as caught:
        await open_pool(dsn, min_size=1, max_size=2, connect_timeout=2.0)
    assert time.monotonic() - started < 2.0
    message = str(caught.value)
    assert message == f"PostgreSQL at hearth@127.0.0.1:{port}/hearth is unreachable: connection refused"
    assert "s3cret-pw" not in message
    assert isinstance(caught.value, ServiceUnavailable)  # a 503 while serving
    assert isinstance(caught.value, StartupError)  # and stops a process at start with that sentence
    assert caught.value.status == 503


async def test_min_size_zero_still_probes_the_database() -> None:
    with pytest.raises(DatabaseUnavailable, match="connection refused"):
        await open_pool(
            f"postgresql://u@127.0.0.1:{closed_port()}/db", min_size=0, max_size=1, connect_timeout=2
        )


async def test_silent_server_times_out_within_the_connect_timeout(silent_server: int) -> None:
    dsn = f"postgresql://hearth:pw@127.0.0.1:{silent_server}/hearth"
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as caught:
        await open_pool(dsn, min_size=1, max_size=1, connect_timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert str(caught.value) == (
        f"PostgreSQL at hearth@127.0.0.1:{silent_server}/hearth is unreachable: no answer within 0.5 s"
    )


async def test_single_connection_fails_the_same_way() -> None:
    with pytest.raises(DatabaseUnavailable, match=r"^PostgreSQL at .* is unreachable: connection refused$"):
        await connect(f"postgresql://u:pw@127.0.0.1:{closed_port()}/db", connect_timeout=1)


async def test_missing_database_reports_the_server_reason(postgres_admin_url: str) -> None:
    dsn = dsn_with_database(postgres_admin_url, "no_such_db")
    with pytest.raises(DatabaseUnavailable, match='database "no_such_db" does not exist'):
        await open_pool(dsn, min_size=1, max_size=1, connect_timeout=5)


async def test_check_database_passes_then_reports_a_closed_pool(database_url: str) -> None:
    pool = await open_pool(database_url, min_size=1, max_size=2, connect_timeout=5)
    await check_database(pool, dsn=database_url)
    await pool.close()
    with pytest.raises(DatabaseUnavailable, match=r"^PostgreSQL at .* is unreachable: "):
        await check_database(pool, dsn=database_url)


async def test_settings_pool_uses_the_catalog_dsn_when_asked(
    database_url: str, empty_database_url: str
) -> None:
    settings = DatabaseSettings(database_url=database_url, catalog_database_url=empty_database_url)
    app = await open_settings_pool(settings)
    catalog = await open_settings_pool(settings, catalog=True, application_name="hearth-test")
    try:
        assert await app.fetchval("SELECT current_database()") == urlsplit(database_url).path.lstrip("/")
        assert await catalog.fetchval("SELECT current_database()") == urlsplit(
            empty_database_url
        ).path.lstrip("/")
        assert await catalog.fetchval("SELECT current_setting('application_name')") == "hearth-test"
    finally:
        await app.close()
        await catalog.close()


async def test_json_and_jsonb_round_trip_through_orjson(db_pool: DatabasePool) -> None:
    value = {"a": [1, 2.5, None, True], "b": {"c": "é"}}
    assert await db_pool.fetchval("SELECT $1::jsonb", value) == value
    assert await db_pool.fetchval("SELECT $1::json", value) == value
    assert await db_pool.fetchval("""SELECT '{"x": 1}'::jsonb""") == {"x": 1}
    assert await db_pool.fetchval("SELECT ($1::jsonb) ->> 'b'", value) == '{"c": "é"}'


@pytest.mark.parametrize(
    ("dsn", "described"),
    [
        ("postgresql://user:secret@db.example:5432/hearth", "user@db.example:5432/hearth"),
        ("postgresql://db.example/hearth?sslmode=require", "db.example/hearth"),
        ("postgresql://postgres:@/postgres?host=/tmp/pg/pgdata", "postgres@/tmp/pg/pgdata/postgres"),
        ("postgres://u:p@h1:5432,h2:5433/app", "u@h1:5432,h2:5433/app"),
        ("postgresql://u@/app?host=/run/pg&port=5433", "u@/run/pg:5433/app"),
    ],
)
def test_describe_dsn_never_shows_the_password(dsn: str, described: str) -> None:
    assert describe_dsn(dsn) == described


def test_dsn_with_database_keeps_server_and_options() -> None:
    assert (
        dsn_with_database("postgresql://postgres:@/postgres?host=/tmp/pg", "test_1")
        == "postgresql://postgres:@/test_1?host=/tmp/pg"
    )
    assert dsn_with_database("postgresql://u:p@h:1/a?dbname=a&sslmode=disable", "b") == (
        "postgresql://u:p@h:1/b?sslmode=disable"
    )

"""Connection pools: open fast-failing, probe for ``/ready``, decode JSON with orjson.

``open_pool`` connects at least once before returning, so a wrong DSN stops a process at start with one
sentence instead of failing on the first request.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeAlias

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

from hearth_shared.db.dsn import describe_dsn, dsn_password
from hearth_shared.db.errors import DatabaseUnavailable
from hearth_shared.settings import DatabaseSettings

DatabasePool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"
#: A connection of its own or one borrowed from a pool: anything that runs queries and transactions.
DatabaseConnection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"

#: Seconds the readiness probe waits; below the 2 s budget of ``/ready`` so our message wins the race.
READY_PROBE_TIMEOUT = 1.5

_JSONB_VERSION = b"\x01"  # jsonb's binary wire format is a version byte followed by the JSON text


def _encode_jsonb(value: Any) -> bytes:
    return _JSONB_VERSION + orjson.dumps(value)


def _decode_jsonb(data: bytes) -> Any:
    return orjson.loads(data[1:])


async def register_json_codecs(conn: DatabaseConnection) -> None:
    """``json``/``jsonb`` ⇄ Python objects with orjson, in binary format (no text re-encoding)."""
    await conn.set_type_codec(
        "json", schema="pg_catalog", encoder=orjson.dumps, decoder=orjson.loads, format="binary"
    )
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=_encode_jsonb, decoder=_decode_jsonb, format="binary"
    )


def unavailable(dsn: str | None, exc: BaseException, *, timeout: float | None = None) -> DatabaseUnavailable:
    """One sentence saying which database is unreachable and why, with any password scrubbed."""
    if isinstance(exc, TimeoutError):
        reason = f"no answer within {timeout:g} s" if timeout is not None else "timed out"
    elif isinstance(exc, ConnectionRefusedError):
        reason = "connection refused"
    elif isinstance(exc, asyncpg.PostgresError):
        reason = exc.args[0] if exc.args else type(exc).__name__
    elif isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror[:1].lower() + exc.strerror[1:]
    else:
        reason = str(exc) or type(exc).__name__
    if dsn is None:
        return DatabaseUnavailable(f"PostgreSQL is unreachable: {reason}")
    password = dsn_password(dsn)
    if password:
        reason = reason.replace(password, "***")
    return DatabaseUnavailable(f"PostgreSQL at {describe_dsn(dsn)} is unreachable: {reason}")


# What a failed connect can raise: socket errors, timeouts, server refusals, protocol/DSN errors
# (ValueError: malformed DSN; OverflowError: port out of range).
CONNECT_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    ValueError,
    OverflowError,
)


async def connect(dsn: str, *, connect_timeout: float = 10.0) -> asyncpg.Connection[asyncpg.Record]:
    """One connection (migrations, admin work) with the same fast failure and codecs as pools."""
    try:
        async with asyncio.timeout(connect_timeout):
            conn: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(dsn, timeout=connect_timeout)
    except CONNECT_ERRORS as exc:
        raise unavailable(dsn, exc, timeout=connect_timeout) from exc
    await register_json_codecs(conn)
    return conn


async def open_pool(
    dsn: str,
    *,
    min_size: int,
    max_size: int,
    connect_timeout: float,
    application_name: str = "hearth",
) -> DatabasePool:
    """A pool that has proven it can connect, or :class:`DatabaseUnavailable` within ``connect_timeout``."""
    pool: DatabasePool | None = None
    try:
        # One deadline for everything: asyncpg's own timeout is per address tried, and `localhost`
        # resolves to two.
        async with asyncio.timeout(connect_timeout):
            pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                timeout=connect_timeout,
                init=register_json_codecs,
                server_settings={"application_name": application_name},
            )
            # With min_size=0 create_pool connects nowhere; probe so a bad DSN fails here, not later.
            await pool.fetchval("SELECT 1")
    except CONNECT_ERRORS as exc:
        if pool is not None:
            pool.terminate()
        raise unavailable(dsn, exc, timeout=connect_timeout) from exc
    return pool


async def open_settings_pool(
    settings: DatabaseSettings, *, catalog: bool = False, application_name: str = "hearth"
) -> DatabasePool:
    """The app-data pool (or with ``catalog=True`` the catalog's) from the shared settings block."""
    return await open_pool(
        settings.effective_catalog_database_url if catalog else settings.database_url,
        min_size=settings.database_pool_min,
        max_size=settings.database_pool_max,
        connect_timeout=settings.database_connect_timeout,
        application_name=application_name,
    )


async def check_database(
    pool: DatabasePool,
    *,
    dsn: str | None = None,
    timeout: float = READY_PROBE_TIMEOUT,  # noqa: ASYNC109 - its own budget, shorter than /ready's
) -> None:
    """Readiness probe: ``SELECT 1`` within ``timeout`` seconds, else :class:`DatabaseUnavailable`.

    Pass the pool's ``dsn`` to name the database in the message (useful when app and catalog differ).
    """
    try:
        async with asyncio.timeout(timeout):
            await pool.fetchval("SELECT 1")
    except CONNECT_ERRORS as exc:
        raise unavailable(dsn, exc, timeout=timeout) from exc

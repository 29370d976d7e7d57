"""`hearth up` pointed at external dependencies (as compose and Helm run it): a Postgres database, a
Redis and an S3 bucket that already exist. Nothing embedded is started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import orjson
import pytest

from hearth_shared.tokens import hash_token
from tests.fixtures.s3 import S3Bucket
from tests.fixtures.stack import SERVICES, all_ready, start_stack, stop_stack

pytestmark = pytest.mark.stack


async def test_up_on_external_postgres_redis_and_s3(
    tmp_path: Path, empty_database_url: str, redis_url: str, s3_bucket: S3Bucket
) -> None:
    env = {
        "HEARTH_DATABASE_URL": empty_database_url,
        "HEARTH_REDIS_URL": redis_url,
        "HEARTH_STORAGE_URL": s3_bucket.storage_url,
        "HEARTH_STORAGE_OPTIONS": orjson.dumps(s3_bucket.storage_options).decode(),
    }
    data_dir = tmp_path / "data"
    stack = start_stack(data_dir, extra_env=env)
    try:
        assert all_ready(stack) == dict.fromkeys(SERVICES, 200)
        assert not (data_dir / "postgres").exists(), "no embedded Postgres when a DSN is given"
        assert not (data_dir / "redis").exists(), "no embedded Redis when a URL is given"
        conn = await asyncpg.connect(empty_database_url)
        try:
            kinds = await conn.fetch("SELECT kind FROM tokens WHERE token_hash = ANY($1::bytea[])", [
                hash_token(stack.credentials["write_token"]),
                hash_token(stack.credentials["read_token"]),
            ])  # fmt: skip
        finally:
            await conn.close()
        assert sorted(row["kind"] for row in kinds) == ["read", "write"]
    finally:
        assert stop_stack(stack) == 0


def run_hearth_up(env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hearth", "up"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_up_with_a_bad_setting_says_so_in_one_sentence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env |= {"HEARTH_DATA_DIR": str(tmp_path), "HEARTH_GATEWAY_PORT": "eighty"}
    result = run_hearth_up(env, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hearth up: HEARTH_GATEWAY_PORT is invalid: "
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_up_with_unreachable_storage_fails_clearly(tmp_path: Path, redis_url: str, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env |= {
        "HEARTH_DATA_DIR": str(tmp_path),
        "HEARTH_DATABASE_URL": database_url,
        "HEARTH_REDIS_URL": redis_url,
        "HEARTH_STORAGE_URL": "s3://no-such-bucket",
        "HEARTH_STORAGE_OPTIONS": '{"endpoint": "http://127.0.0.1:9", "allow_http": "true", "region": "x",'
        ' "access_key_id": "a", "secret_access_key": "b", "max_retries": "0", "connect_timeout": "1s"}',
        "HEARTH_READY_TIMEOUT": "60",
    }
    result = run_hearth_up(env, timeout=120)
    assert result.returncode != 0
    assert "object storage s3://no-such-bucket is unreachable" in result.stderr

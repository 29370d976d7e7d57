"""The real clients against the backend served by uvicorn: the ``logfire`` SDK's token check
(``configure()`` → ``GET /v1/info``, in a subprocess) and ``LogfireQueryClient.info()``."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from logfire.query_client import AsyncLogfireQueryClient, LogfireQueryClient, UnexpectedResponseError

from hearth_backend.app import create_app
from tests.backend.conftest import Tenant, backend_settings
from tests.fixtures.apps import serving

SCRIPT = Path(__file__).with_name("sdk_token_check.py")


def sdk_token_check(base_url: str, token: str, cwd: Path) -> tuple[dict[str, Any], str]:
    """(the script's JSON result, the SDK's stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGFIRE_", "OTEL_", "PYTEST_"))}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), base_url, token],
        check=True,
        env={**env, "COLUMNS": "200"},  # rich would wrap the printed URL on a narrow terminal
        cwd=cwd,  # no .logfire/ credentials directory of the repository
        capture_output=True,
        text=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result, done.stderr


@pytest.mark.timeout(180)
async def test_the_logfire_sdk_token_check(
    tmp_path: Path, database_url: str, redis_url: str, tenant: Tenant
) -> None:
    settings = backend_settings(database_url, redis_url, public_base_url="http://hearth.example:8080")
    async with serving(create_app(settings)) as base_url:
        good, good_err = await asyncio.to_thread(sdk_token_check, base_url, tenant.write_token, tmp_path)
        bad, _ = await asyncio.to_thread(sdk_token_check, base_url, "pylf_v1_local_" + "x" * 48, tmp_path)
        read, _ = await asyncio.to_thread(sdk_token_check, base_url, tenant.read_token, tmp_path)

    assert good["checked"] == 1
    assert good["project_url"] == "http://hearth.example:8080/acme/web"
    assert "Logfire project URL: http://hearth.example:8080/acme/web" in good_err
    assert not [w for w in good["warnings"] if "Logfire API" in w], good["warnings"]

    # A refused token is a warning, never fatal; the SDK shows our problem's `detail`.
    assert bad["project_url"] is None
    assert (
        "UserWarning: Logfire API returned status code 401. "
        "Detail: invalid write token: it is unknown, revoked or expired"
    ) in bad["warnings"]
    assert read["project_url"] is None
    assert any(
        "status code 403. Detail: this is a read token; `GET /v1/info` needs a write token" in w
        for w in read["warnings"]
    ), read["warnings"]


async def test_the_query_client_reads_its_token_info(
    database_url: str, redis_url: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    async with serving(create_app(backend_settings(database_url, redis_url))) as base_url:

        def sync_info(token: str) -> object:
            with LogfireQueryClient(token, base_url=base_url) as client:
                return client.info()

        assert await asyncio.to_thread(sync_info, tenant.read_token) == {
            "organization_name": "acme",
            "project_name": "web",
        }
        async with AsyncLogfireQueryClient(other_tenant.read_token, base_url=base_url) as client:
            assert await client.info() == {"organization_name": "globex", "project_name": "billing"}
        async with AsyncLogfireQueryClient(tenant.write_token, base_url=base_url) as client:
            with pytest.raises(UnexpectedResponseError, match="403") as refused:
                await client.info()
    assert refused.value.problem is not None
    assert refused.value.problem["detail"].startswith("this is a write token")

"""The real ``logfire`` CLI (a subprocess, ``HOME`` in a temp dir) against the backend served by uvicorn
in front of a real query API: ``auth`` (device login approved in the browser by a signed-in user),
``whoami``, ``projects new``, ``projects list``, ``read-tokens create``; then the created tokens with the
real SDK pieces (``/v1/info``, ``LogfireQueryClient``)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from logfire.query_client import AsyncLogfireQueryClient

from hearth_shared.db import DatabasePool
from tests.backend.conftest import make_tenant
from tests.backend.people import PASSWORD, join_org, make_user
from tests.backend.relay import backend_with_query_api

LOGFIRE = str(Path(sys.executable).with_name("logfire"))
CLI_SECONDS = 60
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGFIRE_", "OTEL_", "PYTEST_"))}
    return {**env, "HOME": str(home), "COLUMNS": "200"}


async def run_cli(home: Path, cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        LOGFIRE,
        *args,
        env=cli_env(home),
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), CLI_SECONDS)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def approve_in_browser(base_url: str, frontend_url: str, email: str) -> str:
    """Sign in, open the page the CLI printed, press Approve; the resulting page's text."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        login = await browser.post("/ui-api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        page = await browser.get(frontend_url)
        assert page.status_code == 200, page.text
        assert "Approve" in page.text
        code = re.search(r'name=code value="([^"]+)"', page.text)
        csrf = re.search(r'name=csrf_token value="([^"]+)"', page.text)
        assert code is not None
        assert csrf is not None
        assert csrf.group(1) == browser.cookies["hearth_csrf"]
        decided = await browser.post(
            "/device", data={"code": code.group(1), "decision": "approve", "csrf_token": csrf.group(1)}
        )
        assert decided.status_code == 200, decided.text
        return decided.text


@pytest.mark.timeout(240)
async def test_the_logfire_cli_against_hearth(
    tmp_path: Path, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    tenant = await make_tenant(db_pool, "acme", "web")
    ada = await make_user(db_pool, "ada@example.com", name="Ada Lovelace")
    await join_org(db_pool, tenant.organization_id, ada, "member")
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()

    async with backend_with_query_api(
        tmp_path, database_url, redis_url, db_pool, device_wait_seconds=1
    ) as relay:
        base = relay.backend
        # --- logfire auth: prints the approval URL, then polls until a signed-in user approves.
        process = await asyncio.create_subprocess_exec(
            LOGFIRE,
            "--non-interactive",
            "--base-url",
            base,
            "auth",
            env=cli_env(home),
            cwd=work,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stderr is not None
        printed = ""
        url = None
        while url is None:
            line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
            assert line, f"the CLI ended without printing a URL:\n{printed}"
            printed += line
            found = re.search(r"Please open (\S+) in your browser", line)
            url = found.group(1) if found else None
        assert url.startswith(f"{base}/device?code=")
        assert "Done" in await approve_in_browser(base, url, "ada@example.com")
        rest, _ = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, printed + rest.decode()

        credentials = tomllib.loads((home / ".logfire" / "default.toml").read_text())
        user_token = credentials["tokens"][base]["token"]
        assert user_token.startswith("hearth_ut_")
        assert credentials["tokens"][base]["expiration"].endswith("Z")

        # --- whoami (user token → /v1/account/me)
        code, _, err = await run_cli(home, work, "--base-url", base, "whoami")
        assert "Logged in as: Ada Lovelace" in err, err

        # --- projects new: creates the project and a write token, writes .logfire/logfire_credentials.json
        code, _, err = await run_cli(
            home, work, "--non-interactive", "--base-url", base, "projects", "new", "shop", "--org", "acme"
        )
        assert code == 0, err
        written = json.loads((work / ".logfire" / "logfire_credentials.json").read_text())
        assert written["project_name"] == "shop"
        assert written["project_url"] == f"{base}/acme/shop"
        assert written["logfire_api_url"] == base
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            info = await http.get("/v1/info", headers={"Authorization": written["token"]})
        assert info.json() == {"project_name": "shop", "project_url": f"{base}/acme/shop"}

        # --- the same name again: 409 → the CLI would ask for another name, which it cannot here
        code, _, err = await run_cli(
            home, work, "--non-interactive", "--base-url", base, "projects", "new", "shop", "--org", "acme"
        )
        assert code != 0
        assert "already exists" in err, err

        # --- projects list
        code, out, err = await run_cli(home, work, "--base-url", base, "projects", "list", "--json")
        assert code == 0, err
        assert json.loads(out) == [
            {"organization_name": "acme", "project_name": "shop"},
            {"organization_name": "acme", "project_name": "web"},
        ]

        # --- read-tokens create → a token the real query client uses
        code, out, err = await run_cli(
            home, work, "--base-url", base, "read-tokens", "--project", "acme/shop", "create"
        )
        assert code == 0, err
        read_token = out.strip()
        async with AsyncLogfireQueryClient(read_token, base_url=base) as client:
            assert await client.info() == {"organization_name": "acme", "project_name": "shop"}
            rows = await client.query_json_rows("SELECT count(*) AS n FROM records", min_timestamp=SINCE)
        assert rows["rows"] == [{"n": 0}]

        # --- read-tokens create --save: stored with the base URL it was made against
        code, _, err = await run_cli(
            home, work, "--base-url", base, "read-tokens", "--project", "acme/shop", "create", "--save"
        )
        assert code == 0, err
        saved = json.loads((work / ".logfire" / "read_token.json").read_text())
        assert saved["base_url"] == base
        assert saved["organization"] == "acme"

        # --- a project of an organization Ada is not in: refused, and no different from a missing one
        code, _, err = await run_cli(
            home, work, "--base-url", base, "read-tokens", "--project", "globex/x", "create"
        )
        assert code != 0
        assert "Error creating project read token" in err

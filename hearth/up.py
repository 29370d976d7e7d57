"""`hearth up`: the whole stack on one machine with no Docker.

Order: dependencies (embedded or external) → migrations → first project and tokens → every service as
its own process → wait for `/ready` → print where to go → supervise until SIGINT/SIGTERM → stop the
services (edge first), then Redis, then PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from hearth.embedded import EmbeddedPostgres, EmbeddedRedis
from hearth.settings import StackSettings
from hearth.supervisor import ServiceProcess, StartFailed, Supervisor, current_env, service_env
from hearth_shared.db import migrate_all, open_pool
from hearth_shared.db.bootstrap import ensure_first_project
from hearth_shared.errors import StartupError
from hearth_shared.passwords import generate_password, hash_password
from hearth_shared.settings import DatabaseSettings

#: Every service of the stack, in the order they are stopped (edge first, so no new work arrives).
SERVICES = ("gateway", "backend", "query_api", "ingest", "cache", "compaction", "maintenance")
CREDENTIALS_FILE = "credentials.json"


@dataclass(frozen=True)
class Dependencies:
    database_url: str
    redis_url: str
    storage_url: str


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def secret_key(data_dir: Path) -> str:
    """A random signing key made once per data dir, so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    _write_private(path, key)
    return key


async def migrate_and_bootstrap(settings: StackSettings, database_url: str) -> dict[str, str] | None:
    """Apply migrations; on an empty database create the first org, project, admin and tokens."""
    await migrate_all(DatabaseSettings(database_url=database_url))
    pool = await open_pool(database_url, min_size=1, max_size=2, connect_timeout=10)
    try:
        password = generate_password()
        first = await ensure_first_project(
            pool,
            org_slug=settings.organization,
            project_slug=settings.project,
            admin_email=settings.admin_email,
            admin_password_hash=hash_password(password),
        )
    finally:
        await pool.close()
    if first is None:
        return None
    return {
        "base_url": settings.base_url,
        "organization": settings.organization,
        "project": settings.project,
        "write_token": first.write_token,
        "read_token": first.read_token,
        "admin_email": settings.admin_email,
        "admin_password": password,
    }


def service_processes(settings: StackSettings, deps: Dependencies, key: str) -> list[ServiceProcess]:
    host = settings.bind_host
    base = current_env()
    shared = {
        "HEARTH_HOST": host,
        "HEARTH_DATABASE_URL": deps.database_url,
        "HEARTH_REDIS_URL": deps.redis_url,
        "HEARTH_STORAGE_URL": deps.storage_url,
        "HEARTH_SECRET_KEY": key,
        "HEARTH_PUBLIC_BASE_URL": settings.base_url,
        "HEARTH_BACKEND_URL": f"http://{host}:{settings.backend_port}",
        "HEARTH_QUERY_API_URL": f"http://{host}:{settings.query_api_port}",
        "HEARTH_INGEST_URLS": ",".join(f"http://{host}:{port}" for port in settings.ingest_replica_ports()),
        "HEARTH_WAL_DIR": str(settings.data_dir / "wal"),
        "HEARTH_CACHE_DIR": str(settings.data_dir / "cache"),
        "HEARTH_COMPACTION_WORK_DIR": str(settings.data_dir / "compaction"),
    }
    if not deps.storage_url.startswith("file://"):  # remote storage: queries read through the cache tier
        shared["HEARTH_QUERY_CACHE_URL"] = f"http://{host}:{settings.cache_port}"
    processes = []
    for name in SERVICES:
        port = settings.port_of(name)
        env = service_env(base, {**shared, "HEARTH_PORT": str(port)})
        processes.append(ServiceProcess(name, port, env, settings.data_dir / "logs" / f"{name}.log"))
    for n, port in enumerate(settings.ingest_replica_ports()[1:], start=1):
        replica = f"ingest-{n}"
        own = {
            "HEARTH_PORT": str(port),
            "HEARTH_WAL_DIR": str(settings.data_dir / f"wal-{n}"),
            "HEARTH_NODE_ID": replica,
        }
        env = service_env(base, {**shared, **own})
        log = settings.data_dir / "logs" / f"{replica}.log"
        processes.append(ServiceProcess(replica, port, env, log, service="ingest"))
    return processes


def print_welcome(settings: StackSettings, credentials: dict[str, str] | None) -> None:
    path = settings.data_dir / CREDENTIALS_FILE
    lines = [
        "",
        f"Hearth is up: {settings.base_url}",
        f"  data:        {settings.data_dir}",
        f"  logs:        {settings.data_dir / 'logs'}",
    ]
    if credentials is not None:
        lines += [
            f"  admin:       {credentials['admin_email']} / {credentials['admin_password']}",
            f"  project:     {credentials['organization']}/{credentials['project']}",
            f"  write token: {credentials['write_token']}",
            f"  read token:  {credentials['read_token']}",
            f"  (also in {path})",
            "",
            "Send data with the logfire SDK:",
            "  import logfire",
            f"  logfire.configure(token='{credentials['write_token']}',",
            f"                    advanced=logfire.AdvancedOptions(base_url='{settings.base_url}'))",
        ]
    else:
        lines.append(f"  credentials: {path} is missing; the database already had a project")
    lines += ["", "Ctrl-C stops every process.", ""]
    print("\n".join(lines), flush=True)


def run_up(settings: StackSettings) -> int:
    """Run the stack until SIGINT/SIGTERM; a signal at any point (even mid-start) stops cleanly."""
    try:
        return _run_up(settings)
    except KeyboardInterrupt:
        print("Hearth stopped.", file=sys.stderr, flush=True)
        return 0


def _run_up(settings: StackSettings) -> int:
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    stop_requested = False
    supervisor: Supervisor | None = None

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stop_requested
        if stop_requested:  # `uv run` forwards the signal the terminal already sent the group
            return
        stop_requested = True
        print(f"\n{signal.Signals(signum).name} received: stopping Hearth...", file=sys.stderr, flush=True)
        if supervisor is not None:
            supervisor.stopping.set()
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    with ExitStack() as cleanup:
        try:
            deps = start_dependencies(settings, cleanup)
            credentials = asyncio.run(migrate_and_bootstrap(settings, deps.database_url))
        except StartupError as exc:
            print(f"hearth up: cannot start: {exc.detail}", file=sys.stderr)
            return 2
        credentials_path = data_dir / CREDENTIALS_FILE
        if credentials is not None:
            _write_private(credentials_path, json.dumps(credentials, indent=2) + "\n")
        elif credentials_path.exists():
            credentials = json.loads(credentials_path.read_text())

        supervisor = Supervisor(service_processes(settings, deps, secret_key(data_dir)), settings.bind_host)
        cleanup.callback(supervisor.stop_all)
        supervisor.start_all()
        try:
            supervisor.wait_ready(settings.ready_timeout)
        except StartFailed as exc:
            print(f"hearth up: cannot start: {exc}", file=sys.stderr)
            return 1
        if stop_requested:
            return 0
        print_welcome(settings, credentials)
        supervisor.watch()
    print("Hearth stopped.", file=sys.stderr, flush=True)
    return 0


def start_dependencies(settings: StackSettings, cleanup: ExitStack) -> Dependencies:
    data_dir = settings.data_dir
    database_url = settings.database_url
    if database_url is None:
        postgres = EmbeddedPostgres(data_dir / "postgres")
        cleanup.callback(postgres.stop)
        database_url = postgres.start()
    redis_url = settings.redis_url
    if redis_url is None:
        redis = EmbeddedRedis(data_dir / "redis")
        cleanup.callback(redis.stop)
        redis_url = redis.start()
    storage_url = settings.storage_url or (data_dir / "objects").as_uri()
    if storage_url.startswith("file://"):
        (data_dir / "objects").mkdir(parents=True, exist_ok=True)
    return Dependencies(database_url, redis_url, storage_url)

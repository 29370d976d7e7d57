"""`hearth migrate` applies pending migrations once, then reports the database up to date."""

from __future__ import annotations

import os
import subprocess
import sys


def hearth(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return subprocess.run(
        [sys.executable, "-m", "hearth", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_applies_then_is_up_to_date(empty_database_url: str) -> None:
    first = hearth("migrate", "--database-url", empty_database_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied: 0001_")
    second = hearth("migrate", "--database-url", empty_database_url)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "database is up to date"


def test_migrate_unreachable_database_is_one_sentence() -> None:
    result = hearth("migrate", "--database-url", "postgresql://u:pw@127.0.0.1:9/hearth")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "unreachable" in result.stderr
    assert ":pw@" not in result.stderr

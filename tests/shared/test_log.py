"""JSON-lines logs: one object per line with level, service, message and extra fields."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import orjson
import pytest

from hearth_shared.log import configure_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; put it back so later tests log as before."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_extra_fields_and_exceptions(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("ingest", "INFO", "json")
    log = logging.getLogger("hearth.test")
    log.info("flushed %d rows", 42, extra={"project_id": "p1"})
    log.debug("hidden below INFO")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["level"] == "info"
    assert first["service"] == "ingest"
    assert first["msg"] == "flushed 42 rows"
    assert first["project_id"] == "p1"
    assert first["ts"].endswith("Z")
    assert second["level"] == "error"
    assert "ValueError: boom" in second["exc"]

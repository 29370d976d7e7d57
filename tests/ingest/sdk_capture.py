"""Run a real SDK scenario (``otlp_sdk_scenarios.py``) in a subprocess and convert what it sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_ingest.otlp import ConversionResult, decode_request
from tests.ingest.otlp_helpers import convert

SCENARIOS = Path(__file__).with_name("otlp_sdk_scenarios.py")


@dataclass
class Capture:
    """What one scenario sent, converted: its requests, the facts it reported, and the combined tables."""

    requests: list[tuple[str, bytes, str, str]]  # (signal, body, content type, content encoding)
    facts: dict[str, Any]
    results: list[ConversionResult]
    received_at: datetime
    statuses: list[int]  # what the forward server answered, when relaying

    def records(self) -> list[dict[str, Any]]:
        """Every records row of every request (fresh dicts: tests may not share mutations)."""
        rows: list[dict[str, Any]] = pa.concat_tables([r.records for r in self.results]).to_pylist()
        return rows

    def metrics(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = pa.concat_tables([r.metrics for r in self.results]).to_pylist()
        return rows

    def one(self, **match: Any) -> dict[str, Any]:
        found = [row for row in self.records() if all(row[k] == v for k, v in match.items())]
        assert len(found) == 1, (match, found)
        return found[0]


def capture(scenario: str, out: Path, *, forward_url: str | None = None, token: str | None = None) -> Capture:
    """Run ``scenario``; with ``forward_url`` its requests also go, as sent, to that server with ``token``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGFIRE_", "OTEL_", "PYTEST_"))}
    forward = [forward_url, token or ""] if forward_url else []
    subprocess.run(
        [sys.executable, str(SCENARIOS), scenario, str(out), *forward],
        check=True,
        env=env,
        cwd=out.parent,  # no .logfire/ credentials directory of the repository
        timeout=120,
    )
    manifest = json.loads((out / "manifest.json").read_text())
    requests = [
        (r["signal"], (out / r["file"]).read_bytes(), r["content_type"], r["content_encoding"])
        for r in manifest["requests"]
    ]
    # Converted "now": just after the scenario, as the ingest service would.
    received_at = datetime.now(UTC)
    results = [
        convert(signal, decode_request(signal, body, content_type), now=received_at, received_at=received_at)
        for signal, body, content_type, _ in requests
    ]
    return Capture(requests, manifest["facts"], results, received_at, manifest.get("statuses", []))

"""`make bench`: run every benchmark, print their figures, and keep them in a dated file under
``bench/results/`` (earlier files stay, so a regression shows as a diff between two of them).

Each benchmark runs as its own process, one after the other (they would skew each other's figures on a
2-core machine); its output is kept verbatim, under a header saying where and when it ran.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "results"

#: Ingest load paced at 110k spans/s over 8 connections (the SDKs of several processes).
_PACED = ["--connections", "8", "--rate", "110000"]

#: (name, module arguments); `--quick` runs smaller versions of the same benchmarks
BENCHMARKS: dict[str, list[str]] = {
    "otlp_convert": ["bench.otlp_convert"],
    # issue 3's target: 100k spans/s durable with p99 ack -> queryable <= 2 s; offered 10% above it
    "ingest": ["bench.ingest", "--duration", "30", *_PACED],
    # saturation: as fast as acknowledged (ack -> queryable then includes the backlog that builds)
    "ingest-saturation": ["bench.ingest", "--duration", "30", "--connections", "8"],
    # the baseline of the C fast path: the same offered load with the pure-Python span conversion
    "ingest-python-conversion": ["bench.ingest", "--duration", "30", *_PACED, "--conversion", "python"],
    # scaling: the same load over two ingest processes
    "ingest-2-replicas": ["bench.ingest", "--duration", "30", *_PACED, "--ingest-replicas", "2"],
    # cost growth: the same queries at 1M and at 10M spans
    "query-1m": ["bench.query", "--spans", "1000000", "--data-dir", ".bench-data/query-1m"],
    "query-10m": ["bench.query"],
    "compaction": ["bench.compaction"],
}
QUICK: dict[str, list[str]] = {
    "otlp_convert": ["bench.otlp_convert"],
    "ingest": ["bench.ingest", "--duration", "10", *_PACED],
    "ingest-saturation": ["bench.ingest", "--duration", "10", "--connections", "8"],
    "ingest-python-conversion": ["bench.ingest", "--duration", "10", *_PACED, "--conversion", "python"],
    "ingest-2-replicas": ["bench.ingest", "--duration", "10", *_PACED, "--ingest-replicas", "2"],
    "query-1m": [
        "bench.query",
        "--spans",
        "1000000",
        "--runs",
        "3",
        "--data-dir",
        ".bench-data/query-1m",
    ],
    "compaction": ["bench.compaction", "--spans", "300000", "--files", "60"],
}


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _header(started: datetime) -> str:
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain") else ""
    return "\n".join(
        [
            f"# Hearth benchmarks, {started:%Y-%m-%d %H:%M} UTC",
            "",
            f"- commit: {_git('rev-parse', '--short', 'HEAD')}{dirty}",
            f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            f"- load average at start: {load}",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller data sets and shorter runs")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    args = parser.parse_args(argv)
    chosen = QUICK if args.quick else BENCHMARKS
    names = [n for n in chosen if not args.only or n in args.only.split(",")]
    started = datetime.now(UTC)
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{started:%Y-%m-%d-%H%M}{'-quick' if args.quick else ''}.md"
    sections = [_header(started)]
    failed = 0
    for name in names:
        command = [sys.executable, "-m", *chosen[name]]
        print(f"\n=== {name}: {shlex.join(command[1:])}", flush=True)
        began = time.perf_counter()
        result = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
        print(result.stdout, end="", flush=True)
        status = "" if result.returncode == 0 else f" — FAILED (exit {result.returncode})"
        failed += result.returncode != 0
        sections.append(
            f"## {name}{status}\n\n`{shlex.join(command[1:])}`, {time.perf_counter() - began:.0f} s\n\n"
            f"```\n{result.stdout.rstrip()}\n```\n"
        )
    target.write_text("\n".join(sections))
    print(f"\nresults written to {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

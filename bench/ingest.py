"""Sustained ingest through the gateway: accepted and durable spans/s, ack → queryable, bytes/span, RSS.

Starts the whole stack with `hearth up` in a temporary data dir (embedded Postgres and Redis, local-disk
object storage), then several connections send Logfire-shaped, gzipped 1000-span requests
(``bench/workload.py``) as fast as the stack acknowledges them, for ``--duration`` seconds. Prints:

- accepted spans/s: spans in 200-acknowledged requests per second of load;
- durable spans/s: spans registered in the catalog (Parquet in storage) per second, during the load and
  until everything acknowledged is registered;
- ack → queryable p50/p99: for each request, from its acknowledgement to the first catalog sample whose
  registered row count covers it (WAL order is acknowledgement order; the catalog is sampled every
  50 ms, so figures are rounded up to that);
- ack → live view p50/p99: the same, against the rows a live view subscriber (``GET /v2/live`` of the
  query API, no filter) has received; the live tail is published before the Parquet is written;
- bytes per span on storage, and the peak RSS of the stack's processes (sum and per service);
- the baseline side by side: protobuf decode alone of the same bodies on one core, in this process
  before the load (the cheapest possible ingest work), and the ratio of durable spans/s to it.

The load generator shares the 2 cores with the stack; it speaks HTTP/1.1 itself (``bench/raw_http.py``) so
that its own CPU stays small (its CPU per span is printed with the services').
With ``--rate`` the load is paced (spans/s offered), to see ack → queryable below saturation.
Run: ``make bench`` or ``uv run python -m bench.ingest [--duration 30] [--connections 4] [--rate N]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import orjson
import psutil

from bench.raw_http import RawHttpConnection
from bench.workload import SPANS_PER_REQUEST, build_request
from hearth_ingest.otlp import decode_request
from tests.fixtures.stack import Stack, start_stack, stop_stack

CATALOG_SAMPLE_SECONDS = 0.05
MIB = 2**20
DRAIN_LIMIT_SECONDS = 180.0


@dataclass
class Load:
    acks: list[tuple[float, int]] = field(default_factory=list)  # (ack time, spans acknowledged so far)
    refused: dict[int, int] = field(default_factory=dict)  # status → count (503 when the WAL is full)
    acked_spans: int = 0


@dataclass
class CatalogSamples:
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (time, rows, bytes)

    @property
    def rows(self) -> int:
        return self.samples[-1][1] if self.samples else 0

    def first_covering(self, spans: int, start: int) -> tuple[int, float | None]:
        """Index and time of the first sample at or after ``start`` whose rows cover ``spans``."""
        for index in range(start, len(self.samples)):
            if self.samples[index][1] >= spans:
                return index, self.samples[index][0]
        return len(self.samples), None


def decode_baseline(bodies: list[bytes], loops: int = 5) -> float:
    """spans/s of protobuf decode alone, one core, best of ``loops``."""
    raw = [gzip.decompress(body) for body in bodies]
    best = float("inf")
    for _ in range(loops):
        started = time.perf_counter()
        for body in raw:
            decode_request("traces", body, "application/x-protobuf")
        best = min(best, time.perf_counter() - started)
    return len(raw) * SPANS_PER_REQUEST / best


def write_tokens(stack: Stack, count: int) -> list[str]:
    """The stack's write token and ``count - 1`` more of the same project (made as its admin would), so
    connections spread over the ingest replicas the gateway hashes tokens to."""
    credentials = stack.credentials
    tokens = [credentials["write_token"]]
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        login = client.post(
            "/ui-api/auth/login",
            json={"email": credentials["admin_email"], "password": credentials["admin_password"]},
        )
        login.raise_for_status()
        path = f"/ui-api/orgs/{credentials['organization']}/projects/{credentials['project']}/tokens"
        for n in range(count - 1):
            made = client.post(
                path,
                json={"kind": "write", "description": f"bench {n}"},
                headers={"x-csrf-token": login.json()["csrf_token"]},
            )
            made.raise_for_status()
            tokens.append(made.json()["token"])
    return tokens


async def send_load(
    stack: Stack,
    bodies: list[bytes],
    connections: int,
    duration: float,
    *,
    rate: float = 0.0,
    tokens: list[str] | None = None,
) -> Load:
    """Send for ``duration`` seconds, as fast as acknowledged or, with ``rate``, at that many spans/s."""
    load = Load()
    started = time.monotonic()
    interval = connections * SPANS_PER_REQUEST / rate if rate > 0 else 0.0  # per connection
    tokens = tokens or [stack.credentials["write_token"]]
    headers = {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}
    deadline = time.monotonic() + duration

    async def connection(number: int) -> None:
        token = {"Authorization": tokens[number % len(tokens)]}
        async with RawHttpConnection(stack.base_url, headers | token) as client:
            turn = number
            sent = 0
            while time.monotonic() < deadline:
                if interval:  # paced: request k of this connection leaves at its slot, not earlier
                    await asyncio.sleep(
                        max(0.0, started + (sent + number / connections) * interval - time.monotonic())
                    )
                    sent += 1
                body = bodies[turn % len(bodies)]
                turn += connections
                response = await client.post("/v1/traces", body)
                if response.status_code == 200:
                    load.acked_spans += SPANS_PER_REQUEST
                    load.acks.append((time.monotonic(), load.acked_spans))
                else:
                    load.refused[response.status_code] = load.refused.get(response.status_code, 0) + 1
                    await asyncio.sleep(float(response.headers.get("retry-after", "0.1")))

    await asyncio.gather(*(connection(n) for n in range(connections)))
    return load


async def sample_live(stack: Stack, samples: CatalogSamples, stop: asyncio.Event) -> None:
    """Rows a live view receives over time, as (time, cumulative rows, 0) samples."""
    headers = {"authorization": stack.credentials["read_token"], "accept": "text/event-stream"}

    async def read() -> None:
        received = 0
        async with (
            httpx.AsyncClient(base_url=stack.url_of("query_api"), timeout=60) as client,
            client.stream("GET", "/v2/live", headers=headers) as response,
        ):
            async for line in response.aiter_lines():
                if line.startswith('data: {"rows"'):
                    event = orjson.loads(line[6:])
                    received += len(event["rows"]) + event["skipped"]
                    samples.samples.append((time.monotonic(), received, 0))

    reader = asyncio.create_task(read())
    await stop.wait()
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reader


async def sample_catalog(database_url: str, samples: CatalogSamples, stop: asyncio.Event) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        while not stop.is_set():
            row = await connection.fetchrow(
                "SELECT coalesce(sum(row_count), 0)::bigint, coalesce(sum(byte_size), 0)::bigint "
                "FROM catalog_files WHERE table_name = 'records' AND retired_at IS NULL"
            )
            assert row is not None  # an aggregate always returns one row
            samples.samples.append((time.monotonic(), row[0], row[1]))
            await asyncio.sleep(CATALOG_SAMPLE_SECONDS)
    finally:
        await connection.close()


class ProcessSampler(threading.Thread):
    """Per service (all its processes together): peak resident memory and CPU seconds used."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(stack.process.pid)
        self.peak_total = 0
        self.peak_by_name: dict[str, int] = {}
        self.cpu_first: dict[int, tuple[str, float]] = {}  # pid → (service, CPU seconds when first seen)
        self.cpu_last: dict[int, float] = {}
        self.stopped = threading.Event()
        self.client_cpu = 0.0

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            self.sample()
        self.sample()

    def sample(self) -> None:
        rss_by_name: dict[str, int] = {}
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                with process.oneshot():
                    rss = process.memory_info().rss
                    times = process.cpu_times()
                name = (
                    self.cpu_first[process.pid][0] if process.pid in self.cpu_first else service_name(process)
                )
            except psutil.Error:
                continue
            cpu = times.user + times.system
            self.cpu_first.setdefault(process.pid, (name, cpu))
            self.cpu_last[process.pid] = cpu
            rss_by_name[name] = rss_by_name.get(name, 0) + rss
        for name, rss in rss_by_name.items():
            self.peak_by_name[name] = max(self.peak_by_name.get(name, 0), rss)
        self.peak_total = max(self.peak_total, sum(rss_by_name.values()))

    def cpu_by_name(self) -> dict[str, float]:
        used: dict[str, float] = {}
        for pid, (name, first) in self.cpu_first.items():
            used[name] = used.get(name, 0.0) + self.cpu_last[pid] - first
        return used


def wait_until_settled(stack: Stack, limit: float = 60.0) -> None:
    """Wait until the stack's processes use (almost) no CPU: the conversion workers import their
    modules in the background after start-up, and that CPU must not count against the load."""
    root = psutil.Process(stack.process.pid)
    deadline = time.monotonic() + limit

    def cpu() -> float:
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    before = cpu()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu()
        if now - before < 0.1:  # a second of the whole idle stack: background timers only
            return
        before = now


def service_name(process: psutil.Process) -> str:
    command = " ".join(process.cmdline())
    for name in ("gateway", "backend", "ingest", "query_api", "cache", "compaction", "maintenance"):
        if f"hearth_{name}" in command:
            return name
    if "multiprocessing" in command:
        parent = process.parent()
        return f"{service_name(parent)} workers" if parent is not None else "workers"
    if "postgres" in command:
        return "postgres"
    if "redis" in command:
        return "redis"
    return "hearth up"


def database_url_of(stack: Stack) -> str:
    """The embedded Postgres DSN, as `hearth up` gave it to its services."""
    for process in psutil.Process(stack.process.pid).children(recursive=True):
        try:
            url: str | None = process.environ().get("HEARTH_DATABASE_URL")
        except psutil.Error:
            continue
        if url:
            return url
    raise RuntimeError("no service of the stack has HEARTH_DATABASE_URL")


def ack_latencies(load: Load, samples: CatalogSamples) -> list[float]:
    """Per acknowledged request: seconds until the samples first cover its cumulative span count."""
    latencies: list[float] = []
    cursor = 0
    for acked_at, spans in load.acks:
        cursor, covered_at = samples.first_covering(spans, cursor)
        if covered_at is not None:
            latencies.append(max(0.0, covered_at - acked_at))
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


async def run(args: argparse.Namespace, stack: Stack, bodies: list[bytes]) -> None:
    tokens = await asyncio.to_thread(write_tokens, stack, args.tokens)
    samples = CatalogSamples()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_catalog(database_url_of(stack), samples, stop))
    live = CatalogSamples()
    live_sampler = asyncio.create_task(sample_live(stack, live, stop))
    await asyncio.sleep(0.5)  # the live view is subscribed before the first span
    await asyncio.to_thread(wait_until_settled, stack)
    rss = ProcessSampler(stack)
    rss.start()
    client = psutil.Process()
    client_cpu = sum(client.cpu_times()[:2])
    started = time.monotonic()
    load = await send_load(stack, bodies, args.connections, args.duration, rate=args.rate, tokens=tokens)
    load_seconds = time.monotonic() - started
    rss.client_cpu = sum(client.cpu_times()[:2]) - client_cpu  # the load generator shares the 2 cores
    at_load_end = samples.samples[-1][1] if samples.samples else 0
    drain_deadline = time.monotonic() + DRAIN_LIMIT_SECONDS
    # Polling on purpose: the catalog in Postgres is the thing measured.
    while samples.rows < load.acked_spans and time.monotonic() < drain_deadline:  # noqa: ASYNC110
        await asyncio.sleep(CATALOG_SAMPLE_SECONDS)
    stop.set()
    await sampler
    await live_sampler
    rss.stopped.set()
    rss.join()
    report(args, load, samples, rss, started, load_seconds, at_load_end, live)


def report(  # noqa: PLR0917 - one call site, every figure needs these
    args: argparse.Namespace,
    load: Load,
    samples: CatalogSamples,
    rss: ProcessSampler,
    started: float,
    load_seconds: float,
    at_load_end: int,
    live: CatalogSamples,
) -> None:
    final_time, final_rows, final_bytes = samples.samples[-1]
    latencies = ack_latencies(load, samples)
    live_latencies = ack_latencies(load, live) if live.samples else []
    durable = final_rows / (final_time - started)
    drain = final_time - started - load_seconds
    pace = f"offered {args.rate:,.0f} spans/s" if args.rate else "as fast as acknowledged"
    cpu = rss.cpu_by_name()
    cpu["load generator"] = rss.client_cpu
    cpu_per_million = ", ".join(
        f"{name} {seconds * 1e6 / max(final_rows, 1):.1f}"
        for name, seconds in sorted(cpu.items(), key=lambda item: -item[1])
        if seconds > 0.05
    )
    per_service = ", ".join(f"{name} {size / MIB:.0f}" for name, size in sorted(rss.peak_by_name.items()))
    lines = [
        ("load", f"{args.duration:.0f} s, {args.connections} conns, {SPANS_PER_REQUEST}-span gzip, {pace}"),
        ("ingest replicas", str(args.ingest_replicas)),
        ("span conversion", args.conversion),
        ("accepted", f"{load.acked_spans / load_seconds:,.0f} spans/s ({load.acked_spans:,} spans)"),
        ("refused", str(load.refused or "none")),
        ("durable during load", f"{at_load_end / load_seconds:,.0f} spans/s"),
        ("durable incl. drain", f"{durable:,.0f} spans/s (+{drain:.1f} s drain)"),
        ("bytes per span", f"{final_bytes / max(final_rows, 1):.1f} B on storage"),
        ("peak RSS", f"{rss.peak_total / MIB:,.0f} MiB total ({per_service} MiB)"),
        ("CPU s per 1M spans", cpu_per_million),
        ("baseline", f"protobuf decode only, 1 core: {args.baseline:,.0f} spans/s"),
        ("durable / baseline", f"{durable / args.baseline:.3f}"),
    ]  # fmt: skip
    if latencies:
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        lines.insert(5, ("ack -> queryable", f"p50 {p50:.2f} s, p99 {p99:.2f} s"))
    if live_latencies:
        p50, p99 = percentile(live_latencies, 0.5), percentile(live_latencies, 0.99)
        seen = f"{len(live_latencies)} of {len(load.acks)} requests seen live"
        lines.insert(6, ("ack -> live view", f"p50 {p50:.2f} s, p99 {p99:.2f} s ({seen})"))
    if final_rows < load.acked_spans:
        lines.append(
            ("NOT DRAINED", f"{final_rows:,} of {load.acked_spans:,} acknowledged spans in the catalog")
        )
    for label, value in lines:
        print(f"{label + ':':<22}{value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="spans/s to offer (default: as fast as acked)"
    )
    parser.add_argument("--bodies", type=int, default=16, help="distinct request bodies to cycle through")
    parser.add_argument(
        "--ingest-replicas", type=int, default=1, help="ingest processes behind the gateway (scaling)"
    )
    parser.add_argument(
        "--tokens", type=int, default=4, help="write tokens the connections use (spread over replicas)"
    )
    parser.add_argument(
        "--conversion",
        choices=["native", "python"],
        default="native",
        help="span conversion: the C fast path, or pure Python (the baseline it is measured against)",
    )
    args = parser.parse_args()

    rng = random.Random(20261123)
    now_ns = time.time_ns()
    bodies = [gzip.compress(build_request(rng, now_ns), 6) for _ in range(args.bodies)]
    args.baseline = decode_baseline(bodies)
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as temp:
        extra_env = {
            "HEARTH_INGEST_REPLICAS": str(args.ingest_replicas),
            "HEARTH_NATIVE_CONVERSION": str(args.conversion == "native").lower(),
        }
        stack = start_stack(Path(temp) / "data", extra_env=extra_env)
        try:
            asyncio.run(run(args, stack, bodies))
        finally:
            stop_stack(stack)


if __name__ == "__main__":
    main()

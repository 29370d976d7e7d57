"""Child process for the crash test: appends records concurrently and prints each acknowledged id.

Run as ``python -m tests.ingest.wal_child <wal_dir>``; the parent SIGKILLs it at a random moment.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from hearth_ingest.wal.format import Signal, WalRecord
from hearth_ingest.wal.writer import WalWriter


async def main(directory: Path) -> None:
    writer = WalWriter(
        directory,
        segment_max_bytes=64 * 1024,
        segment_max_age=0.05,
        budget_bytes=1 << 34,
        on_sealed=lambda s: None,
    )
    await writer.start()

    async def one(i: int) -> None:
        body = f"request-{i}".encode() * 50
        await writer.append(WalRecord("p1", Signal.TRACES, i, body))
        sys.stdout.write(f"{i}\n")
        sys.stdout.flush()

    i = 0
    while True:
        await asyncio.gather(*(one(i + k) for k in range(20)))
        i += 20


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))

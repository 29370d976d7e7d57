"""Single-flight: concurrent callers asking for the same key share one running fetch.

The fetch runs as its own task, shielded from its callers: a client that hangs up cancels only its own
wait, never the fill other requests are waiting on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._running: dict[K, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        """The result of ``fetch()``, started now unless a fetch for ``key`` is already running."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(fetch())
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task)

    async def join(self, key: K) -> V | None:
        """The result of the fetch running for ``key``, or None if there is none."""
        task = self._running.get(key)
        return None if task is None else await asyncio.shield(task)

    def _finished(self, key: K, task: asyncio.Task[V]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved here so an error nobody awaited is not logged as "never retrieved"

    async def close(self) -> None:
        """Cancel every running fetch (at shutdown)."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

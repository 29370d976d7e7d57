"""Which replica owns an object, and relaying a request to it.

Every replica builds the same ring from ``cache_peers`` (:mod:`hearth_shared.hashring`), so clients may
send any request to any replica (a Kubernetes Service in front of them all): a replica that does not
own the key forwards the request to the owner and streams its answer back, so each object is cached
on one disk only. The forwarded request carries ``X-Hearth-Cache-Forwarded``, and a replica always
serves such a request itself, so replicas whose peer lists disagree (mid-rollout) never loop.

A read never fails because a peer is down: if the owner refuses the connection, times out or answers
5xx, the replica reads the object from storage itself without caching it (the object is not its to
keep), and skips that owner for ``DOWN_SECONDS``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Final

import httpx

from hearth_shared.hashring import ReplicaRing

logger = logging.getLogger("hearth.cache.peers")

FORWARDED_HEADER: Final = "x-hearth-cache-forwarded"
NO_CACHE_HEADER: Final = "x-hearth-no-cache"
#: Request headers that travel to the owner; nothing else changes what it answers.
_FORWARD: Final = ("range", NO_CACHE_HEADER)
#: How long an owner that failed is skipped before it is tried again.
DOWN_SECONDS: Final = 5.0
#: Seconds between two body pieces from the owner (it may be filling a chunk from object storage).
READ_SECONDS: Final = 60.0


class Peers:
    """The ring of cache replicas, as seen by the replica at ``self_url``."""

    def __init__(self, peers: list[str], self_url: str | None, *, timeout: float) -> None:
        self.self_url = self_url
        self.ring = ReplicaRing(peers) if peers else None
        self._timeout = httpx.Timeout(connect=timeout, pool=timeout, read=READ_SECONDS, write=timeout)
        self._transports: dict[str, httpx.AsyncHTTPTransport] = {}
        self._down_until: dict[str, float] = {}

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Peers]:
        """Open one connection pool per other replica; close them on exit."""
        async with AsyncExitStack() as stack:
            for url in self.ring.urls if self.ring else ():
                if url != self.self_url:
                    # trust_env=False: proxy variables meant for outbound traffic must not catch peer calls.
                    transport = httpx.AsyncHTTPTransport(trust_env=False, retries=0)
                    self._transports[url] = await stack.enter_async_context(transport)
            yield self
            self._transports.clear()

    def owner(self, key: str) -> str | None:
        """The other replica that owns ``key``, or None when this replica serves it itself."""
        if self.ring is None:
            return None
        owner = self.ring.pick(key)
        return None if owner == self.self_url else owner

    def is_down(self, url: str) -> bool:
        return self._down_until.get(url, 0.0) > time.monotonic()

    async def forward(
        self, owner: str, method: str, raw_path: str, headers: Mapping[str, str]
    ) -> httpx.Response | None:
        """The owner's streamed answer (the caller closes it), or None when the owner failed."""
        if self.is_down(owner):
            return None
        outgoing = [(name, headers[name]) for name in _FORWARD if name in headers]
        outgoing.append((FORWARDED_HEADER, self.self_url or "1"))
        request = httpx.Request(
            method, owner + raw_path, headers=outgoing, extensions={"timeout": self._timeout.as_dict()}
        )
        try:
            response = await self._transports[owner].handle_async_request(request)
        except httpx.TransportError as exc:
            self._mark_down(owner, f"{type(exc).__name__}: {exc}")
            return None
        if response.status_code >= 500:
            await response.aclose()
            self._mark_down(owner, f"answered {response.status_code}")
            return None
        return response

    def _mark_down(self, owner: str, reason: str) -> None:
        self._down_until[owner] = time.monotonic() + DOWN_SECONDS
        logger.warning(
            "cache peer failed; reading its objects from storage for a while",
            extra={"peer": owner, "reason": reason, "skip_seconds": DOWN_SECONDS},
        )

"""Which ingest replica takes an OTLP request: a consistent hash of its ``Authorization`` header.

One write token belongs to one project, so one project's data lands on one replica (its WAL, its
Parquet buffers), and adding or removing a replica only moves the tokens of the replica concerned.
Every gateway process given the same replica URLs makes the same choice (the ring is built from the
URLs alone, see :mod:`hearth_shared.hashring`). A request without ``Authorization`` still goes to one
fixed replica, which answers 401.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hearth_shared.hashring import ReplicaRing

#: The ring key of requests without credentials.
ANONYMOUS_KEY = "-"


def ring_key(authorization: bytes | None) -> str:
    """The ring key for an ``Authorization`` header value: the token, with or without ``Bearer``."""
    if not authorization:
        return ANONYMOUS_KEY
    text = authorization.decode("latin-1").strip()
    scheme, _, rest = text.partition(" ")
    if scheme.lower() == "bearer":
        text = rest.strip()
    return text or ANONYMOUS_KEY


class IngestRing:
    """A consistent-hash ring over the ingest replicas' base URLs, keyed by ``Authorization``."""

    def __init__(self, urls: Sequence[str]) -> None:
        if not urls:
            raise ValueError("an ingest ring needs at least one replica")
        self._ring = ReplicaRing(urls)
        self.urls: tuple[str, ...] = self._ring.urls

    def pick(self, authorization: bytes | None) -> str:
        """The replica that owns this ``Authorization`` value."""
        return self._ring.pick(ring_key(authorization))

    def candidates(self, authorization: bytes | None) -> Iterator[str]:
        """Every replica once, in ring order starting with :meth:`pick`'s: where to go when one refuses."""
        return self._ring.candidates(ring_key(authorization))

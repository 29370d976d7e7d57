"""Which ingest replica takes an OTLP request: a consistent hash of its ``Authorization`` header.

One write token belongs to one project, so one project's data lands on one replica (its WAL, its
Parquet buffers), and adding or removing a replica only moves the tokens of the replica concerned.
Every gateway process given the same replica URLs makes the same choice (the ring is built from the
URLs alone). A request without ``Authorization`` still goes to one fixed replica, which answers 401.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from uhashring import HashRing

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
    """A consistent-hash ring over the ingest replicas' base URLs."""

    def __init__(self, urls: Sequence[str]) -> None:
        if not urls:
            raise ValueError("an ingest ring needs at least one replica")
        self.urls: tuple[str, ...] = tuple(urls)
        self._only = self.urls[0] if len(self.urls) == 1 else None
        self._ring = HashRing(nodes=list(self.urls))

    def pick(self, authorization: bytes | None) -> str:
        """The replica that owns this ``Authorization`` value."""
        if self._only is not None:
            return self._only
        node: str = self._ring.get_node(ring_key(authorization))
        return node

    def candidates(self, authorization: bytes | None) -> Iterator[str]:
        """Every replica once, in ring order starting with :meth:`pick`'s: where to go when one refuses."""
        if self._only is not None:
            yield self._only
            return
        seen: set[str] = set()
        node: str
        for node in self._ring.iterate_nodes(ring_key(authorization)):
            if node not in seen:
                seen.add(node)
                yield node
            if len(seen) == len(self.urls):
                return

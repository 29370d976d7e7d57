"""A consistent-hash ring over replica base URLs: which replica owns a key.

Used wherever work is spread over replicas by a key: the gateway spreads ingest requests by write
token, the cache spreads objects by object key. Every process given the same URLs builds the same ring
(it depends on the URLs alone, not their order or the process), and adding or removing a replica only
moves the keys of that replica::

    ring = ReplicaRing(["http://cache-0:9001", "http://cache-1:9001"])
    ring.pick("records/project=p/day=2026-01-01/f.parquet")   # -> the owner's URL
    list(ring.candidates(key))                                # owner first, then the others once each
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from uhashring import HashRing

__all__ = ["ReplicaRing"]


class ReplicaRing:
    """A consistent-hash ring over replica URLs (at least one; duplicates are ignored)."""

    def __init__(self, urls: Sequence[str]) -> None:
        unique = tuple(dict.fromkeys(urls))
        if not unique:
            raise ValueError("a replica ring needs at least one replica")
        self.urls: tuple[str, ...] = unique
        # One replica needs no hashing: the common single-process deployment pays nothing.
        self._only = unique[0] if len(unique) == 1 else None
        self._ring = HashRing(nodes=list(unique))

    def pick(self, key: str) -> str:
        """The replica that owns ``key``."""
        if self._only is not None:
            return self._only
        node: str = self._ring.get_node(key)
        return node

    def candidates(self, key: str) -> Iterator[str]:
        """Every replica once, in ring order starting with :meth:`pick`'s: where to go when one fails."""
        if self._only is not None:
            yield self._only
            return
        seen: set[str] = set()
        node: str
        for node in self._ring.iterate_nodes(key):
            if node not in seen:
                seen.add(node)
                yield node
            if len(seen) == len(self.urls):
                return

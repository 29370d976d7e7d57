"""Consistent hashing of ingest requests over the replicas."""

from __future__ import annotations

from collections import Counter

from hearth_gateway.ingest_ring import ANONYMOUS_KEY, IngestRing, ring_key

REPLICAS = ["http://ingest-0:8012", "http://ingest-1:8012", "http://ingest-2:8012"]
TOKENS = [f"pylf_v1_us_{i:04d}secret".encode() for i in range(2000)]


def test_same_token_same_replica() -> None:
    ring = IngestRing(REPLICAS)
    for token in TOKENS[:50]:
        assert len({ring.pick(token) for _ in range(5)}) == 1
        # Another gateway process with the same replica list agrees.
        assert IngestRing(REPLICAS).pick(token) == ring.pick(token)


def test_bearer_prefix_does_not_change_the_replica() -> None:
    ring = IngestRing(REPLICAS)
    for token in TOKENS[:50]:
        assert ring.pick(b"Bearer " + token) == ring.pick(token) == ring.pick(b"bearer  " + token)


def test_tokens_spread_over_every_replica() -> None:
    counts = Counter(IngestRing(REPLICAS).pick(token) for token in TOKENS)
    assert set(counts) == set(REPLICAS)
    # 160 virtual nodes each: no replica gets a tiny share (a loose bound, not a statistics test).
    assert min(counts.values()) > len(TOKENS) / len(REPLICAS) / 3


def test_removing_a_replica_moves_only_its_tokens() -> None:
    before = IngestRing(REPLICAS)
    after = IngestRing(REPLICAS[:2])
    moved = 0
    for token in TOKENS:
        old = before.pick(token)
        if old == REPLICAS[2]:
            moved += 1
            assert after.pick(token) in REPLICAS[:2]
        else:
            assert after.pick(token) == old
    assert moved > 0


def test_adding_a_replica_moves_tokens_only_to_it() -> None:
    before = IngestRing(REPLICAS[:2])
    after = IngestRing(REPLICAS)
    for token in TOKENS:
        new = after.pick(token)
        assert new == before.pick(token) or new == REPLICAS[2]


def test_no_authorization_is_deterministic() -> None:
    ring = IngestRing(REPLICAS)
    assert ring_key(None) == ring_key(b"") == ring_key(b"Bearer ") == ANONYMOUS_KEY
    assert ring.pick(None) == ring.pick(b"") == IngestRing(REPLICAS).pick(None)


def test_candidates_start_with_the_pick_and_cover_every_replica_once() -> None:
    ring = IngestRing(REPLICAS)
    for token in TOKENS[:100]:
        candidates = list(ring.candidates(token))
        assert candidates[0] == ring.pick(token)
        assert sorted(candidates) == sorted(REPLICAS)


def test_single_replica() -> None:
    ring = IngestRing(REPLICAS[:1])
    assert ring.pick(b"x") == REPLICAS[0]
    assert list(ring.candidates(b"x")) == REPLICAS[:1]

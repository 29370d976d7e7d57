"""The shared consistent-hash ring over replica URLs."""

from __future__ import annotations

from collections import Counter

import pytest

from hearth_shared.hashring import ReplicaRing

REPLICAS = ["http://cache-0:9001", "http://cache-1:9001", "http://cache-2:9001"]
KEYS = [f"records/project=p{i % 7}/day=2026-11-{i % 28 + 1:02d}/{i:06d}.parquet" for i in range(3000)]


def test_same_key_same_replica_in_every_process_and_order() -> None:
    ring = ReplicaRing(REPLICAS)
    shuffled = ReplicaRing(list(reversed(REPLICAS)))
    for key in KEYS[:200]:
        assert ring.pick(key) == ReplicaRing(REPLICAS).pick(key) == shuffled.pick(key)


def test_keys_spread_over_every_replica() -> None:
    counts = Counter(ReplicaRing(REPLICAS).pick(key) for key in KEYS)
    assert set(counts) == set(REPLICAS)
    assert min(counts.values()) > len(KEYS) / len(REPLICAS) / 3


def test_removing_a_replica_moves_only_its_keys() -> None:
    before, after = ReplicaRing(REPLICAS), ReplicaRing(REPLICAS[:2])
    moved = 0
    for key in KEYS:
        if before.pick(key) == REPLICAS[2]:
            moved += 1
        else:
            assert after.pick(key) == before.pick(key)
    assert moved > 0


def test_candidates_start_with_the_owner_and_cover_each_replica_once() -> None:
    ring = ReplicaRing(REPLICAS)
    for key in KEYS[:200]:
        candidates = list(ring.candidates(key))
        assert candidates[0] == ring.pick(key)
        assert sorted(candidates) == sorted(REPLICAS)


def test_single_replica_and_duplicates() -> None:
    ring = ReplicaRing([REPLICAS[0], REPLICAS[0]])
    assert ring.urls == (REPLICAS[0],)
    assert ring.pick("anything") == REPLICAS[0]
    assert list(ring.candidates("anything")) == [REPLICAS[0]]


def test_no_replica_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ReplicaRing([])

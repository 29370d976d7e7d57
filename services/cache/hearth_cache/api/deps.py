"""Dependencies of the cache routes, named once (the app's lifespan puts them on ``app.state``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hearth_cache.errors import CacheStarting
from hearth_cache.peers import Peers
from hearth_cache.reader import ObjectCache


def _state(request: Request, name: str) -> object:
    value = getattr(request.app.state, name, None)
    if value is None:
        raise CacheStarting("the cache is starting or stopping", retry_after=1)
    return value


def get_cache(request: Request) -> ObjectCache:
    cache = _state(request, "object_cache")
    assert isinstance(cache, ObjectCache)
    return cache


def get_peers(request: Request) -> Peers:
    peers = _state(request, "peers")
    assert isinstance(peers, Peers)
    return peers


CacheDep = Annotated[ObjectCache, Depends(get_cache)]
PeersDep = Annotated[Peers, Depends(get_peers)]

"""What the routes use, made by the app's lifespan (``app.state.query``), and its ``Annotated`` aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from hearth_query_api.live.stream import LiveOptions
from hearth_query_api.live.tail import LiveTail
from hearth_query_api.service import QueryService
from hearth_shared.token_cache import TokenCache


@dataclass(frozen=True, slots=True)
class QueryApi:
    tokens: TokenCache
    service: QueryService
    default_limit: int
    max_limit: int
    secret_key: str  # verifies internal grants (hearth_shared.internal_auth)
    live: LiveTail
    live_options: LiveOptions


async def _query_api(request: Request) -> QueryApi:  # async: FastAPI runs a plain def in a thread
    state: QueryApi = request.app.state.query
    return state


QueryApiDep = Annotated[QueryApi, Depends(_query_api)]

"""CORS at the edge: starlette's ``CORSMiddleware``, with the gateway's answers to preflights.

- An allowed preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) gets
  ``204 No Content`` with the ``Access-Control-Allow-*`` headers; it never reaches an upstream.
- A refused one gets a ``403`` problem saying what was refused (origin, method, headers).
- Other requests from an allowed origin get ``Access-Control-Allow-Origin`` on their response.
- Requests without ``Origin`` (SDKs, the CLI, same-origin navigation) skip the middleware entirely.

Only installed when ``cors_allow_origins`` is set; otherwise no CORS header is ever added, which
browsers read as same-origin only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hearth_shared.web import problem_response

ALLOW_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_AGE_SECONDS: Final = 600


class GatewayCORSMiddleware(CORSMiddleware):
    """``CORSMiddleware`` answering preflights with 204 or a 403 problem."""

    def __init__(self, app: ASGIApp, allow_origins: Sequence[str]) -> None:
        super().__init__(
            app,
            allow_origins=allow_origins,
            allow_methods=ALLOW_METHODS,
            allow_headers=["*"],  # mirrored back: Authorization, Content-Encoding, Content-Type…
            max_age=MAX_AGE_SECONDS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, _ in scope["headers"]:
                if name == b"origin":
                    break
            else:
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        headers = {
            name: value
            for name, value in answer.headers.items()
            if name not in {"content-length", "content-type"}
        }
        if answer.status_code < 300:
            return Response(status_code=204, headers=headers)
        refused = bytes(answer.body).decode().removeprefix("Disallowed CORS ")
        return problem_response(
            403,
            "CORS preflight refused",
            f"cross-origin request refused ({refused}) for origin {request_headers['origin']!r}",
            code="cors-refused",
            headers=headers,
        )

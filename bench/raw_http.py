"""A minimal keep-alive HTTP/1.1 client for load generation: POST a body, read the status, headers and a
Content-Length body back. The load generator shares the 2 cores with the stack it measures; httpx spent
~1.5 ms of CPU per 1000-span request there, this ~0.1 ms, which leaves the cores to the stack (as a
real SDK's machine would). Not for anything but the benchmarks' own stack: no TLS, no redirects, no
chunked responses.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class RawResponse:
    status_code: int
    headers: dict[str, str]  # lower-case names
    content: bytes


class RawHttpConnection:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> RawHttpConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()

    async def post(self, path: str, body: bytes) -> RawResponse:
        if self._writer is None or self._reader is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self._fixed}"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self._writer.writelines([head.encode("latin-1"), body])
        await self._writer.drain()
        status_line, _, header_block = (await self._reader.readuntil(b"\r\n\r\n")).partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        for line in header_block.decode("latin-1").split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        content = await self._reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self._writer.close()
            self._reader = self._writer = None
        return RawResponse(status, headers, content)

"""Login rate limit: at most ``max_attempts`` password attempts per (client IP, email) per window.

Counted in Redis (``hearth:login-attempts:<sha256>``), so the limit holds across backend replicas. The
counter starts with the first attempt and expires with the window; a successful login clears it. Once
over the limit every attempt is refused before the password is looked at, right or wrong, so guessing
learns nothing.
"""

from __future__ import annotations

import hashlib
from typing import Final

import redis.asyncio as aioredis

from hearth_backend.errors import LoginRateLimited

KEY_PREFIX: Final = "hearth:login-attempts:"


class LoginRateLimiter:
    def __init__(self, redis: aioredis.Redis, *, max_attempts: int, window_seconds: int) -> None:
        self._redis = redis
        self.max_attempts = max_attempts
        self.window_seconds = window_seconds

    @staticmethod
    def _key(client_ip: str, email: str) -> str:
        digest = hashlib.sha256(f"{client_ip}\0{email.strip().lower()}".encode()).hexdigest()
        return KEY_PREFIX + digest

    async def attempt(self, client_ip: str, email: str) -> None:
        """Count an attempt; raise 429 (with Retry-After) when over the limit."""
        key = self._key(client_ip, email)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=self.window_seconds, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
        if int(count) > self.max_attempts:
            raise LoginRateLimited(
                f"too many sign-in attempts for this email from your address; try again in {max(1, ttl)} s",
                retry_after=max(1, int(ttl)),
            )

    async def reset(self, client_ip: str, email: str) -> None:
        await self._redis.delete(self._key(client_ip, email))

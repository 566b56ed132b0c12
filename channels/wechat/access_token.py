"""The account's access token: fetched with app id + secret, shared by every
request, kept until shortly before it expires, fetched by one caller at a time
(the others wait for that fetch and share its result or its error).

WeChat allows 2,000 token fetches a day and each fetch invalidates the previous
token after a grace period, so fetching more than needed breaks other callers.
"""
from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, Optional

# Refresh this long before WeChat's expires_in (7200 s) runs out, but never wait
# for less than half the token's life.
EARLY_REFRESH = 300.0

Fetch = Callable[[], Awaitable[tuple[str, float]]]   # -> (token, expires_in seconds)


class AccessTokens:
    def __init__(self, fetch: Fetch, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._token: Optional[str] = None
        self._valid_until = 0.0
        self._inflight: Optional[asyncio.Task[str]] = None

    async def get(self) -> str:
        if self._token is not None and self._clock() < self._valid_until:
            return self._token
        if self._inflight is None:
            self._inflight = asyncio.ensure_future(self._refresh())
            self._inflight.add_done_callback(_retrieve)
        # shield: a caller that is cancelled does not cancel the others' fetch
        return await asyncio.shield(self._inflight)

    def invalidate(self, token: str) -> None:
        """WeChat said `token` is expired or invalid. A newer token is kept."""
        if token == self._token:
            self._token = None

    async def _refresh(self) -> str:
        try:
            token, expires_in = await self._fetch()
            self._token = token
            self._valid_until = self._clock() + max(expires_in - EARLY_REFRESH, expires_in / 2)
            return token
        finally:
            self._inflight = None


def _retrieve(task: "asyncio.Task[str]") -> None:
    """Mark the error as seen even when every waiter was cancelled."""
    if not task.cancelled():
        task.exception()

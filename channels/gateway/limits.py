"""How much one client may ask: rates (a bucket of N that refills over a period) and
things held open at once (kiosk pages, long-polls).

Every limit answers the same way: `Limited(what, retry_after)`, which the error
middleware (http.py) turns into 429 with a Retry-After header and a JSON error; where
a person sees it (a turn, a kiosk page) the channel says it in their language.
Keys are client addresses, conversations or kiosk pages; each table is bounded (the
least recently seen key is forgotten first, which can only ever let someone in).
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

from bot.settings import Settings

MAX_KEYS = 50_000   # buckets kept per limit


class Limited(Exception):
    """Over a limit: try again in `retry_after` seconds."""

    def __init__(self, what: str, retry_after: float) -> None:
        super().__init__(f"too many requests: {what}; try again in {seconds(retry_after)} s")
        self.what = what
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(seconds(self.retry_after))}


def seconds(value: float) -> int:
    """Retry-After is whole seconds, at least one."""
    return max(1, math.ceil(value))


class RateLimiter:
    """A token bucket per key: `count` at once, refilled evenly over `period` seconds.
    A count of 0 means no limit."""

    def __init__(self, count: int, period: float, max_keys: int = MAX_KEYS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.count, self.period = count, period
        self.max_keys, self.clock = max_keys, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @property
    def on(self) -> bool:
        return self.count > 0

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (float(self.count), now))
        return min(float(self.count), tokens + (now - last) * self.count / self.period)

    def wait(self, key: str) -> float:
        """The seconds until `key` may take one (0: now); nothing is taken."""
        if not self.on:
            return 0.0
        tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1 else (1 - tokens) * self.period / self.count

    def take(self, key: str) -> float:
        """Take one: 0 when allowed, else the seconds until one is free (nothing taken)."""
        if not self.on:
            return 0.0
        now = self.clock()
        tokens = self._tokens(key, now)
        self._buckets.pop(key, None)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) * self.period / self.count
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait

    def check(self, key: str, what: str) -> None:
        wait = self.take(key)
        if wait:
            raise Limited(what, wait)


class Concurrency:
    """At most `per_key` held at once for one key and `total` in all."""

    def __init__(self, per_key: int, total: Optional[int] = None) -> None:
        self.per_key, self.total = per_key, total
        self._held: dict[str, int] = {}
        self._all = 0

    def acquire(self, key: str) -> bool:
        if self._held.get(key, 0) >= self.per_key:
            return False
        if self.total is not None and self._all >= self.total:
            return False
        self._held[key] = self._held.get(key, 0) + 1
        self._all += 1
        return True

    def release(self, key: str) -> None:
        left = self._held.get(key, 0) - 1
        if left < 0:
            return
        self._all -= 1
        if left:
            self._held[key] = left
        else:
            del self._held[key]

    def held(self, key: Optional[str] = None) -> int:
        return self._all if key is None else self._held.get(key, 0)

    @contextmanager
    def hold(self, key: str, what: str, retry_after: float = 5.0) -> Iterator[None]:
        if not self.acquire(key):
            raise Limited(what, retry_after)
        try:
            yield
        finally:
            self.release(key)


class Limits:
    """Every limit of the gateway, made from the settings (bot/settings.py `limit_*`)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        def rate(name: str) -> RateLimiter:
            count, period = settings.rate(name)
            return RateLimiter(count, period, clock=clock)

        self.turns_conversation = rate("limit_turns_per_conversation")
        self.turns_address = rate("limit_turns_per_address")
        self.conversations_address = rate("limit_conversations_per_address")
        self.asr_address = rate("limit_asr_per_address")
        self.tts_address = rate("limit_tts_per_address")
        self.kiosk_messages = rate("limit_kiosk_messages")
        self.kiosk_sockets = Concurrency(settings.limit_kiosk_sockets_per_address,
                                         settings.limit_kiosk_sockets)
        self.polls_address = Concurrency(settings.limit_polls_per_address)
        self.polls_conversation = Concurrency(settings.limit_polls_per_conversation)

    def turn(self, address: str, conversation: str) -> None:
        """One turn of a person: their conversation's rate first, then their address's."""
        self.turns_conversation.check(conversation, "turns in this conversation")
        self.turns_address.check(address, "turns from this address")

"""Staff passwords: argon2id hashes only (argon2-cffi's RFC 9106 profile).

Hashing and verifying take tens of milliseconds of CPU on purpose: the gateway runs
them through `PasswordChecks`, in threads of their own, a few at a time, never on the
event loop and never in the thread pool everything else shares.
"""
from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.texts import staff_text

MIN_LENGTH = 10
WAITING_PER_SLOT = 8   # checks that may queue for each slot before the login says "busy"
_hasher = PasswordHasher()
T = TypeVar("T")


class PasswordChecks:
    """argon2 work for the gateway: at most `slots` at once, in threads of its own, and
    at most `slots * WAITING_PER_SLOT` waiting (then `busy`: the login answers 503)."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._executor = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="argon2")
        self._semaphore = asyncio.Semaphore(slots)
        self._queued = 0

    @property
    def busy(self) -> bool:
        return self._queued >= self.slots * (1 + WAITING_PER_SLOT)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        self._queued += 1
        try:
            async with self._semaphore:
                return await asyncio.get_running_loop().run_in_executor(
                    self._executor, functools.partial(fn, *args))
        finally:
            self._queued -= 1

    async def verify(self, password_hash: Optional[str], password: str) -> bool:
        return await self.run(lambda: verify_password(password_hash, password))

    async def hash(self, password: str) -> str:
        return await self.run(lambda: hash_password(password))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def weakness(password: str) -> Optional[str]:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return staff_text("console_password_short", length=MIN_LENGTH)
    if len(password) > 256:
        return staff_text("console_password_long")
    if len(set(password)) < 4:
        return staff_text("console_password_simple")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: Optional[str], password: str) -> bool:
    """True if it matches. An unknown user is checked against a dummy hash, so
    the answer takes as long either way (no telling which names exist)."""
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
        return matched and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not a real password, only for timing")

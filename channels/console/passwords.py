"""Staff passwords: argon2id hashes only (argon2-cffi's RFC 9106 profile).

Hashing and verifying take tens of milliseconds of CPU on purpose: callers in
the gateway run them in a thread, never on the event loop.
"""
from __future__ import annotations

import functools
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.texts import staff_text

MIN_LENGTH = 10
_hasher = PasswordHasher()


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

"""Conversations the gateway opens for clients of the JSON API.

A client never chooses the id it is known by: `POST /api/conversations` makes one
(`api-` and 20 random letters: it names the conversation in logs and the console but
opens nothing) and a secret token, of which only a hash is kept. Every later call
presents the token; without the right one the answer is the same whether the
conversation exists or not. Kiosk, phone and WeChat make their ids on the server and
never take one from a client.

The integrator's own id for the person (`user`) is kept as metadata, shown to staff
as a fact of the person's cases; it is never the key.
"""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
import string
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Optional

from channels.gateway.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,              -- the sender id inside the gateway: names, never opens
    token_hash TEXT NOT NULL UNIQUE,  -- SHA-256 of the secret only the client holds
    user TEXT,                        -- the integrator's own id for the person (metadata)
    source TEXT NOT NULL,             -- where it was opened from (clients.py: hashed)
    created_at REAL NOT NULL,
    used_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_use ON conversations(used_at);
"""

ID_PREFIX = "api-"
ID_LETTERS = 20           # 26^20: about 94 bits, and no digits for the masker to take for a number
TOUCH_EVERY = 3600.0      # `used_at` is written at most this often (retention reads it)
CACHE = 10_000            # recently used conversations, by token hash


@dataclass(frozen=True)
class Conversation:
    id: str
    user: Optional[str]
    source: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_id() -> str:
    return ID_PREFIX + "".join(secrets.choice(string.ascii_lowercase) for _ in range(ID_LETTERS))


def _insert(conn: sqlite3.Connection, conversation: Conversation, hashed: str, now: float) -> None:
    conn.execute("INSERT INTO conversations (id, token_hash, user, source, created_at, used_at)"
                 " VALUES (?, ?, ?, ?, ?, ?)",
                 (conversation.id, hashed, conversation.user, conversation.source, now, now))


def _find(conn: sqlite3.Connection, hashed: str) -> Optional[tuple[Conversation, float]]:
    row = conn.execute("SELECT id, user, source, used_at FROM conversations"
                       " WHERE token_hash = ?", (hashed,)).fetchone()
    if row is None:
        return None
    return Conversation(row["id"], row["user"], row["source"]), float(row["used_at"])


def _touch(conn: sqlite3.Connection, conversation_id: str, now: float) -> None:
    conn.execute("UPDATE conversations SET used_at = ? WHERE id = ?", (now, conversation_id))


def purge(conn: sqlite3.Connection, before: float) -> int:
    """Forget conversations nobody has used since `before` (retention.py)."""
    return conn.execute("DELETE FROM conversations WHERE used_at < ?", (before,)).rowcount


class Conversations:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self._cache: OrderedDict[str, tuple[Conversation, float]] = OrderedDict()

    async def open(self) -> None:
        await self.db.apply(SCHEMA)

    async def create(self, source: str, user: Optional[str] = None) -> tuple[Conversation, str]:
        """A new conversation and the token that opens it (given once, never stored)."""
        token = secrets.token_urlsafe(32)
        conversation = Conversation(new_id(), user, source)
        await self.db.run(_insert, conversation, token_hash(token), self.clock())
        return conversation, token

    async def find(self, token: str) -> Optional[Conversation]:
        """The conversation this token opens, or None."""
        if not token or len(token) > 200:
            return None
        hashed = token_hash(token)
        now = self.clock()
        found: Optional[tuple[Conversation, float]] = self._cache.get(hashed)
        if found is None:
            found = await self.db.run(_find, hashed)
            if found is None:
                return None
        conversation, used = found
        if now - used > TOUCH_EVERY:
            await self.db.run(_touch, conversation.id, now)
            used = now
        self._cache[hashed] = (conversation, used)
        self._cache.move_to_end(hashed)
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        return conversation

    def forget_cached(self) -> None:
        """After a purge: the next call reads the table again."""
        self._cache.clear()


def describe(conversation: Conversation) -> dict[str, Any]:
    return {"conversation": conversation.id, "user": conversation.user}

"""好差评 storage: ratings and reasons, in the gateway's one database.

The action server asks and signals; the gateway, which owns the data, stores:
rating, reason (masked), service id, channel, language and time. Storing is
never allowed to spoil the person's turn: the bot has already answered, so a
failing write is logged (without the reason's text) and the turn goes on.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any, Callable, Mapping, Optional

from bot.privacy import mask
from channels.gateway.db import Database

log = logging.getLogger("kaifong.ratings")

SCHEMA = """
CREATE TABLE IF NOT EXISTS ratings (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    reason TEXT,
    service TEXT,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ratings_sender ON ratings(sender, created);
CREATE INDEX IF NOT EXISTS ratings_created ON ratings(created, channel);
"""
MAX_REASON = 500


def add_rating(conn: sqlite3.Connection, sender: str, score: int, service: Optional[str],
               channel: str, language: str, now: float) -> None:
    conn.execute("INSERT INTO ratings (sender, score, service, channel, language, created)"
                 " VALUES (?, ?, ?, ?, ?, ?)", (sender, score, service, channel, language, now))


def change_rating(conn: sqlite3.Connection, sender: str, score: int) -> bool:
    """The person changed the rating they just gave (asked for a reason, they gave a
    new rating instead): one conversation, one rating. False if there was none."""
    cur = conn.execute("UPDATE ratings SET score = ? WHERE id = (SELECT id FROM ratings"
                       " WHERE sender = ? ORDER BY created DESC, id DESC LIMIT 1)",
                       (score, sender))
    return cur.rowcount > 0


def add_reason(conn: sqlite3.Connection, sender: str, reason: str) -> None:
    """The reason belongs to the person's latest rating."""
    conn.execute("UPDATE ratings SET reason = ? WHERE id = (SELECT id FROM ratings"
                 " WHERE sender = ? ORDER BY created DESC, id DESC LIMIT 1)",
                 (mask(reason)[:MAX_REASON], sender))


def figures(conn: sqlite3.Connection) -> dict[str, Any]:
    """For the admin console: count and average, and counts by score and service."""
    count, average = conn.execute("SELECT COUNT(*), AVG(score) FROM ratings").fetchone()
    by_score = {r[0]: r[1] for r in conn.execute(
        "SELECT score, COUNT(*) FROM ratings GROUP BY score")}
    by_service = {r[0]: r[1] for r in conn.execute(
        "SELECT COALESCE(service, ''), COUNT(*) FROM ratings GROUP BY service")}
    return {"count": count, "average": round(average, 2) if average else None,
            "by_score": by_score, "by_service": by_service}


def sender_ratings(conn: sqlite3.Connection, sender: str, limit: int = 20
                   ) -> list[dict[str, Any]]:
    """The person's ratings, newest first (shown on their case)."""
    return [dict(r) for r in conn.execute(
        "SELECT score, reason, service, channel, language, created FROM ratings"
        " WHERE sender = ? ORDER BY created DESC, id DESC LIMIT ?", (sender, limit))]


def rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM ratings ORDER BY created, id")]


def _score(signals: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    rating = signals.get("rating")
    if isinstance(rating, dict) and type(rating.get("score")) is int and 1 <= rating["score"] <= 5:
        return rating
    return None


def _reason(signals: Mapping[str, Any]) -> Optional[str]:
    reason = signals.get("rating_reason")
    if isinstance(reason, dict) and isinstance(reason.get("reason"), str) and reason["reason"]:
        return reason["reason"]
    return None


class RatingStore:
    """The async face the pipeline and the console use."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    async def open(self) -> None:
        await self.db.apply(SCHEMA)

    async def record(self, sender: str, channel: str, signals: Mapping[str, Any]) -> bool:
        """Store what the actions signalled this turn (nothing if nothing).
        False when storing failed; it never raises."""
        rating, reason = _score(signals), _reason(signals)
        if rating is None and reason is None:
            return True

        def write(conn: sqlite3.Connection) -> None:
            if rating is not None and not (rating.get("again")
                                           and change_rating(conn, sender, rating["score"])):
                add_rating(conn, sender, rating["score"], rating.get("service"), channel,
                           str(rating.get("language") or "cmn"), self.clock())
            if reason is not None:
                add_reason(conn, sender, reason)
        try:
            await self.db.run(write)
        except (sqlite3.Error, RuntimeError) as exc:
            log.error("a rating could not be stored (channel=%s): %s", channel,
                      exc.__class__.__name__)
            return False
        return True

    async def figures(self) -> dict[str, Any]:
        return await self.db.run(figures)

    async def rows(self) -> list[dict[str, Any]]:
        return await self.db.run(rows)

    async def by_sender(self, sender: str) -> list[dict[str, Any]]:
        return await self.db.run(sender_ratings, sender)

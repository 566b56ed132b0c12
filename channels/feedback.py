"""好差评 storage: ratings and reasons in SQLite (data_dir/feedback.db).

The action server asks and signals; the gateway, which owns the data, stores:
rating, reason (masked), service id, channel, language and time.
"""
from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any, Optional

from bot.privacy import mask

_SCHEMA = """
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
"""


class FeedbackStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def _add(self, sender: str, score: int, service: Optional[str], channel: str,
             language: str) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO ratings (sender, score, service, channel, language, created)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (sender, score, service, channel, language, time.time()))

    def _reason(self, sender: str, reason: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE ratings SET reason = ? WHERE id = (SELECT id FROM ratings"
                       " WHERE sender = ? ORDER BY created DESC LIMIT 1)", (mask(reason)[:500], sender))

    async def record(self, sender: str, channel: str, signals: dict[str, Any]) -> None:
        """Store what the actions signalled this turn (nothing if nothing)."""
        rating = signals.get("rating")
        if isinstance(rating, dict) and isinstance(rating.get("score"), int) \
                and 1 <= rating["score"] <= 5:
            await asyncio.to_thread(self._add, sender, rating["score"], rating.get("service"),
                                    channel, str(rating.get("language") or "cmn"))
        reason = signals.get("rating_reason")
        if isinstance(reason, dict) and isinstance(reason.get("reason"), str):
            await asyncio.to_thread(self._reason, sender, reason["reason"])

    def figures(self) -> dict[str, Any]:
        """For the admin console: count and average, and counts by score and service."""
        with self._connect() as db:
            count, average = db.execute("SELECT COUNT(*), AVG(score) FROM ratings").fetchone()
            by_score = dict(db.execute("SELECT score, COUNT(*) FROM ratings GROUP BY score"))
            by_service = dict(db.execute(
                "SELECT COALESCE(service, ''), COUNT(*) FROM ratings GROUP BY service"))
        return {"count": count, "average": round(average, 2) if average else None,
                "by_score": by_score, "by_service": by_service}

    def rows(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM ratings ORDER BY created")]

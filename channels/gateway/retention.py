"""Data at rest is kept `retention_days` (default 90), then its words go.

What goes: the transcripts of cases that ended before then (messages, internal notes),
their facts and the number left to ring back; staff messages in the outbox; the masked
text of unresolved turns; the reason given with a rating; /api conversations nobody has
used since; and in Rasa's tracker store every conversation whose last event is older.
What stays, without text: each case (its times, reason, service, channel: the figures),
each turn record, each rating's score. Deleted rows are overwritten (secure_delete), and
the write-ahead log is emptied after.

Run by a daily job in the gateway (`setup_retention`) and by `make purge`
(channels/tools/purge.py); both call `purge_files`.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path
from typing import AsyncIterator, Optional

from aiohttp import web

from bot.settings import Settings
from channels.gateway import conversations
from channels.gateway.db import database_path
from channels.gateway.files import private_database
from channels.gateway.keys import CONVERSATIONS, SETTINGS

log = logging.getLogger("kaifong.retention")

DAY = 86400.0
PURGED = "purged"   # the sender of a case or rating whose person is forgotten


def cutoff(settings: Settings, now: Optional[float] = None) -> Optional[float]:
    """Data older than this goes; None: keep everything (retention_days 0)."""
    if settings.retention_days <= 0:
        return None
    return (time.time() if now is None else now) - settings.retention_days * DAY


def tracker_path(settings: Settings) -> Path:
    return Path(settings.tracker_database or Path(settings.data_dir) / "rasa_tracker.db")


def purge_gateway(conn: sqlite3.Connection, before: float) -> dict[str, int]:
    """The gateway's own tables (each part only if that part has made its table)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    done: dict[str, int] = {}
    if "cases" in tables:
        ended = "SELECT id FROM cases WHERE ended_at IS NOT NULL AND ended_at < ?"
        done["case messages"] = conn.execute(
            f"DELETE FROM case_messages WHERE case_id IN ({ended})", (before,)).rowcount
        done["case notes"] = conn.execute(
            f"DELETE FROM case_notes WHERE case_id IN ({ended})", (before,)).rowcount
        done["cases"] = conn.execute(
            "UPDATE cases SET facts = '{}', callback_phone = NULL, sender = ? WHERE"
            " ended_at IS NOT NULL AND ended_at < ? AND sender != ?",
            (PURGED, before, PURGED)).rowcount
        done["outbox"] = conn.execute("DELETE FROM outbox WHERE created_at < ?",
                                      (before,)).rowcount
    if "turns" in tables:
        done["turn texts"] = conn.execute(
            "UPDATE turns SET text = NULL WHERE at < ? AND text IS NOT NULL", (before,)).rowcount
    if "ratings" in tables:
        done["rating reasons"] = conn.execute(
            "UPDATE ratings SET reason = NULL, sender = ? WHERE created < ? AND sender != ?",
            (PURGED, before, PURGED)).rowcount
    if "conversations" in tables:
        done["api conversations"] = conversations.purge(conn, before)
    return done


def purge_tracker(path: Path, before: float) -> int:
    """Rasa's tracker store: whole conversations whose last event is older than `before`
    (a conversation still going keeps its history: Rasa reads it)."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "events" not in tables:
            return 0
        conn.execute("BEGIN IMMEDIATE")
        deleted = conn.execute(
            "DELETE FROM events WHERE sender_id IN (SELECT sender_id FROM events"
            " GROUP BY sender_id HAVING MAX(timestamp) < ?)", (before,)).rowcount
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted
    finally:
        conn.close()
        private_database(path)


def _purge_gateway_file(path: Path, before: float) -> dict[str, int]:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("BEGIN IMMEDIATE")
        try:
            done = purge_gateway(conn, before)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return done
    finally:
        conn.close()
        private_database(path)


def purge_files(settings: Settings, now: Optional[float] = None) -> dict[str, int]:
    """Both databases, each on a connection of its own (safe while the gateway and Rasa
    run: SQLite's locks and busy timeout). What was purged, by kind."""
    before = cutoff(settings, now)
    if before is None:
        return {}
    done: dict[str, int] = {}
    gateway_db = database_path(settings)
    if gateway_db.exists():
        done.update(_purge_gateway_file(gateway_db, before))
    done["tracker events"] = purge_tracker(tracker_path(settings), before)
    return done


# --- the daily job in the gateway -----------------------------------------------------

def setup_retention(app: web.Application) -> None:
    app.cleanup_ctx.append(_daily)


async def _daily(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.get_running_loop().create_task(run_daily(app))
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass


async def run_daily(app: web.Application, every: float = DAY) -> None:
    """Once at start, then once a day."""
    while True:
        await purge_now(app)
        await asyncio.sleep(every)


async def purge_now(app: web.Application) -> dict[str, int]:
    settings = app[SETTINGS]
    if cutoff(settings) is None:
        return {}
    try:
        done = await asyncio.get_running_loop().run_in_executor(None, purge_files, settings)
    except (sqlite3.Error, OSError):
        log.exception("retention: the purge failed; it is tried again tomorrow")
        return {}
    if CONVERSATIONS in app:
        app[CONVERSATIONS].forget_cached()
    purged = {k: v for k, v in done.items() if v}
    log.info("retention: older than %g days purged: %s", settings.retention_days,
             ", ".join(f"{k} {v}" for k, v in purged.items()) or "nothing")
    return done

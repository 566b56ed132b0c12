"""Canned replies: sentences staff send often, each in Mandarin and in Cantonese
(written in Simplified; the person gets their own script like any staff reply).
Admins edit them; everyone uses them. A new database starts with a few from
bot/texts.yml (console_canned_*), once: an admin who deletes them all keeps none.

Plain functions of a sqlite3 connection, run by `Database.run` in one transaction each.
"""
from __future__ import annotations

import sqlite3
import time
from typing import Any, Optional

from bot.texts import say, staff_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS canned_replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    cmn TEXT NOT NULL,
    yue TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    updated_by TEXT
);
CREATE TABLE IF NOT EXISTS console_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

DEFAULTS = ("greeting", "wait", "materials", "callback", "goodbye")
MAX_TITLE, MAX_TEXT, MAX_REPLIES = 20, 500, 50


class CannedError(Exception):
    """A wrong canned reply; the message is shown to the admin as is."""


def seed(conn: sqlite3.Connection, now: Optional[float] = None) -> None:
    """The first time only: a few replies to start with."""
    if conn.execute("SELECT 1 FROM console_meta WHERE key = 'canned_seeded'").fetchone():
        return
    for position, key in enumerate(DEFAULTS):
        conn.execute("INSERT INTO canned_replies (title, cmn, yue, position, updated_at)"
                     " VALUES (?, ?, ?, ?, ?)",
                     (staff_text(f"console_canned_{key}_title"),
                      say(f"console_canned_{key}", "cmn"), say(f"console_canned_{key}", "yue"),
                      position, now or time.time()))
    conn.execute("INSERT INTO console_meta (key, value) VALUES ('canned_seeded', '1')")


def list_replies(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT id, title, cmn, yue, position FROM canned_replies"
                        " ORDER BY position, id").fetchall()
    return [dict(row) for row in rows]


def _clean(body: dict[str, Any]) -> tuple[str, str, str]:
    values = []
    for name, limit in (("title", MAX_TITLE), ("cmn", MAX_TEXT), ("yue", MAX_TEXT)):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise CannedError(staff_text("console_canned_need"))
        if len(value.strip()) > limit:
            raise CannedError(staff_text("console_canned_long", length=limit))
        values.append(value.strip())
    return values[0], values[1], values[2]


def add_reply(conn: sqlite3.Connection, body: dict[str, Any], staff: str, now: float) -> int:
    title, cmn, yue = _clean(body)
    count, last = conn.execute("SELECT COUNT(*), COALESCE(MAX(position), -1)"
                               " FROM canned_replies").fetchone()
    if count >= MAX_REPLIES:
        raise CannedError(staff_text("console_canned_full", length=MAX_REPLIES))
    cur = conn.execute("INSERT INTO canned_replies (title, cmn, yue, position, updated_at,"
                       " updated_by) VALUES (?, ?, ?, ?, ?, ?)",
                       (title, cmn, yue, last + 1, now, staff))
    return int(cur.lastrowid)


def change_reply(conn: sqlite3.Connection, reply_id: int, body: dict[str, Any], staff: str,
                 now: float) -> None:
    title, cmn, yue = _clean(body)
    cur = conn.execute("UPDATE canned_replies SET title = ?, cmn = ?, yue = ?, updated_at = ?,"
                       " updated_by = ? WHERE id = ?", (title, cmn, yue, now, staff, reply_id))
    if cur.rowcount != 1:
        raise CannedError(staff_text("console_canned_gone"))


def delete_reply(conn: sqlite3.Connection, reply_id: int) -> None:
    if conn.execute("DELETE FROM canned_replies WHERE id = ?", (reply_id,)).rowcount != 1:
        raise CannedError(staff_text("console_canned_gone"))

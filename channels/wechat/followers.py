"""The followers table: what the channel must remember to write to a person
later (a late answer, a staff reply after a restart), in the gateway's database.

    sender          the person's id in Kaifong (identity.py)
    openid          WeChat's id for them: needed to send; never shown or logged
    nickname        when WeChat still gives it (shown to staff on a case)
    last_message    when they last wrote: customer-service messages reach them
                    only within 48 hours of it
    unsubscribed    they unfollowed the account: nothing reaches them
    unreachable     why staff were told they cannot be reached now (window,
                    unsubscribed, failed), or NULL
    delivered_up_to the last outbox id sent to them, so a delivery that failed
                    half-way never sends the first half twice

Plain functions of a sqlite3 connection, run by the gateway's database thread.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Optional

SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_followers (
    sender TEXT PRIMARY KEY,
    openid TEXT NOT NULL,
    nickname TEXT,
    last_message REAL NOT NULL,
    unsubscribed INTEGER NOT NULL DEFAULT 0,
    unreachable TEXT,
    delivered_up_to INTEGER NOT NULL DEFAULT 0
);
"""

WINDOW_SECONDS = 48 * 3600   # WeChat's customer-service message window
WINDOW, UNSUBSCRIBED, FAILED = "window", "unsubscribed", "failed"


@dataclass(frozen=True)
class Follower:
    sender: str
    openid: str
    nickname: Optional[str]
    last_message: float
    unsubscribed: bool
    unreachable: Optional[str]
    delivered_up_to: int

    def why_unreachable(self, now: float) -> Optional[str]:
        """Why a customer-service message cannot reach them now, or None."""
        if self.unsubscribed:
            return UNSUBSCRIBED
        if now - self.last_message > WINDOW_SECONDS:
            return WINDOW
        return None


def get(conn: sqlite3.Connection, sender: str) -> Optional[Follower]:
    row = conn.execute("SELECT sender, openid, nickname, last_message, unsubscribed,"
                       " unreachable, delivered_up_to FROM wechat_followers WHERE sender = ?",
                       (sender,)).fetchone()
    if row is None:
        return None
    return Follower(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])


def wrote(conn: sqlite3.Connection, sender: str, openid: str, now: float) -> Follower:
    """The person wrote (or tapped the menu, or followed): the 48 hours start again.
    Returns the row as it was before, so the caller sees what this changes."""
    before = get(conn, sender)
    conn.execute(
        "INSERT INTO wechat_followers (sender, openid, last_message) VALUES (?, ?, ?)"
        " ON CONFLICT(sender) DO UPDATE SET openid = excluded.openid,"
        " last_message = MAX(last_message, excluded.last_message), unsubscribed = 0",
        (sender, openid, now))
    return before or Follower(sender, openid, None, now, False, None, 0)


def unsubscribed(conn: sqlite3.Connection, sender: str) -> None:
    conn.execute("UPDATE wechat_followers SET unsubscribed = 1 WHERE sender = ?", (sender,))


def set_nickname(conn: sqlite3.Connection, sender: str, nickname: str) -> None:
    conn.execute("UPDATE wechat_followers SET nickname = ? WHERE sender = ?", (nickname, sender))


def set_unreachable(conn: sqlite3.Connection, sender: str, why: Optional[str]) -> bool:
    """Record why staff were told (None: reachable again); True when it changed."""
    cursor = conn.execute("UPDATE wechat_followers SET unreachable = ? WHERE sender = ?"
                          " AND unreachable IS NOT ?", (why, sender, why))
    return cursor.rowcount == 1


def delivered(conn: sqlite3.Connection, sender: str, up_to: int) -> None:
    conn.execute("UPDATE wechat_followers SET delivered_up_to = MAX(delivered_up_to, ?)"
                 " WHERE sender = ?", (up_to, sender))

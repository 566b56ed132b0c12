"""A WeChat message is handled once, however often WeChat delivers it.

WeChat waits 5 s for an answer and then sends the same message again, up to
three times, so a retry can arrive while the first delivery is still being
processed — or after a gateway restart. Each message's key (messages.dedupe_key)
is claimed in SQLite; the first claim wins. What became of it is kept, so a
retry can be given the same answer:

    processing ──> answered (the passive reply's text, to repeat to a retry)
               └─> later    (the answer goes as a customer-service message:
                             a retry gets `success`)

Plain functions of a sqlite3 connection, run by the gateway's database thread
inside one transaction each. Times are Unix seconds. Keep keys for at least
60 s (WeChat's retries span about 15 s): forget_older_than(conn, now - 300).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Optional

SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_deliveries (
    key TEXT PRIMARY KEY,              -- msg:<MsgId> or evt:<openid>:<CreateTime>:<event>:<key>
    state TEXT NOT NULL,               -- processing, answered, later
    reply TEXT,                        -- the passive reply's text (answered)
    first_seen REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS wechat_deliveries_by_age ON wechat_deliveries(first_seen);
"""

PROCESSING, ANSWERED, LATER = "processing", "answered", "later"
RETENTION_SECONDS = 300.0


@dataclass(frozen=True)
class Delivery:
    key: str
    state: str
    reply: Optional[str]
    first_seen: float


def claim(conn: sqlite3.Connection, key: str, now: float) -> bool:
    """True the first time `key` is seen (it is then `processing`); False for a retry."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO wechat_deliveries (key, state, first_seen, updated_at) "
        "VALUES (?, ?, ?, ?)", (key, PROCESSING, now, now))
    return cursor.rowcount == 1


def answered(conn: sqlite3.Connection, key: str, reply: str, now: float) -> None:
    """The first delivery was answered with `reply` (a retry gets the same text)."""
    conn.execute("UPDATE wechat_deliveries SET state = ?, reply = ?, updated_at = ? WHERE key = ?",
                 (ANSWERED, reply, now, key))


def answered_later(conn: sqlite3.Connection, key: str, now: float) -> None:
    """The answer goes (or went) as a customer-service message; a retry gets `success`."""
    conn.execute("UPDATE wechat_deliveries SET state = ?, reply = NULL, updated_at = ? "
                 "WHERE key = ?", (LATER, now, key))


def delivery(conn: sqlite3.Connection, key: str) -> Optional[Delivery]:
    row = conn.execute("SELECT key, state, reply, first_seen FROM wechat_deliveries "
                       "WHERE key = ?", (key,)).fetchone()
    return Delivery(row[0], row[1], row[2], row[3]) if row else None


def forget_older_than(conn: sqlite3.Connection, t: float) -> int:
    """Drop keys first seen before `t`; the number dropped."""
    return conn.execute("DELETE FROM wechat_deliveries WHERE first_seen < ?", (t,)).rowcount


@dataclass(frozen=True)
class RetryAnswer:
    """How to answer a retry: `repeat` the first reply's text (passive reply),
    answer `success`, or `wait` (the first delivery is still being processed:
    look again shortly, and answer `success` before WeChat's 5 s are up)."""
    action: str                  # repeat, success, wait
    text: Optional[str] = None   # for repeat


def retry_answer(seen: Optional[Delivery]) -> RetryAnswer:
    if seen is None or seen.state == PROCESSING:
        return RetryAnswer("wait")
    if seen.state == ANSWERED and seen.reply:
        return RetryAnswer("repeat", seen.reply)
    return RetryAnswer("success")

"""The handoff queue's tables and the queries on them.

Plain functions of a sqlite3 connection, run by `Database.run` inside one
transaction each. Times are Unix seconds.

A case's life:

    waiting ──claim──> with_staff ──hand back──> returned
       │                   └──────close──────> closed
       ├──cancel──> cancelled (or callback, when the person left a number)
       ├──the channel put the person through to agents (a phone transfer)──> transferred
       └──close───> closed
    callback (a number to ring back) ──claim, ring, close──> closed

While a case is `waiting` or `with_staff` the gateway routes the person's
messages to it instead of the bot; at most one such case per person.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Optional

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sender TEXT NOT NULL,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    script TEXT NOT NULL,
    service TEXT,
    reason TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'queue',   -- queue (someone waited) or callback (off hours)
    urgent INTEGER NOT NULL DEFAULT 0,
    facts TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,
    staff TEXT,
    callback_phone TEXT,
    created_at REAL NOT NULL,
    waiting_since REAL NOT NULL,
    claimed_at REAL,
    ended_at REAL
);
CREATE INDEX IF NOT EXISTS cases_by_state ON cases(state, urgent, waiting_since);
CREATE UNIQUE INDEX IF NOT EXISTS one_live_case_per_sender
    ON cases(sender) WHERE state IN ('waiting', 'with_staff');
CREATE TABLE IF NOT EXISTS case_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    author TEXT NOT NULL,          -- user, bot (before the handoff), staff, system
    staff TEXT,
    text TEXT NOT NULL,            -- the person's and the bot's turns are stored masked
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS case_messages_by_case ON case_messages(case_id, id);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sender TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    author TEXT NOT NULL,          -- staff, or assistant (the hand-back greeting)
    text TEXT NOT NULL,            -- already in the person's language and script
    created_at REAL NOT NULL,
    delivered_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_by_sender ON outbox(sender, id);
"""

LIVE = ("waiting", "with_staff")          # the person's messages go to the case
OPEN = ("waiting", "with_staff", "callback")  # shown in the console's queue
CLAIMABLE = ("waiting", "callback")
STATES = ("waiting", "with_staff", "callback", "returned", "closed", "cancelled", "transferred")


@dataclass(frozen=True)
class Case:
    id: int
    sender: str
    channel: str
    language: str
    script: str
    service: Optional[str]
    reason: str
    kind: str
    urgent: bool
    facts: dict[str, Any]
    state: str
    staff: Optional[str]
    callback_phone: Optional[str]
    created_at: float
    waiting_since: float
    claimed_at: Optional[float]
    ended_at: Optional[float]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Case":
        values = dict(row)
        values["urgent"] = bool(values["urgent"])
        values["facts"] = json.loads(values["facts"] or "{}")
        return cls(**values)


@dataclass(frozen=True)
class Turn:
    author: str
    text: str
    at: float


def open_case(conn: sqlite3.Connection, *, sender: str, channel: str, language: str,
              script: str, service: Optional[str], reason: str, urgent: bool,
              facts: dict[str, Any], turns: Iterable[Turn], now: float) -> Case:
    """A new waiting case with the turns before it, or the person's live case if one exists."""
    existing = live_case(conn, sender)
    if existing is not None:
        return existing
    cur = conn.execute(
        "INSERT INTO cases (sender, channel, language, script, service, reason, urgent, facts,"
        " state, created_at, waiting_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?)",
        (sender, channel, language, script, service, reason, int(urgent),
         json.dumps(facts, ensure_ascii=False), now, now))
    case_id = int(cur.lastrowid)
    conn.executemany("INSERT INTO case_messages (case_id, author, text, at) VALUES (?, ?, ?, ?)",
                     [(case_id, t.author, t.text, t.at) for t in turns])
    return get_case(conn, case_id)


def get_case(conn: sqlite3.Connection, case_id: int) -> Optional[Case]:
    row = conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
    return Case.from_row(row) if row else None


def live_case(conn: sqlite3.Connection, sender: str) -> Optional[Case]:
    row = conn.execute("SELECT * FROM cases WHERE sender = ?"
                       " AND state IN ('waiting', 'with_staff')", (sender,)).fetchone()
    return Case.from_row(row) if row else None


def positions(conn: sqlite3.Connection) -> dict[int, int]:
    """Place in the queue of every waiting case: emergencies first, then oldest first."""
    rows = conn.execute("SELECT id FROM cases WHERE state = 'waiting'"
                        " ORDER BY urgent DESC, waiting_since, id").fetchall()
    return {row["id"]: place for place, row in enumerate(rows, 1)}


def position(conn: sqlite3.Connection, case_id: int) -> Optional[int]:
    return positions(conn).get(case_id)


def add_message(conn: sqlite3.Connection, case_id: int, author: str, text: str, now: float,
                staff: Optional[str] = None) -> int:
    cur = conn.execute("INSERT INTO case_messages (case_id, author, staff, text, at)"
                       " VALUES (?, ?, ?, ?, ?)", (case_id, author, staff, text, now))
    return int(cur.lastrowid)


def transcript(conn: sqlite3.Connection, case_id: int) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT id, author, staff, text, at FROM case_messages"
                        " WHERE case_id = ? ORDER BY id", (case_id,)).fetchall()
    return [dict(row) for row in rows]


def last_user_messages(conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    marks = ",".join("?" * len(case_ids))
    rows = conn.execute(f"SELECT case_id, text FROM case_messages WHERE id IN (SELECT MAX(id)"
                        f" FROM case_messages WHERE author = 'user' AND case_id IN ({marks})"
                        f" GROUP BY case_id)", case_ids).fetchall()
    return {row["case_id"]: row["text"] for row in rows}


def update_language(conn: sqlite3.Connection, case_id: int, language: str, script: str) -> None:
    conn.execute("UPDATE cases SET language = ?, script = ? WHERE id = ?",
                 (language, script, case_id))


def mark_urgent(conn: sqlite3.Connection, case_id: int) -> None:
    conn.execute("UPDATE cases SET urgent = 1 WHERE id = ?", (case_id,))


def set_fact(conn: sqlite3.Connection, case_id: int, key: str, value: Any) -> bool:
    """Set one fact of a case (None removes it); True when it changed."""
    row = conn.execute("SELECT facts FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None:
        return False
    facts = json.loads(row["facts"] or "{}")
    if facts.get(key) == value:
        return False
    if value is None:
        facts.pop(key, None)
    else:
        facts[key] = value
    conn.execute("UPDATE cases SET facts = ? WHERE id = ?",
                 (json.dumps(facts, ensure_ascii=False), case_id))
    return True


def set_callback(conn: sqlite3.Connection, case_id: int, phone: str) -> None:
    conn.execute("UPDATE cases SET callback_phone = ? WHERE id = ?", (phone, case_id))


def open_callback(conn: sqlite3.Connection, *, sender: str, channel: str, language: str,
                  script: str, service: Optional[str], reason: str, phone: str,
                  facts: dict[str, Any], turns: Iterable[Turn], now: float) -> Case:
    """A callback task (no one waits: outside staff hours)."""
    cur = conn.execute(
        "INSERT INTO cases (sender, channel, language, script, service, reason, kind, urgent,"
        " facts, state, callback_phone, created_at, waiting_since)"
        " VALUES (?, ?, ?, ?, ?, ?, 'callback', 0, ?, 'callback', ?, ?, ?)",
        (sender, channel, language, script, service, reason,
         json.dumps(facts, ensure_ascii=False), phone, now, now))
    case_id = int(cur.lastrowid)
    conn.executemany("INSERT INTO case_messages (case_id, author, text, at) VALUES (?, ?, ?, ?)",
                     [(case_id, t.author, t.text, t.at) for t in turns])
    return get_case(conn, case_id)


def claim(conn: sqlite3.Connection, case_id: int, staff: str, now: float) -> bool:
    """Take an unclaimed case. Exactly one of any number of racing claims wins."""
    cur = conn.execute(
        "UPDATE cases SET staff = ?, claimed_at = ?,"
        " state = CASE state WHEN 'waiting' THEN 'with_staff' ELSE state END"
        " WHERE id = ? AND staff IS NULL AND state IN ('waiting', 'callback')",
        (staff, now, case_id))
    return cur.rowcount == 1


def move(conn: sqlite3.Connection, case_id: int, from_states: tuple[str, ...], to_state: str,
         now: float, ended: bool = True) -> bool:
    """Change the state if it is still one of `from_states` (no lost updates)."""
    marks = ",".join("?" * len(from_states))
    cur = conn.execute(
        f"UPDATE cases SET state = ?, ended_at = CASE WHEN ? THEN ? ELSE ended_at END"
        f" WHERE id = ? AND state IN ({marks})",
        (to_state, int(ended), now, case_id, *from_states))
    return cur.rowcount == 1


def list_cases(conn: sqlite3.Connection, states: Iterable[str], limit: int = 200) -> list[Case]:
    states = tuple(states)
    marks = ",".join("?" * len(states))
    rows = conn.execute(
        f"SELECT * FROM cases WHERE state IN ({marks})"
        f" ORDER BY CASE state WHEN 'waiting' THEN 0 WHEN 'with_staff' THEN 1 ELSE 2 END,"
        f" urgent DESC, waiting_since, id LIMIT ?", (*states, limit)).fetchall()
    return [Case.from_row(row) for row in rows]


# --- messages for the person (staff replies, the hand-back greeting) ------------

def enqueue(conn: sqlite3.Connection, sender: str, case_id: Optional[int], author: str,
            text: str, now: float) -> int:
    cur = conn.execute("INSERT INTO outbox (sender, case_id, author, text, created_at)"
                       " VALUES (?, ?, ?, ?, ?)", (sender, case_id, author, text, now))
    return int(cur.lastrowid)


def fetch_outbox(conn: sqlite3.Connection, sender: str, after: Optional[int],
                 now: float) -> list[dict[str, Any]]:
    """Messages for `sender`.

    With `after` (the last id the client saw): everything up to it counts as
    delivered, and the newer messages not yet delivered come back until the client
    acknowledges them the same way (a lost answer loses nothing). Without it: the
    undelivered messages, counted as delivered now. Either way a message once
    delivered never comes again: a second handoff does not replay the first.
    """
    if after is not None:
        conn.execute("UPDATE outbox SET delivered_at = ? WHERE sender = ? AND id <= ?"
                     " AND delivered_at IS NULL", (now, sender, after))
        rows = conn.execute("SELECT id, author, text, created_at FROM outbox WHERE sender = ?"
                            " AND id > ? AND delivered_at IS NULL ORDER BY id",
                            (sender, after)).fetchall()
    else:
        rows = conn.execute("SELECT id, author, text, created_at FROM outbox"
                            " WHERE sender = ? AND delivered_at IS NULL ORDER BY id",
                            (sender,)).fetchall()
        if rows:
            conn.execute("UPDATE outbox SET delivered_at = ? WHERE sender = ? AND id <= ?"
                         " AND delivered_at IS NULL", (now, sender, rows[-1]["id"]))
    return [dict(row) for row in rows]


def undelivered(conn: sqlite3.Connection, sender: str) -> list[dict[str, Any]]:
    """Messages for `sender` that no channel has delivered yet, oldest first."""
    rows = conn.execute("SELECT id, author, text, created_at FROM outbox"
                        " WHERE sender = ? AND delivered_at IS NULL ORDER BY id",
                        (sender,)).fetchall()
    return [dict(row) for row in rows]


def mark_delivered(conn: sqlite3.Connection, sender: str, up_to: int, now: float) -> None:
    conn.execute("UPDATE outbox SET delivered_at = ? WHERE sender = ? AND id <= ?"
                 " AND delivered_at IS NULL", (now, sender, up_to))

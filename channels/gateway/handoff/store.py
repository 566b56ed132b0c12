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
    ended_at REAL,
    callback_at REAL,                     -- when it became a number to ring back
    source TEXT,                          -- where it came from (gateway/clients.py: hashed)
    throttled INTEGER NOT NULL DEFAULT 0  -- opened while its source was over its limit
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
    at REAL NOT NULL,
    shown TEXT                     -- for a pressed number: the option's words on screen
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
CREATE TABLE IF NOT EXISTS case_notes (   -- staff's internal notes: never sent to the person
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    staff TEXT NOT NULL,
    text TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS case_notes_by_case ON case_notes(case_id, id);
-- history and figures: by time, by person, by who handled it
CREATE INDEX IF NOT EXISTS cases_by_created ON cases(created_at);
CREATE INDEX IF NOT EXISTS cases_by_sender ON cases(sender, created_at);
CREATE INDEX IF NOT EXISTS cases_by_staff ON cases(staff, created_at);
"""

# Columns added after the first release (in the tables above for a new file);
# `migrate` adds them to an older file.
COLUMNS = {
    "case_messages": {"shown": "TEXT"},      # for a pressed number: the option's words on screen
    "cases": {"callback_at": "REAL",          # when the case became a number to ring back
              "source": "TEXT",               # where it came from (hashed)
              "throttled": "INTEGER NOT NULL DEFAULT 0"},   # from a source over its limit
}
# Indexes on those columns: made after `migrate` has added them to an older file.
LATE_INDEXES = ("CREATE INDEX IF NOT EXISTS cases_by_source ON cases(source, created_at)",)

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
    callback_at: Optional[float] = None
    source: Optional[str] = None
    throttled: bool = False

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Case":
        values = dict(row)
        values["urgent"] = bool(values["urgent"])
        values["throttled"] = bool(values.get("throttled"))
        values["facts"] = json.loads(values["facts"] or "{}")
        return cls(**values)


@dataclass(frozen=True)
class Turn:
    author: str
    text: str
    at: float
    shown: Optional[str] = None   # the words of the option a pressed number stood for


def migrate(conn: sqlite3.Connection) -> None:
    """Add the columns an older database file does not have yet."""
    for table, columns in COLUMNS.items():
        have = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    for statement in LATE_INDEXES:
        conn.execute(statement)


def _add_turns(conn: sqlite3.Connection, case_id: int, turns: Iterable[Turn]) -> None:
    conn.executemany("INSERT INTO case_messages (case_id, author, text, at, shown)"
                     " VALUES (?, ?, ?, ?, ?)",
                     [(case_id, t.author, t.text, t.at, t.shown) for t in turns])


def open_case(conn: sqlite3.Connection, *, sender: str, channel: str, language: str,
              script: str, service: Optional[str], reason: str, urgent: bool,
              facts: dict[str, Any], turns: Iterable[Turn], now: float,
              source: Optional[str] = None, throttled: bool = False) -> Case:
    """A new waiting case with the turns before it, or the person's live case if one exists."""
    existing = live_case(conn, sender)
    if existing is not None:
        return existing
    cur = conn.execute(
        "INSERT INTO cases (sender, channel, language, script, service, reason, urgent, facts,"
        " state, created_at, waiting_since, source, throttled)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?)",
        (sender, channel, language, script, service, reason, int(urgent),
         json.dumps(facts, ensure_ascii=False), now, now, source, int(throttled)))
    case_id = int(cur.lastrowid)
    _add_turns(conn, case_id, turns)
    return get_case(conn, case_id)


def get_case(conn: sqlite3.Connection, case_id: int) -> Optional[Case]:
    row = conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
    return Case.from_row(row) if row else None


def live_case(conn: sqlite3.Connection, sender: str) -> Optional[Case]:
    row = conn.execute("SELECT * FROM cases WHERE sender = ?"
                       " AND state IN ('waiting', 'with_staff')", (sender,)).fetchone()
    return Case.from_row(row) if row else None


def positions(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, int]:
    """Place in the queue of the waiting cases among `ids`: emergencies first, then oldest
    first; cases from a source over its limit after everyone else. (Numbered in SQL: only
    the cases asked about come back, however long the queue.)"""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT id, place FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY throttled,"
        " urgent DESC, waiting_since, id) AS place FROM cases WHERE state = 'waiting')"
        f" WHERE id IN ({','.join('?' * len(wanted))})", wanted).fetchall()
    return {row["id"]: row["place"] for row in rows}


def position(conn: sqlite3.Connection, case_id: int) -> Optional[int]:
    return positions(conn, [case_id]).get(case_id)


def add_message(conn: sqlite3.Connection, case_id: int, author: str, text: str, now: float,
                staff: Optional[str] = None) -> int:
    cur = conn.execute("INSERT INTO case_messages (case_id, author, staff, text, at)"
                       " VALUES (?, ?, ?, ?, ?)", (case_id, author, staff, text, now))
    return int(cur.lastrowid)


def transcript(conn: sqlite3.Connection, case_id: int) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT id, author, staff, text, at, shown FROM case_messages"
                        " WHERE case_id = ? ORDER BY id", (case_id,)).fetchall()
    return [{k: row[k] for k in row.keys() if k != "shown" or row[k]} for row in rows]


def last_user_messages(conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, str]:
    """The person's last words in each case, as they saw them (a pressed 「1」 is the
    option's words)."""
    if not case_ids:
        return {}
    marks = ",".join("?" * len(case_ids))
    rows = conn.execute(f"SELECT case_id, COALESCE(shown, text) AS said FROM case_messages"
                        f" WHERE id IN (SELECT MAX(id) FROM case_messages WHERE author = 'user'"
                        f" AND case_id IN ({marks}) GROUP BY case_id)", case_ids).fetchall()
    return {row["case_id"]: row["said"] for row in rows}


# --- internal notes -----------------------------------------------------------------

def add_note(conn: sqlite3.Connection, case_id: int, staff: str, text: str, now: float) -> int:
    cur = conn.execute("INSERT INTO case_notes (case_id, staff, text, at) VALUES (?, ?, ?, ?)",
                       (case_id, staff, text, now))
    return int(cur.lastrowid)


def notes(conn: sqlite3.Connection, case_id: int) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT id, staff, text, at FROM case_notes WHERE case_id = ?"
                        " ORDER BY id", (case_id,)).fetchall()
    return [dict(row) for row in rows]


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
                  facts: dict[str, Any], turns: Iterable[Turn], now: float,
                  source: Optional[str] = None) -> Case:
    """A callback task (no one waits: outside staff hours)."""
    cur = conn.execute(
        "INSERT INTO cases (sender, channel, language, script, service, reason, kind, urgent,"
        " facts, state, callback_phone, created_at, waiting_since, callback_at, source)"
        " VALUES (?, ?, ?, ?, ?, ?, 'callback', 0, ?, 'callback', ?, ?, ?, ?, ?)",
        (sender, channel, language, script, service, reason,
         json.dumps(facts, ensure_ascii=False), phone, now, now, now, source))
    case_id = int(cur.lastrowid)
    _add_turns(conn, case_id, turns)
    return get_case(conn, case_id)


def mark_callback(conn: sqlite3.Connection, case_id: int, now: float) -> None:
    """The case became a number to ring back (the person left the queue after leaving one)."""
    conn.execute("UPDATE cases SET callback_at = COALESCE(callback_at, ?) WHERE id = ?",
                 (now, case_id))


def claim(conn: sqlite3.Connection, case_id: int, staff: str, now: float) -> bool:
    """Take an unclaimed case. Exactly one of any number of racing claims wins."""
    cur = conn.execute(
        "UPDATE cases SET staff = ?, claimed_at = ?,"
        " state = CASE state WHEN 'waiting' THEN 'with_staff' ELSE state END"
        " WHERE id = ? AND staff IS NULL AND state IN ('waiting', 'callback')",
        (staff, now, case_id))
    return cur.rowcount == 1


ANY_OWNER = object()


def move(conn: sqlite3.Connection, case_id: int, from_states: tuple[str, ...], to_state: str,
         now: float, ended: bool = True, owner: Any = ANY_OWNER) -> bool:
    """Change the state if it is still one of `from_states` (no lost updates) and, given
    an `owner`, if the case is still that member of staff's (None: still unclaimed) —
    what was checked before is checked again in the same UPDATE."""
    marks = ",".join("?" * len(from_states))
    mine = "" if owner is ANY_OWNER else " AND staff IS ?"
    cur = conn.execute(
        f"UPDATE cases SET state = ?, ended_at = CASE WHEN ? THEN ? ELSE ended_at END"
        f" WHERE id = ? AND state IN ({marks}){mine}",
        (to_state, int(ended), now, case_id, *from_states,
         *(() if owner is ANY_OWNER else (owner,))))
    return cur.rowcount == 1


def transfer(conn: sqlite3.Connection, case_id: int, owner: Optional[str], to: str,
             now: float) -> bool:
    """Give a claimed case to a colleague. `owner` None: whoever has it (an admin)."""
    cur = conn.execute(
        "UPDATE cases SET staff = ?, claimed_at = COALESCE(claimed_at, ?) WHERE id = ?"
        " AND staff IS NOT NULL AND staff = COALESCE(?, staff) AND staff != ?"
        " AND state IN ('with_staff', 'callback')", (to, now, case_id, owner, to))
    return cur.rowcount == 1


def next_claimable(conn: sqlite3.Connection) -> list[int]:
    """Unclaimed cases in the order staff should take them: people waiting now
    (emergencies first, then the longest wait), then numbers to ring back (oldest first)."""
    rows = conn.execute(
        "SELECT id FROM cases WHERE staff IS NULL AND state IN ('waiting', 'callback')"
        " ORDER BY throttled, CASE state WHEN 'waiting' THEN 0 ELSE 1 END, urgent DESC,"
        " waiting_since, id LIMIT 20").fetchall()
    return [row["id"] for row in rows]


CLOSED = ("returned", "closed", "cancelled", "transferred")


def history(conn: sqlite3.Connection, *, since: float, until: float,
            service: Optional[str] = None, channel: Optional[str] = None,
            staff: Optional[str] = None, limit: int = 50, offset: int = 0
            ) -> tuple[list[Case], int]:
    """Finished cases that started in [since, until), newest first, and how many match."""
    where = ["created_at >= ?", "created_at < ?",
             f"state IN ({','.join('?' * len(CLOSED))})"]
    args: list[Any] = [since, until, *CLOSED]
    for column, value in (("service", service), ("channel", channel), ("staff", staff)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    clause = " AND ".join(where)
    total = conn.execute(f"SELECT COUNT(*) FROM cases WHERE {clause}", args).fetchone()[0]
    rows = conn.execute(f"SELECT * FROM cases WHERE {clause} ORDER BY created_at DESC, id DESC"
                        f" LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
    return [Case.from_row(row) for row in rows], int(total)


def sender_cases(conn: sqlite3.Connection, sender: str, limit: int = 20) -> list[Case]:
    """The person's cases, newest first (their earlier contacts)."""
    rows = conn.execute("SELECT * FROM cases WHERE sender = ? ORDER BY created_at DESC, id DESC"
                        " LIMIT ?", (sender, limit)).fetchall()
    return [Case.from_row(row) for row in rows]


# --- where cases come from (a flood from one source stays one group) -----------------

def cases_since(conn: sqlite3.Connection, source: str, since: float) -> int:
    """How many cases `source` has opened since `since` (the per-source limit)."""
    return int(conn.execute("SELECT COUNT(*) FROM cases WHERE source = ? AND created_at >= ?",
                            (source, since)).fetchone()[0])


def nth_newest_case_time(conn: sqlite3.Connection, source: str, n: int) -> Optional[float]:
    """When the source's n-th newest case was opened (its limit frees up a period later)."""
    row = conn.execute("SELECT created_at FROM cases WHERE source = ? ORDER BY created_at DESC"
                       " LIMIT 1 OFFSET ?", (source, n - 1)).fetchone()
    return float(row[0]) if row else None


UNCLAIMED = "staff IS NULL AND state IN ('waiting', 'callback')"   # open, nobody has it


def unclaimed_of_source(conn: sqlite3.Connection, source: str) -> list[Case]:
    """The open cases of a source that nobody has claimed (what closing a group closes)."""
    rows = conn.execute(f"SELECT * FROM cases WHERE source = ? AND {UNCLAIMED} ORDER BY id",
                        (source,)).fetchall()
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

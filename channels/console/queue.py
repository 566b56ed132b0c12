"""The queue as the console lists it: a page at a time, and a flood from one source as one
row, so real cases are never pushed off the screen.

Cases carry a `source` (where they came from, a keyed hash: channels/gateway/clients.py).
When console_group_min_cases or more unclaimed cases come from one source, the page shows
them as one group row with a count (an admin can close the group at once: the desk's
`close_group`, which closes exactly the unclaimed open cases of that source). Urgent ones
stay in the list as well, each marked, so an emergency is never folded away. The list is
paged (200 a page, `total` says how many there are): nothing is lost beyond the first page.
Read-only SQL on the desk's `cases` table, in one transaction (channels/gateway/handoff/store.py
owns the table)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from channels.gateway.handoff import store
from channels.gateway.handoff.store import Case

PAGE = 200
MAX_LIMIT = 1000
ORDER = ("ORDER BY throttled, CASE state WHEN 'waiting' THEN 0 WHEN 'with_staff' THEN 1"
         " ELSE 2 END, urgent DESC, waiting_since, id")
UNCLAIMED = store.UNCLAIMED   # what close_group closes


@dataclass
class QueuePage:
    cases: list[Case]
    positions: dict[int, int]
    last_words: dict[int, str]
    total: int                                   # cases in the list over every page
    groups: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def groups(conn: sqlite3.Connection, min_cases: int) -> list[dict[str, Any]]:
    """Sources with at least `min_cases` unclaimed open cases, the oldest wait first."""
    if min_cases <= 0:
        return []
    rows = conn.execute(
        f"SELECT source, COUNT(*) AS cases, SUM(urgent) AS urgent, SUM(throttled) AS throttled,"
        f" SUM(state = 'waiting') AS waiting, GROUP_CONCAT(DISTINCT channel) AS channels,"
        f" MIN(waiting_since) AS oldest FROM cases WHERE {UNCLAIMED} AND source IS NOT NULL"
        f" GROUP BY source HAVING COUNT(*) >= ? ORDER BY MIN(waiting_since), source",
        (min_cases,)).fetchall()
    return [{**dict(row), "channels": sorted(set((row["channels"] or "").split(",")) - {""})}
            for row in rows]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """The whole open queue, whatever page is shown: waiting, open, unclaimed."""
    marks = ",".join("?" * len(store.OPEN))
    row = conn.execute(
        f"SELECT COALESCE(SUM(state = 'waiting'), 0) AS waiting, COUNT(*) AS open,"
        f" COALESCE(SUM({UNCLAIMED}), 0) AS unclaimed FROM cases WHERE state IN ({marks})",
        store.OPEN).fetchone()
    return dict(row)


def read_page(conn: sqlite3.Connection, states: Iterable[str], *, offset: int = 0,
              limit: int = PAGE, group_min: int = 0, source: Optional[str] = None
              ) -> QueuePage:
    """One page of cases in `states` (the queue's order). With `group_min`, the
    non-urgent unclaimed cases of grouped sources are left to their group rows; with
    `source`, only that source's cases (a group opened)."""
    states = tuple(states)
    where, params = [f"state IN ({','.join('?' * len(states))})"], list(states)
    if source is not None:
        where.append("source = ?")
        params.append(source)
    found = groups(conn, group_min) if source is None else []
    if found:
        where.append(f"NOT ({UNCLAIMED} AND urgent = 0 AND COALESCE(source, '')"
                     f" IN ({','.join('?' * len(found))}))")
        params.extend(g["source"] for g in found)
    condition = " AND ".join(where)
    total = conn.execute(f"SELECT COUNT(*) FROM cases WHERE {condition}", params).fetchone()[0]
    rows = conn.execute(f"SELECT * FROM cases WHERE {condition} {ORDER} LIMIT ? OFFSET ?",
                        (*params, limit, offset)).fetchall()
    cases = [Case.from_row(row) for row in rows]
    ids = [c.id for c in cases]
    return QueuePage(cases, store.positions(conn, ids), store.last_user_messages(conn, ids),
                     int(total), found, counts(conn))

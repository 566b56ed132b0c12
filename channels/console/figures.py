"""The admin's figures: how the queue is doing.

Each entry of FIGURES adds keys to GET /console/api/figures. To add figures
(e.g. more rating figures), add a function here, or for data held elsewhere
(the ratings live in channels/gateway/ratings.py) an async source in routes.figures.
"""
from __future__ import annotations

import sqlite3
from typing import Any, Callable


def waiting_now(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    row = conn.execute("SELECT COUNT(*), MIN(waiting_since) FROM cases WHERE state = 'waiting'"
                       ).fetchone()
    return {"waiting_now": row[0],
            "longest_wait_seconds": round(now - row[1]) if row[1] is not None else None}


def average_wait(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    """From joining the queue to a person taking the case (queued cases only)."""
    row = conn.execute("SELECT AVG(claimed_at - waiting_since), COUNT(*) FROM cases"
                       " WHERE kind = 'queue' AND claimed_at IS NOT NULL AND created_at >= ?",
                       (since,)).fetchone()
    return {"average_wait_seconds": round(row[0]) if row[0] is not None else None,
            "answered": row[1]}


def by_service_and_reason(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    def counts(column: str) -> dict[str, int]:
        rows = conn.execute(f"SELECT COALESCE({column}, ''), COUNT(*) FROM cases"
                            f" WHERE created_at >= ? GROUP BY 1 ORDER BY 2 DESC", (since,))
        return {key: n for key, n in rows}
    total = conn.execute("SELECT COUNT(*) FROM cases WHERE created_at >= ?", (since,)).fetchone()[0]
    return {"cases": total, "by_service": counts("service"), "by_reason": counts("reason")}


def callbacks_pending(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    """Numbers left that nobody has rung or talked to yet."""
    row = conn.execute("SELECT COUNT(*) FROM cases WHERE callback_phone IS NOT NULL AND"
                       " (state = 'callback' OR state = 'waiting')").fetchone()
    return {"callbacks_pending": row[0]}


FIGURES: list[Callable[[sqlite3.Connection, float, float], dict[str, Any]]] = [
    waiting_now, average_wait, by_service_and_reason, callbacks_pending,
]


def case_figures(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for figure in FIGURES:
        result.update(figure(conn, since, now))
    return result

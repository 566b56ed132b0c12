"""The queue's figures, honest about who they count.

Waiting now and the longest wait now are about the people in the queue this minute;
the waits of answered cases are about cases a person took (from joining the queue to
being taken), over a period; people who left before anyone took them are counted apart.
An average over answered cases alone says nothing about the 13 people waiting now, so
the three are never merged into one number.

Each entry of FIGURES adds keys to GET /console/api/figures (admins); `queue_figures`
is what every member of staff sees. The operator's figures (turns, services, 好差评,
hand-overs, unresolved questions) are in channels/console/stats.py.
"""
from __future__ import annotations

import math
import sqlite3
from typing import Any, Callable, Optional, Sequence


# Callbacks, one definition for the queue's figures and the figures page's table:
# a number to ring back is pending while its callback task is open, or while the person
# who left it still waits; it was rung when someone claimed the task before it was closed
# (an admin closing it unclaimed, or with its flood's group, rang nobody).
CALLBACK_PENDING = "callback_phone IS NOT NULL AND state IN ('callback', 'waiting')"
CALLBACK_LEFT_AT = "COALESCE(callback_at, CASE WHEN kind = 'callback' THEN created_at END)"
CALLBACK_RUNG = f"{CALLBACK_LEFT_AT} IS NOT NULL AND state = 'closed' AND claimed_at IS NOT NULL"


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """The q-quantile (0..1) of sorted values, nearest rank; None when empty."""
    if not values:
        return None
    rank = max(1, math.ceil(q * len(values)))
    return float(values[rank - 1])


def waiting_now(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    """The people in the queue this minute."""
    row = conn.execute("SELECT COUNT(*), MIN(waiting_since), SUM(urgent) FROM cases"
                       " WHERE state = 'waiting'").fetchone()
    talking = conn.execute("SELECT COUNT(*) FROM cases WHERE state = 'with_staff'").fetchone()[0]
    return {"waiting_now": row[0], "urgent_waiting_now": int(row[2] or 0),
            "longest_wait_seconds": round(now - row[1]) if row[1] is not None else None,
            "with_staff_now": talking}


def answered_waits(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    """Cases a person took in the period: from joining the queue to being taken."""
    waits = sorted(r[0] for r in conn.execute(
        "SELECT claimed_at - waiting_since FROM cases WHERE kind = 'queue'"
        " AND claimed_at IS NOT NULL AND claimed_at >= ? AND claimed_at < ?", (since, now)))
    left = conn.execute("SELECT COUNT(*) FROM cases WHERE kind = 'queue' AND claimed_at IS NULL"
                        " AND state IN ('cancelled', 'callback', 'closed', 'transferred')"
                        " AND created_at >= ? AND created_at < ?", (since, now)).fetchone()[0]
    average = sum(waits) / len(waits) if waits else None
    return {"answered": len(waits),
            "answered_median_wait_seconds": _round(percentile(waits, 0.5)),
            "answered_p90_wait_seconds": _round(percentile(waits, 0.9)),
            "average_wait_seconds": _round(average),   # answered cases only (see the docstring)
            "left_unanswered": left}


def by_service_and_reason(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    def counts(column: str) -> dict[str, int]:
        rows = conn.execute(f"SELECT COALESCE({column}, ''), COUNT(*) FROM cases"
                            f" WHERE created_at >= ? GROUP BY 1 ORDER BY 2 DESC", (since,))
        return {key: n for key, n in rows}
    total = conn.execute("SELECT COUNT(*) FROM cases WHERE created_at >= ?", (since,)).fetchone()[0]
    return {"cases": total, "by_service": counts("service"), "by_reason": counts("reason")}


def callbacks_pending(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    """Numbers left that nobody has rung or talked to yet."""
    row = conn.execute(f"SELECT COUNT(*) FROM cases WHERE {CALLBACK_PENDING}").fetchone()
    return {"callbacks_pending": row[0]}


Figure = Callable[[sqlite3.Connection, float, float], dict[str, Any]]
FIGURES: list[Figure] = [waiting_now, answered_waits, by_service_and_reason, callbacks_pending]
QUEUE_FIGURES: list[Figure] = [waiting_now, answered_waits, callbacks_pending]


def case_figures(conn: sqlite3.Connection, since: float, now: float,
                 figures: Sequence[Figure] = FIGURES) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for figure in figures:
        result.update(figure(conn, since, now))
    return result


def queue_figures(conn: sqlite3.Connection, since: float, now: float) -> dict[str, Any]:
    """What every member of staff sees above the queue."""
    return case_figures(conn, since, now, QUEUE_FIGURES)


def _round(value: Optional[float]) -> Optional[int]:
    return None if value is None else round(value)

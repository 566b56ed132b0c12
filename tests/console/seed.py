"""A known month for the figures tests: turns, ratings, queue cases and callbacks written
straight into the gateway's database, with the numbers every figure must then show."""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from channels.gateway.turns import day_of, insert_rows

OFFSET = 8 * 3600          # staff_utc_offset +08:00 (the default)
PHONE = "13812345678"


@dataclass(frozen=True)
class Seeded:
    today: int             # local day numbers
    reason_time: float


def _at(day: int, hour: float) -> float:
    return day * 86400 - OFFSET + hour * 3600


def _turns(day: int, hour: float, channel: str, language: str, script: str, n: int,
           conversations: int, service: str | None = None, new_service: int = 0,
           handoff: str | None = None, unresolved: str | None = None,
           text: str | None = None) -> list[tuple]:
    rows = []
    for k in range(n):
        at = _at(day, hour) + k * 0.001
        rows.append((at, day_of(at, OFFSET), channel, language, script, "ask", service,
                     int(k < conversations), int(k < new_service),
                     handoff if k == 0 else None, unresolved, text))
    return rows


def seed(db: Path) -> Seeded:
    now = time.time()
    today = day_of(now, OFFSET)
    # today's turns: in the past, even just after local midnight
    hour = ((now + OFFSET) % 86400) / 3600 / 2
    t2, t1, t0 = today - 2, today - 1, today
    turns = (
        _turns(t2, 9, "kiosk", "cmn", "hans", 10, 3, "senior_card", 2)
        + _turns(t2, 10, "kiosk", "cmn", "hans", 1, 0, "pension_certification", 1)
        + _turns(t2, 11, "kiosk", "cmn", "hans", 2, 0, handoff="asked")
        + _turns(t2, 12, "kiosk", "cmn", "hans", 3, 0, unresolved="out_of_scope",
                 text="今天天气怎么样")
        + _turns(t1, 9, "phone", "yue", "hant", 6, 2, "senior_card", 1, handoff="emergency")
        + _turns(t1, 10, "phone", "yue", "hant", 1, 0, unresolved="out_of_scope", text="讲个笑话")
        + _turns(t1, 11, "wechat", "cmn", "hant", 4, 1, handoff="off_hours")
        + _turns(t0, hour, "api", "yue", "hans", 5, 2, handoff="not_understood")
        + _turns(t0, hour * 1.01, "api", "yue", "hans", 2, 0,
                 unresolved="not_understood", text="今日天气点样呀")
        + _turns(t0, hour * 1.02, "api", "cmn", "hans", 1, 0,
                 unresolved="not_understood", text="我电话系****5678想问长者卡点攞")
    )
    reason_time = _at(t1, 15)
    ratings = [
        ("r1", 5, None, "senior_card", "kiosk", "cmn", _at(t2, 13)),
        ("r2", 5, None, "senior_card", "kiosk", "cmn", _at(t2, 13.1)),
        ("r3", 5, None, "senior_card", "phone", "yue", _at(t1, 13)),
        ("r4", 4, None, "senior_card", "phone", "yue", _at(t1, 14)),
        ("r5", 2, f"等了很久，电话{PHONE}没人接", "senior_card", "phone", "yue", reason_time),
        ("r6", 1, "字太小，看不清", "senior_card", "kiosk", "cmn", _at(t2, 14)),
        ("r7", 3, None, "pension_certification", "kiosk", "cmn", _at(t2, 15)),
        ("r8", 3, None, "pension_certification", "wechat", "cmn", _at(t1, 16)),
        ("r9", 5, None, None, "wechat", "cmn", _at(t1, 17)),
    ]
    # queue cases: (day, hour, wait seconds or None, state)
    cases = [(t1, 9, 60, "closed"), (t1, 10, 120, "closed"), (t1, 11, 600, "returned"),
             (t2, 9, 30, "closed"), (t2, 10, None, "cancelled")]
    conn = sqlite3.connect(db)
    try:
        with conn:
            insert_rows(conn, turns)
            conn.executemany("INSERT INTO ratings (sender, score, reason, service, channel,"
                             " language, created) VALUES (?, ?, ?, ?, ?, ?, ?)", ratings)
            for n, (day, h, wait, state) in enumerate(cases):
                start = _at(day, h)
                conn.execute(
                    "INSERT INTO cases (sender, channel, language, script, service, reason, state,"
                    " staff, created_at, waiting_since, claimed_at, ended_at) VALUES"
                    " (?, 'kiosk', 'cmn', 'hans', NULL, 'asked', ?, ?, ?, ?, ?, ?)",
                    (f"seed-{n}", state, "chan" if wait else None, start, start,
                     start + wait if wait else None, start + 900))
            _callbacks(conn, t0, t1, t2, hour)
    finally:
        conn.close()
    return Seeded(today, reason_time)


def _callbacks(conn: sqlite3.Connection, t0: int, t1: int, t2: int, hour: float) -> None:
    """Numbers to ring back: a task nobody has rung yet (t1), one a member of staff claimed
    and closed (left t2, rung t1), one an admin closed unclaimed (t1: nobody rang), and a
    person still waiting today who left a number (pending too, and not 「没接手就结束」)."""
    tasks = [("cb-open", "callback", None, _at(t1, 20), None, None),
             ("cb-rung", "closed", "chan", _at(t2, 20), _at(t1, 9), _at(t1, 9.1)),
             ("cb-dropped", "closed", None, _at(t1, 21), None, _at(t1, 21.5))]
    for sender, state, staff, created, claimed, ended in tasks:
        conn.execute(
            "INSERT INTO cases (sender, channel, language, script, reason, kind, state, staff,"
            " callback_phone, created_at, waiting_since, claimed_at, ended_at) VALUES"
            " (?, 'phone', 'yue', 'hant', 'off_hours', 'callback', ?, ?, ?, ?, ?, ?, ?)",
            (sender, state, staff, PHONE, created, created, claimed, ended))
    waiting = _at(t0, hour)
    conn.execute(
        "INSERT INTO cases (sender, channel, language, script, reason, state, callback_phone,"
        " created_at, waiting_since, callback_at) VALUES"
        " ('still-waiting', 'kiosk', 'cmn', 'hans', 'asked', 'waiting', ?, ?, ?, ?)",
        (PHONE, waiting, waiting, waiting))

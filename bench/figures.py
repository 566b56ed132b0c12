"""The operator's figures with a year of data: one million turns (and the cases and
ratings that go with them) generated into a fresh SQLite file through the gateway's own
schemas, then every figure query of the figures page timed, for 30 days and for the
whole year, all channels and one. Target: every figure under one second.

    python -m bench.figures [--turns 1000000] [--keep]
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

from bench.table import Row, print_table
from bot.catalog import load_catalog
from bot.services import SERVICE_IDS
from channels.console import teach
from channels.console.figures import queue_figures
from channels.console.stats import (Period, all_tables, callbacks_table, handoffs_table,
                                    low_reasons_table, ratings_table, satisfaction_table,
                                    services_table, traffic_tables, unresolved_groups,
                                    waits_table)
from channels.gateway import ratings, turns
from channels.gateway.db import connect
from channels.gateway.handoff import store
from channels.tools.stack import ROOT

OFFSET = 8 * 3600
DAYS = 365
CHANNELS = ("kiosk", "kiosk", "kiosk", "phone", "phone", "wechat", "api")
LANGS = (("cmn", "hans"), ("cmn", "hans"), ("yue", "hans"), ("yue", "hant"), ("cmn", "hant"))
QUESTIONS = ("今天天气怎么样", "讲个笑话", "六合彩开咩号码", "附近有什么好吃的", "高铁票点买",
             "楼价会唔会跌", "广州塔点去", "月饼边度买", "我只猫唔食嘢", "今日金价几多",
             "长者饭堂几点开门", "社区医院几点关门", "电费点交", "煤气费去边度交", "水费单唔见咗",
             "老人证丢咗点算", "我个仔唔听话", "帮我叫的士", "有冇免费体检", "乘车优惠点样申请")
SHAPES = ("{}", "{}呀", "请问{}", "{}？", "想问下{}", "{}啊", "我想问{}")
TARGET_SECONDS = 1.0


def _texts(rng: random.Random) -> list[str]:
    """Unresolved wordings: a few questions said many ways, and a long tail of one-offs."""
    common = [shape.format(q) for q in QUESTIONS for shape in SHAPES]
    tail = ["".join(rng.choice("天气电话医院社保老人饭堂车票银行邮局公园超市药房保险") for _ in range(6))
            for _ in range(1500)]
    return common * 20 + tail


def generate(path: Path, count: int, seed: int = 7) -> Period:
    """A year ending today: `count` turns, a case per 60 turns, a rating per 15."""
    path.unlink(missing_ok=True)
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    conn = connect(path, [turns.SCHEMA, store.SCHEMA, ratings.SCHEMA, teach.SCHEMA])
    store.migrate(conn)
    rng = random.Random(seed)
    now = time.time()
    today = turns.day_of(now, OFFSET)
    first = today - DAYS + 1
    texts = _texts(rng)
    batch: list[tuple[Any, ...]] = []
    per_day = count / DAYS
    done = 0
    for day in range(first, today + 1):
        todays = int(per_day * (day - first + 1)) - done
        start = day * 86400 - OFFSET + 8 * 3600
        for k in range(todays):
            at = min(start + k * (10 * 3600 / max(1, todays)), now - 1)
            channel = rng.choice(CHANNELS)
            language, script = rng.choice(LANGS)
            unresolved = rng.random() < 0.05
            service = None if unresolved else rng.choice(SERVICE_IDS)
            handoff = rng.choice(turns.HANDOFF_REASONS) if rng.random() < 0.02 else None
            batch.append((at, day, channel, language, script, "ask", service,
                          int(rng.random() < 0.15), int(service is not None and rng.random() < 0.2),
                          handoff, "not_understood" if unresolved else None,
                          rng.choice(texts) if unresolved else None))
        done += todays
        if len(batch) >= 50000:
            _flush(conn, batch)
    _flush(conn, batch)
    _cases_and_ratings(conn, rng, count, first, today, now)
    conn.execute("ANALYZE")
    conn.close()
    return Period(first, today, OFFSET)


def _flush(conn: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> None:
    conn.execute("BEGIN")
    turns.insert_rows(conn, batch)
    conn.execute("COMMIT")
    batch.clear()


def _cases_and_ratings(conn: sqlite3.Connection, rng: random.Random, count: int, first: int,
                       today: int, now: float) -> None:
    conn.execute("BEGIN")
    for n in range(count // 60):
        day = rng.randint(first, today)
        start = min(day * 86400 - OFFSET + rng.uniform(8, 18) * 3600, now - 3600)
        wait = rng.expovariate(1 / 240)
        answered = rng.random() < 0.9
        conn.execute(
            "INSERT INTO cases (sender, channel, language, script, service, reason, state, staff,"
            " created_at, waiting_since, claimed_at, ended_at) VALUES (?, ?, 'cmn', 'hans', ?,"
            " 'asked', ?, ?, ?, ?, ?, ?)",
            (f"b{n}", rng.choice(CHANNELS), rng.choice(SERVICE_IDS),
             "closed" if answered else "cancelled", "chan" if answered else None, start, start,
             start + wait if answered else None, start + wait + 300))
    rows = []
    for n in range(count // 15):
        day = rng.randint(first, today)
        score = rng.choices((5, 4, 3, 2, 1), (50, 25, 10, 8, 7))[0]
        rows.append((f"r{n}", score, "等了很久，没人理我" if score <= 2 and rng.random() < 0.5 else None,
                     rng.choice(SERVICE_IDS), rng.choice(CHANNELS), "cmn",
                     min(day * 86400 - OFFSET + rng.uniform(8, 18) * 3600, now - 1)))
    conn.executemany("INSERT INTO ratings (sender, score, reason, service, channel, language,"
                     " created) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")


def _time(fn: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(path: Path, year: Period) -> list[tuple[str, str, float]]:
    conn = connect(path)
    names = {k: s.text("name", "cmn") for k, s in load_catalog().items()}
    month = Period(year.last_day - 29, year.last_day, OFFSET, name="30d")
    kiosk = Period(year.first_day, year.last_day, OFFSET, "kiosk")
    figures: list[tuple[str, Callable[[Period], Any]]] = [
        ("conversations and turns per day", lambda p: traffic_tables(conn, p)),
        ("top services", lambda p: services_table(conn, p, names)),
        ("好差评 by service", lambda p: ratings_table(conn, p, names)),
        ("satisfaction per day", lambda p: satisfaction_table(conn, p)),
        ("reasons for 1 and 2", lambda p: low_reasons_table(conn, p, names)),
        ("hand-overs by reason", lambda p: handoffs_table(conn, p)),
        ("wait for a person per day", lambda p: waits_table(conn, p)),
        ("callbacks", lambda p: callbacks_table(conn, p)),
        ("unresolved questions, grouped", lambda p: unresolved_groups(conn, p)),
        ("queue figures", lambda p: queue_figures(conn, p.since, p.until)),
        ("the whole figures page", lambda p: all_tables(conn, p, names, teach.labels(conn))),
    ]
    results = []
    for label, period in (("30 days", month), ("365 days", year), ("365 days, kiosk", kiosk)):
        for name, figure in figures:
            results.append((name, label, _time(lambda: figure(period))))
    conn.close()
    return results


def run_figures_bench(count: int = 1_000_000, keep: bool = False) -> list[Row]:
    path = ROOT / ".build" / "bench" / "figures.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    year = generate(path, count)
    made = time.perf_counter() - start
    results = measure(path, year)
    size = path.stat().st_size / 1e6
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    slowest = max(results, key=lambda r: r[2])
    rows: list[Row] = [("figures: data", f"{count:,} turns over {DAYS} days, {count // 60:,} cases, "
                        f"{count // 15:,} ratings; generated in {made:.0f} s, {size:.0f} MB")]
    for name, label, seconds in results:
        if name == "the whole figures page" or label == "365 days":
            rows.append((f"figures: {name} ({label})", f"{seconds * 1000:.0f} ms"))
    rows.append(("figures: slowest of every figure and period",
                 f"{slowest[2] * 1000:.0f} ms ({slowest[0]}, {slowest[1]}; "
                 f"target < {TARGET_SECONDS * 1000:.0f} ms each)"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the figures page on a year of data")
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep .build/bench/figures.sqlite3")
    args = parser.parse_args(argv)
    rows = run_figures_bench(args.turns, args.keep)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

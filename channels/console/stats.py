"""The operator's figures: what a service centre tells its district every month.

For a period (local days on staff_utc_offset's clock) and a channel: conversations and
turns per day by channel and by language and script; the services asked about; 好差评 by
service (the five levels), the satisfaction rate per day, the reasons given for 1 and 2;
hand-overs by reason; the wait for a person per day (median and 90th percentile); callbacks;
and the questions Kaifong did not understand, grouped.

Each figure is a `Table` (a title, columns and rows): the page draws it as a chart with the
table beside it (channels/console/charts.py), and exports it as CSV. The queries read
indexes only where the data is large (turns: channels/gateway/turns.py), so a year of
turns answers in well under a second (`make bench`, bench/figures.py).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Optional, Sequence

from bot.privacy import mask
from channels.console.figures import (CALLBACK_LEFT_AT, CALLBACK_PENDING, CALLBACK_RUNG,
                                      percentile)
from channels.console.grouping import Group, group
from channels.gateway.handoff.hours import day_of, day_text

CHANNELS = {"kiosk": "社区自助机", "phone": "电话", "wechat": "微信", "api": "网页/API"}
LANGUAGES = {("cmn", "hans"): "普通话·简体", ("cmn", "hant"): "普通话·繁体",
             ("yue", "hans"): "粤语·简体", ("yue", "hant"): "粤语·繁体"}
SCORES = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
# why a person was handed over: the figures page and the console (served by /console/api/me)
HANDOFFS = {"asked": "主动要求找人", "not_understood": "机器人两次听不懂", "emergency": "紧急情况",
            "off_hours": "下班时间（留电话回电）"}
NO_SERVICE = "未说明事项"
LOW_REASONS = 200            # the newest reasons for 1 and 2 shown and exported
UNRESOLVED_GROUPS = 100      # the most frequent groups shown and exported


@dataclass(frozen=True)
class Period:
    """Local days first_day..last_day (inclusive; days since 1970-01-01 on the local
    clock), and one channel or all."""
    first_day: int
    last_day: int
    offset: float                 # seconds east of UTC
    channel: Optional[str] = None
    name: str = "custom"          # today, 7d, 30d, custom

    @property
    def since(self) -> float:
        return self.first_day * 86400 - self.offset

    @property
    def until(self) -> float:
        return (self.last_day + 1) * 86400 - self.offset

    @property
    def days(self) -> range:
        return range(self.first_day, self.last_day + 1)

    def date(self, day: int) -> str:
        return day_text(day)

    def channel_sql(self, column: str = "channel") -> tuple[str, tuple[Any, ...]]:
        return (f" AND {column} = ?", (self.channel,)) if self.channel else ("", ())

    def describe(self) -> str:
        days = (self.date(self.first_day) if self.first_day == self.last_day
                else f"{self.date(self.first_day)} 至 {self.date(self.last_day)}")
        return days + "，" + (CHANNELS.get(self.channel, self.channel) if self.channel
                             else "全部渠道")


@dataclass
class Table:
    key: str                       # also the CSV's name
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    chart: dict[str, Any] = field(default_factory=dict)   # how to draw it (charts.py)


def _day_rows(period: Period, values: Mapping[int, Sequence[Any]], width: int) -> list[list[Any]]:
    return [[period.date(d), *values.get(d, [0] * width)] for d in period.days]


# --- conversations and turns --------------------------------------------------------

def _traffic(conn: sqlite3.Connection, p: Period) -> list[tuple[Any, ...]]:
    where, args = p.channel_sql()
    return conn.execute(
        "SELECT day, channel, language, script, COUNT(*), SUM(new_conversation) FROM turns"
        f" WHERE day BETWEEN ? AND ?{where} GROUP BY day, channel, language, script",
        (p.first_day, p.last_day, *args)).fetchall()


def traffic_tables(conn: sqlite3.Connection, p: Period) -> list[Table]:
    """Per day: conversations by channel (and turns), turns by language and script."""
    rows = _traffic(conn, p)
    channels = [c for c in CHANNELS if not p.channel or c == p.channel]
    by_channel: dict[int, list[int]] = {}
    by_language: dict[int, list[int]] = {}
    languages = list(LANGUAGES)
    for day, channel, language, script, turns, conversations in rows:
        line = by_channel.setdefault(day, [0] * (len(channels) + 2))
        if channel in channels:
            line[channels.index(channel)] += conversations
        line[-2] += conversations
        line[-1] += turns
        lang = by_language.setdefault(day, [0] * (len(languages) + 2))
        if (language, script) in LANGUAGES:
            lang[languages.index((language, script))] += turns
        lang[-2] += turns
        lang[-1] += conversations
    return [
        Table("conversations", "每天的对话（按渠道）",
              ["日期", *[CHANNELS[c] for c in channels], "对话合计", "轮次合计"],
              _day_rows(p, by_channel, len(channels) + 2),
              "一次对话：一个人从开口到离开（停 30 分钟以上算新的一次）；一轮：说一句、答一句。",
              {"kind": "stacked_columns", "series": list(range(1, len(channels) + 1))}),
        Table("turns", "每天的轮次（按语言和文字）",
              ["日期", *LANGUAGES.values(), "轮次合计", "对话合计"],
              _day_rows(p, by_language, len(languages) + 2), "",
              {"kind": "stacked_columns", "series": list(range(1, len(languages) + 1))}),
    ]


# --- services -----------------------------------------------------------------------

def services_table(conn: sqlite3.Connection, p: Period, names: Mapping[str, str]) -> Table:
    """Conversations that asked about each service (once per conversation)."""
    where, args = p.channel_sql()
    rows = conn.execute(
        "SELECT service, COUNT(*) FROM turns WHERE new_service = 1 AND day BETWEEN ? AND ?"
        f"{where} GROUP BY service ORDER BY 2 DESC, 1", (p.first_day, p.last_day, *args)
    ).fetchall()
    total = sum(n for _, n in rows) or 1
    return Table("services", "问得最多的事项",
                 ["事项", "对话数", "占比"],
                 [[names.get(s, s), n, f"{100 * n / total:.1f}%"] for s, n in rows],
                 "一次对话问到一个事项算一次。", {"kind": "bars", "series": [1], "top": 12})


# --- 好差评 -------------------------------------------------------------------------

def _ratings_where(p: Period) -> tuple[str, tuple[Any, ...]]:
    where, args = p.channel_sql()
    return "created >= ? AND created < ?" + where, (p.since, p.until, *args)


def ratings_table(conn: sqlite3.Connection, p: Period, names: Mapping[str, str]) -> Table:
    where, args = _ratings_where(p)
    counts: dict[Optional[str], list[int]] = {}
    for service, score, n in conn.execute(
            f"SELECT service, score, COUNT(*) FROM ratings WHERE {where} GROUP BY service, score",
            args):
        counts.setdefault(service, [0] * 5)[5 - score] += n
    rows = []
    for service, levels in sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0] or "")):
        total = sum(levels)
        rows.append([names.get(service, service) if service else NO_SERVICE, *levels, total,
                     _rate(levels[0] + levels[1], total)])
    return Table("ratings", "好差评（按事项）",
                 ["事项", *[f"{s} {SCORES[s]}" for s in (5, 4, 3, 2, 1)], "合计", "满意率"],
                 rows, "满意率：4 分和 5 分占全部评价的比例。",
                 {"kind": "stacked_bars", "series": [1, 2, 3, 4, 5]})


def satisfaction_table(conn: sqlite3.Connection, p: Period) -> Table:
    where, args = _ratings_where(p)
    by_day = {day: [total, happy, _rate(happy, total)] for day, total, happy in conn.execute(
        f"SELECT CAST((created + ?) / 86400 AS INTEGER) AS day, COUNT(*), SUM(score >= 4)"
        f" FROM ratings WHERE {where} GROUP BY day", (p.offset, *args))}
    rows = [[p.date(d), *by_day.get(d, [0, 0, ""])] for d in p.days]
    return Table("satisfaction", "每天的满意率", ["日期", "评价数", "满意（4-5 分）", "满意率"],
                 rows, "没有评价的日子不画点。", {"kind": "line", "series": [3], "percent": True})


def low_reasons_table(conn: sqlite3.Connection, p: Period, names: Mapping[str, str],
                      limit: int = LOW_REASONS) -> Table:
    """What people said when they gave 1 or 2, newest first (stored masked; masked again)."""
    where, args = _ratings_where(p)
    rows = conn.execute(
        f"SELECT created, service, score, reason FROM ratings WHERE {where} AND score <= 2"
        f" AND reason IS NOT NULL ORDER BY created DESC, id DESC LIMIT ?",
        (*args, limit)).fetchall()
    return Table("reasons", "差评的理由（1 分和 2 分，最新的在前）", ["时间", "事项", "评分", "理由"],
                 [[_local_time(at, p.offset), names.get(s, s) if s else NO_SERVICE,
                   f"{score} {SCORES[score]}", mask(reason)] for at, s, score, reason in rows],
                 f"最多列出最新的 {limit} 条；电话、证件号码已隐去。")


# --- hand-overs, waits, callbacks ------------------------------------------------------

def handoffs_table(conn: sqlite3.Connection, p: Period) -> Table:
    where, args = p.channel_sql()
    counts = dict(conn.execute(
        "SELECT handoff, COUNT(*) FROM turns WHERE handoff IS NOT NULL AND day BETWEEN ? AND ?"
        f"{where} GROUP BY handoff", (p.first_day, p.last_day, *args)).fetchall())
    return Table("handoffs", "转人工（按原因）", ["原因", "次数"],
                 [[label, counts.get(key, 0)] for key, label in HANDOFFS.items()],
                 "下班时间没有人排队，只留电话回电。", {"kind": "bars", "series": [1]})


def waits_table(conn: sqlite3.Connection, p: Period) -> Table:
    """Per day of joining the queue: the waits of cases a person took (median, 90th
    percentile) and how many ended without anyone taking them."""
    where, args = p.channel_sql()
    waits: dict[int, list[float]] = {}
    unanswered: dict[int, int] = {}
    for since, claimed, state in conn.execute(
            "SELECT waiting_since, claimed_at, state FROM cases WHERE kind = 'queue'"
            f" AND created_at >= ? AND created_at < ?{where}", (p.since, p.until, *args)):
        day = day_of(since, p.offset)
        if claimed is not None:
            waits.setdefault(day, []).append(claimed - since)
        elif state != "waiting":
            unanswered[day] = unanswered.get(day, 0) + 1
    rows = []
    for d in p.days:
        values = sorted(waits.get(d, []))
        rows.append([p.date(d), len(values), _minutes(percentile(values, 0.5)),
                     _minutes(percentile(values, 0.9)), unanswered.get(d, 0)])
    return Table("waits", "等工作人员的时间（每天）",
                 ["日期", "已接手", "等待中位数（分钟）", "九成在（分钟）内", "没接手就结束"], rows,
                 "从开始排队到工作人员接手；只算已接手的案件，没接手就结束的另计。",
                 {"kind": "line", "series": [2, 3]})


def callbacks_table(conn: sqlite3.Connection, p: Period) -> Table:
    where, args = p.channel_sql()
    left = CALLBACK_LEFT_AT
    pending = conn.execute(f"SELECT COUNT(*) FROM cases WHERE {CALLBACK_PENDING}{where}",
                           args).fetchone()[0]
    new = conn.execute(f"SELECT COUNT(*) FROM cases WHERE {left} >= ? AND {left} < ?{where}",
                       (p.since, p.until, *args)).fetchone()[0]
    done = conn.execute(f"SELECT COUNT(*) FROM cases WHERE {CALLBACK_RUNG}"
                        f" AND ended_at >= ? AND ended_at < ?{where}",
                        (p.since, p.until, *args)).fetchone()[0]
    return Table("callbacks", "回电", ["项目", "个数"],
                 [["现在待回电", pending], ["这段时间新留的电话", new], ["这段时间已回电", done]])


# --- unresolved questions --------------------------------------------------------------

def unresolved_groups(conn: sqlite3.Connection, p: Period) -> tuple[list[Group], int]:
    where, args = p.channel_sql()
    rows = conn.execute(
        "SELECT text, COUNT(*), MAX(day) FROM turns WHERE unresolved IS NOT NULL"
        f" AND text IS NOT NULL AND day BETWEEN ? AND ?{where} GROUP BY text",
        (p.first_day, p.last_day, *args)).fetchall()
    return group([(t, n, d) for t, n, d in rows], limit=UNRESOLVED_GROUPS)


def unresolved_table(groups: Sequence[Group], p: Period, labels: Mapping[str, str]) -> Table:
    rows = []
    for g in groups:
        labelled = {labels.get(t) for t in g.texts} - {None}
        rows.append([g.text, g.count, "；".join(f"{t}（{n}）" for t, n in g.variants[1:6]),
                     p.date(g.last_day), "、".join(sorted(labelled)) or "未标记"])
    return Table("unresolved", "没听懂或不在服务范围的问题（同一个问题的不同说法算一组）",
                 ["问题", "次数", "其他说法（次数）", "最后一次", "标记"], rows,
                 f"按相似程度分组，次数多的在前，最多 {UNRESOLVED_GROUPS} 组；电话、证件号码已隐去。")


# --- everything ---------------------------------------------------------------------------

Labels = Callable[[], Mapping[str, str]]   # labelled text -> its meaning, read when needed
Builder = Callable[[sqlite3.Connection, Period, Mapping[str, str], Labels], Table]

BUILDERS: dict[str, Builder] = {   # each table on its own, in the page's order (a CSV export)
    "conversations": lambda conn, p, names, labels: traffic_tables(conn, p)[0],
    "turns": lambda conn, p, names, labels: traffic_tables(conn, p)[1],
    "services": lambda conn, p, names, labels: services_table(conn, p, names),
    "ratings": lambda conn, p, names, labels: ratings_table(conn, p, names),
    "satisfaction": lambda conn, p, names, labels: satisfaction_table(conn, p),
    "reasons": lambda conn, p, names, labels: low_reasons_table(conn, p, names),
    "handoffs": lambda conn, p, names, labels: handoffs_table(conn, p),
    "waits": lambda conn, p, names, labels: waits_table(conn, p),
    "callbacks": lambda conn, p, names, labels: callbacks_table(conn, p),
    "unresolved": lambda conn, p, names, labels: unresolved_table(
        unresolved_groups(conn, p)[0], p, labels()),
}


def one_table(conn: sqlite3.Connection, p: Period, key: str, names: Mapping[str, str],
              labels: Labels) -> Optional[Table]:
    """Only the table asked for (None: no such table)."""
    build = BUILDERS.get(key)
    return None if build is None else build(conn, p, names, labels)


def all_tables(conn: sqlite3.Connection, p: Period, names: Mapping[str, str],
               labels: Mapping[str, str]) -> tuple[list[Table], list[Group], int]:
    """Every table, and the unresolved questions' groups they were built from (grouped
    once: the page lists the groups beside the table), and how many texts were left out."""
    groups, skipped = unresolved_groups(conn, p)
    tables = [*traffic_tables(conn, p), services_table(conn, p, names),
              ratings_table(conn, p, names), satisfaction_table(conn, p),
              low_reasons_table(conn, p, names), handoffs_table(conn, p), waits_table(conn, p),
              callbacks_table(conn, p), unresolved_table(groups, p, labels)]
    return tables, groups, skipped


def monthly_report(conn: sqlite3.Connection, p: Period, names: Mapping[str, str]
                   ) -> tuple[Table, Table]:
    """The month's 好差评 per service, and every reason given for 1 and 2, by service and
    then in time (the printed page and its CSV alike)."""
    reasons = low_reasons_table(conn, p, names, limit=100000)
    reasons.rows.sort(key=lambda r: (r[1], r[0]))
    reasons.title = "差评的理由（1 分和 2 分，按事项）"
    return ratings_table(conn, p, names), reasons


def _rate(happy: int, total: int) -> str:
    return f"{100 * happy / total:.1f}%" if total else ""


def _minutes(seconds: Optional[float]) -> Any:
    return "" if seconds is None else round(seconds / 60, 1)


def _local_time(at: float, offset: float) -> str:
    return datetime.fromtimestamp(at, timezone(timedelta(seconds=offset))).strftime(
        "%Y-%m-%d %H:%M")

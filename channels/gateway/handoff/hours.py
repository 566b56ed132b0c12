"""Staff hours: when a case may wait for a person.

    always                                   (the default)
    mon-fri 08:30-17:30, sat 09:00-12:00
    daily 09:00-21:00

Days are mon tue wed thu fri sat sun, a range (mon-fri) or `daily`; times are
HH:MM on the local clock given by `staff_utc_offset` (+08:00 for Guangdong,
Hong Kong and Macau, which keep no summer time).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

from bot.texts import say

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^(?P<days>daily|[a-z]{3}(?:-[a-z]{3})?)\s+"
                     r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$")
_OFFSET = re.compile(r"^(?:UTC)?(?P<sign>[+-])(?P<h>\d{1,2})(?::(?P<m>\d{2}))?$")


class HoursError(ValueError):
    """A staff_hours or staff_utc_offset value that cannot be read."""


@dataclass(frozen=True)
class Window:
    first_day: int          # 0 = Monday
    last_day: int
    start: int              # minutes after midnight
    end: int

    def contains(self, weekday: int, minute: int) -> bool:
        return self.first_day <= weekday <= self.last_day and self.start <= minute < self.end


def _minutes(hhmm: str, spec: str) -> int:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise HoursError(f"staff_hours: {hhmm!r} is not a time of day in {spec!r}")
    return hours * 60 + minutes


def _days(text: str, spec: str) -> tuple[int, int]:
    if text == "daily":
        return 0, 6
    first, _, last = text.partition("-")
    last = last or first
    if first not in DAYS or last not in DAYS:
        raise HoursError(f"staff_hours: unknown day in {text!r}; use mon tue wed thu fri sat sun")
    if DAYS.index(last) < DAYS.index(first):
        raise HoursError(f"staff_hours: {text!r} runs backwards; write it as two parts")
    return DAYS.index(first), DAYS.index(last)


def parse_offset(text: str) -> timezone:
    match = _OFFSET.match(text.strip())
    if not match:
        raise HoursError(f"staff_utc_offset must look like +08:00, not {text!r}")
    delta = timedelta(hours=int(match["h"]), minutes=int(match["m"] or 0))
    if delta > timedelta(hours=14):
        raise HoursError(f"staff_utc_offset is out of range: {text!r}")
    return timezone(-delta if match["sign"] == "-" else delta)


def day_of(at: float, offset: float) -> int:
    """The local day number of a Unix time (days since 1970-01-01 on the local clock,
    `offset` seconds east of UTC)."""
    return int((at + offset) // 86400)


def day_number(text: str) -> int:
    """A date YYYY-MM-DD as a day number (ValueError if it is not a date)."""
    return (datetime.strptime(text, "%Y-%m-%d") - datetime(1970, 1, 1)).days


def day_text(day: int) -> str:
    """A day number as YYYY-MM-DD."""
    return (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class LocalClock:
    """The centre's calendar (staff_utc_offset): every day the console counts, searches or
    shows is read on it, never on the server's or the browser's time zone."""
    offset: float                                  # seconds east of UTC
    now: Callable[[], float] = time.time

    @classmethod
    def of(cls, utc_offset: str, now: Callable[[], float] = time.time) -> "LocalClock":
        return cls(parse_offset(utc_offset).utcoffset(None).total_seconds(), now)

    def day_of(self, at: float) -> int:
        return day_of(at, self.offset)

    def start_of(self, day: int) -> float:
        """The Unix time a local day begins."""
        return day * 86400 - self.offset

    def day_start(self, text: str) -> float:
        """The Unix time a local date (YYYY-MM-DD) begins (ValueError if it is not a date)."""
        return self.start_of(day_number(text))

    def today(self) -> int:
        return self.day_of(self.now())


@dataclass(frozen=True)
class StaffHours:
    windows: tuple[Window, ...] = ()      # empty: always open
    tz: timezone = timezone(timedelta(hours=8))

    @classmethod
    def parse(cls, spec: str, utc_offset: str = "+08:00") -> "StaffHours":
        tz = parse_offset(utc_offset)
        text = spec.strip().lower()
        if text in ("", "always", "24/7"):
            return cls((), tz)
        windows = []
        for part in re.split(r"[,;]", text):
            match = _WINDOW.match(part.strip())
            if not match:
                raise HoursError(f"staff_hours: cannot read {part.strip()!r}; "
                                 "write e.g. 'mon-fri 09:00-17:00, sat 09:00-12:00'")
            first, last = _days(match["days"], spec)
            start, end = _minutes(match["start"], spec), _minutes(match["end"], spec)
            if end <= start:
                raise HoursError(f"staff_hours: {part.strip()!r} ends before it starts")
            windows.append(Window(first, last, start, end))
        return cls(tuple(windows), tz)

    @property
    def always(self) -> bool:
        return not self.windows

    def is_open(self, now: Optional[float] = None) -> bool:
        if self.always:
            return True
        local = datetime.fromtimestamp(time.time() if now is None else now, self.tz)
        minute = local.hour * 60 + local.minute
        return any(w.contains(local.weekday(), minute) for w in self.windows)

    def describe(self, language: str) -> str:
        """「周一至周五 8:30-17:30，周六 9:00-12:00」 in the person's language."""
        names = say("handoff_days", language)
        parts = []
        for w in self.windows:
            if (w.first_day, w.last_day) == (0, 6):
                days = say("handoff_daily", language)
            elif w.first_day == w.last_day:
                days = names[w.first_day]
            else:
                days = f"{names[w.first_day]}至{names[w.last_day]}"
            parts.append(f"{days} {_clock(w.start)}-{_clock(w.end)}")
        return "，".join(parts)


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"

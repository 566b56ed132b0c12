"""Turn records: what the operator's figures are made of, and the words a person saw.

Every turn through `Pipeline.chat` leaves one row in `turns`: when, the local day,
channel, language, script, the act and service the dialogue took it as, whether a
hand-over to staff began (and why), and whether Kaifong did not understand it or could
not help. Only for such an unresolved turn is the text kept, masked (bot/privacy.py) and
normalised as the NLU reads it: the console groups these, and admins label them as
training examples. No other text of a turn is stored.

Rows are written in batches (one transaction every `FLUSH_SECONDS`, or sooner when many
wait), never on the turn's own path, and a failing write never fails a turn: at worst the
figures miss the last second of turns after a power cut. Counting is done when recording:
the first turn of a conversation (a person idle `turns_conversation_minutes` starts a new
one; a kiosk cleared or a call ended does too) and the first turn of a conversation about
each service are marked, so the figures are sums over an index.

Also here, because it is a fact about the turn: the options the last reply showed, so a
pressed 「1」 is known as the words the person saw (「1 给自己办」).
"""
from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from bot.language import normalize
from bot.privacy import mask
from bot.settings import Settings
from bot.texts import say
from channels.gateway.db import Database
from channels.gateway.handoff.hours import LocalClock, day_of

log = logging.getLogger("kaifong.turns")

SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    day INTEGER NOT NULL,              -- the local day (staff_utc_offset): days since 1970-01-01
    channel TEXT NOT NULL,
    language TEXT NOT NULL,            -- cmn / yue
    script TEXT NOT NULL,              -- hans / hant
    act TEXT,                          -- an act of SERVICES.md, or staff, switch, unavailable
    service TEXT,                      -- the service under discussion after the turn
    new_conversation INTEGER NOT NULL DEFAULT 0,
    new_service INTEGER NOT NULL DEFAULT 0,   -- the conversation's first turn about `service`
    handoff TEXT,                      -- a hand-over began: asked, not_understood, emergency, off_hours
    unresolved TEXT,                   -- not_understood or out_of_scope
    text TEXT                          -- unresolved turns only: what was said, masked, normalised
);
CREATE INDEX IF NOT EXISTS turns_by_day ON turns(day, channel, language, script, new_conversation);
CREATE INDEX IF NOT EXISTS turns_services ON turns(day, channel, service) WHERE new_service = 1;
CREATE INDEX IF NOT EXISTS turns_handoffs ON turns(day, channel, handoff) WHERE handoff IS NOT NULL;
CREATE INDEX IF NOT EXISTS turns_unresolved ON turns(day, channel, text) WHERE unresolved IS NOT NULL;
"""

UNRESOLVED = ("not_understood", "out_of_scope")
HANDOFF_REASONS = ("asked", "not_understood", "emergency", "off_hours")
FLUSH_SECONDS = 1.0
FLUSH_ROWS = 500
MAX_TEXT = 200
_MASKED = re.compile(r"[0-9A-Za-z()（）]*\*[0-9A-Za-z*()（）]*")


@dataclass(frozen=True)
class TurnFacts:
    """What one turn was, as the pipeline knows it at the end of the turn."""
    channel: str
    language: str
    script: str
    act: Optional[str] = None
    service: Optional[str] = None
    handoff: Optional[str] = None
    unresolved: Optional[str] = None
    text: str = ""                 # what was said (raw); kept only when unresolved


@dataclass
class _Person:
    """What the log remembers about one conversation (bounded, in memory)."""
    last: Optional[float] = None       # the last turn recorded (None: none yet)
    services: set[str] = field(default_factory=set)
    options: dict[str, str] = field(default_factory=dict)   # payload -> title on screen


def training_text(text: str) -> str:
    """An utterance as a training example: masked first, masked numbers left out (a
    training example holds no personal digits, not even masked ones), normalised as the
    NLU reads it (Simplified, no spaces between Chinese words)."""
    cleaned = _MASKED.sub(" ", mask(text))
    return normalize(cleaned).strip()[:MAX_TEXT]


def unresolved_text(text: str) -> str:
    """What an unresolved turn keeps: masked, then normalised (a masked number stays
    visible as ****, so staff see a number was there)."""
    return normalize(mask(text)).strip()[:MAX_TEXT]


class TurnLog:
    def __init__(self, db: Database, settings: Settings,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self.offset = LocalClock.of(settings.staff_utc_offset).offset
        self.gap = settings.turns_conversation_minutes * 60
        self.max_people = settings.max_sessions
        self._people: OrderedDict[str, _Person] = OrderedDict()
        self._rows: list[tuple[Any, ...]] = []
        self._flusher: Optional[asyncio.Task[None]] = None
        self._wake = asyncio.Event()
        self._closed = False

    async def open(self) -> None:
        await self.db.apply(SCHEMA)
        self._flusher = asyncio.get_running_loop().create_task(self._flush_loop())

    async def close(self) -> None:
        """Write what is still buffered (the app is stopping)."""
        self._closed = True
        self._wake.set()
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        await self.flush()

    # --- the words a person saw -------------------------------------------------

    def showed(self, sender: str, messages: list[dict[str, Any]]) -> None:
        """The reply a person got: its numbered options are what a number means next."""
        options = {str(b.get("payload")): str(b.get("title"))
                   for m in messages for b in m.get("buttons") or [] if b.get("title")}
        self._person(sender).options = options

    def shown(self, sender: str, control: Optional[tuple[str, Optional[int]]],
              language: str = "cmn") -> Optional[str]:
        """The words on screen a pressed number (or 「0」) stood for, else None."""
        if control is None:
            return None
        intent, choice = control
        person = self._people.get(sender)
        if intent == "choose" and choice is not None and person is not None:
            return person.options.get(str(choice))
        if intent == "human":
            return "0 " + say("option_human", language)
        return None

    # --- recording -------------------------------------------------------------

    def record(self, sender: str, facts: TurnFacts) -> None:
        """One turn; never raises, never waits."""
        try:
            self._rows.append(self._row(sender, facts))
        except Exception:   # a figure is never worth a turn
            log.exception("a turn record could not be made (channel=%s)", facts.channel)
            return
        if len(self._rows) >= FLUSH_ROWS:
            self._wake.set()

    def forget(self, sender: str) -> None:
        """The person has gone (kiosk cleared, call ended): their next turn starts anew."""
        self._people.pop(sender, None)

    def _row(self, sender: str, f: TurnFacts) -> tuple[Any, ...]:
        now = self.clock()
        person = self._people.get(sender)
        new_conversation = person is None or person.last is None or now - person.last > self.gap
        if new_conversation:
            person = self._person(sender, fresh=True)
        person.last = now
        self._people.move_to_end(sender)
        new_service = bool(f.service) and f.service not in person.services
        if f.service:
            person.services.add(f.service)
        unresolved = f.unresolved if f.unresolved in UNRESOLVED else None
        handoff = f.handoff if f.handoff in HANDOFF_REASONS else None
        text = unresolved_text(f.text) if unresolved else None
        return (now, day_of(now, self.offset), f.channel, f.language, f.script, f.act,
                f.service, int(new_conversation), int(new_service), handoff, unresolved,
                text or None)

    def _person(self, sender: str, fresh: bool = False) -> _Person:
        person = self._people.get(sender)
        if person is None or fresh:
            options = person.options if person is not None else {}
            person = self._people[sender] = _Person(options=options)
            while len(self._people) > self.max_people:
                self._people.popitem(last=False)
        return person

    # --- writing ---------------------------------------------------------------

    async def flush(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            await self.db.run(insert_rows, rows)
        except (sqlite3.Error, RuntimeError) as exc:
            log.error("%d turn records could not be stored: %s", len(rows),
                      exc.__class__.__name__)

    async def _flush_loop(self) -> None:
        while not self._closed:
            try:
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            await self.flush()


def insert_rows(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    conn.executemany(
        "INSERT INTO turns (at, day, channel, language, script, act, service, new_conversation,"
        " new_service, handoff, unresolved, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows)

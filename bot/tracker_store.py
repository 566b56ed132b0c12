"""Rasa's tracker store for Kaifong: SQL (SQLite by default), with turns that cost the same
at turn 100 as at turn 1. Named in bot/endpoints.yml; loaded by Rasa (runs in .venv-rasa).

Rasa replays a conversation's whole current session on every turn: it loads every event,
rebuilds the tracker, matches rules over its history and sends all of it to the action
server. A long visit (a phone call, a kiosk morning) paid about 0.8 ms more per earlier
turn. Kaifong's dialogue needs none of that history — rules look at the last intent, and
everything a follow-up needs lives in slots — so once the session grows past
`max_events`, the store closes it the way Rasa opens a session (action_session_start,
session_started, the slots carried over, action_listen). Rasa then loads only that
window; the full history stays in the table (`retrieve_full_tracker`).

SQLite writes through a write-ahead log with synchronous=NORMAL (every committed turn
survives a crash of Rasa; only a power cut can lose the last moments) and keeps a few
connections open: Rasa commits every turn, and the default journal's fsyncs were half of
a turn's time. The log is copied into the database by a thread every two seconds: done by
whichever commit crossed SQLite's threshold, that copy and its fsync stalled Rasa's event
loop, and every turn in flight with it (p95 of 200 conversations at human pace: 340 ms
before, 70 ms after). A subclass is Rasa's public way to tune its store (it was a patch of Rasa's
module-level engine arguments before).
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
import json
import sqlite3
import threading
import time
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

# A conversation idle this long is read from the database again: the gateway's retention
# job (channels/gateway/retention.py) deletes conversations idle for days, and a copy kept
# here must not bring one back half (its next save would store only the newest events).
CACHE_IDLE_SECONDS = 3600.0

# Slots Rasa keeps for itself: never carried into the new window.
_RASA_SLOTS = {"session_started_metadata", "requested_slot"}


class KaifongTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, max_events: int = 60, cached_conversations: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        self.max_events = int(max_events)
        # The current window of recent conversations, as stored: a load then needs no query.
        # Only for one Rasa process per database (another writer would not be seen).
        self._cache: "OrderedDict[str, list[str]]" = OrderedDict()
        self._used: dict[str, float] = {}     # when each cached conversation was last used
        self._cache_size = int(cached_conversations)
        if self.engine.dialect.name == "sqlite" and ":memory:" not in str(self.engine.url):
            self._use_wal(str(self.engine.url))

    def _use_wal(self, url: str) -> None:
        self.engine.dispose()
        # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool), and closing
        # the last WAL connection checkpoints the log: keep a few open (one thread uses them).
        self.engine = sa.create_engine(url, poolclass=QueuePool, pool_size=2, max_overflow=4,
                                       connect_args={"check_same_thread": False})
        event.listen(self.engine, "connect", _wal_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        _start_checkpointer(self.engine.url.database)

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's query, with events rebuilt through a table of event types made once
        (Rasa walks every subclass of Event for each event it reads: most of a load)."""
        cached = None if fetch_events_from_all_sessions else self._fresh(sender_id)
        if cached is not None:
            self._cache.move_to_end(sender_id)
            self._used[sender_id] = time.monotonic()
            stored = list(cached)
        else:
            with self.session_scope() as session:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions)
                stored = [row.data for row in rows.all()]
            if not fetch_events_from_all_sessions and stored:
                self._remember(sender_id, stored)
        # JSON text in the cache: the events Rasa builds never share objects with it
        events = [ev for ev in (_event(json.loads(data)) for data in stored) if ev is not None]
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            tracker.kaifong_stored = len(events)   # type: ignore[attr-defined]
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save, without its count query: the tracker we loaded knows how many of
        its events are stored."""
        await self.stream_events(tracker)
        stored = getattr(tracker, "kaifong_stored", None)
        if stored is None or stored > len(tracker.events):
            with self.session_scope() as session:
                new = list(self._additional_events(session, tracker))
        else:
            new = list(itertools.islice(tracker.events, stored, None))
        window = new_window(tracker) if len(tracker.events) > self.max_events else []
        self._append(tracker.sender_id, new, window)
        tracker.kaifong_stored = len(tracker.events)   # type: ignore[attr-defined]

    def _append(self, sender_id: str, events: list[Event], window: list[Event]) -> None:
        """Rasa's rows in one transaction (a plain insert: the ORM's bookkeeping was a good
        part of a save); the cache follows what was written."""
        rows = [_row(sender_id, ev.as_dict()) for ev in events + window]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(self.SQLEvent.__table__.insert(), rows)
        written = [row["data"] for row in rows]
        if window:
            # What a load returns from now on: from session_started (the action that
            # opened the window is, as in Rasa's own sessions, before it)
            self._remember(sender_id, written[len(events) + 1:])
        elif sender_id in self._cache:
            self._cache[sender_id].extend(written)

    def _fresh(self, sender_id: str) -> Optional[list[str]]:
        """The cached window, unless the conversation was idle long enough to be purged."""
        if sender_id in self._cache and \
                time.monotonic() - self._used.get(sender_id, 0.0) > CACHE_IDLE_SECONDS:
            del self._cache[sender_id]
            self._used.pop(sender_id, None)
        return self._cache.get(sender_id)

    def _remember(self, sender_id: str, stored: list[str]) -> None:
        if self._cache_size <= 0:
            return
        self._cache[sender_id] = list(stored)
        self._cache.move_to_end(sender_id)
        self._used[sender_id] = time.monotonic()
        while len(self._cache) > self._cache_size:
            gone, _ = self._cache.popitem(last=False)
            self._used.pop(gone, None)


def _row(sender_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"sender_id": sender_id, "type_name": data["event"], "timestamp": data.get("timestamp"),
            "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
            "action_name": data.get("name"), "data": json.dumps(data)}


_EVENT_TYPES: dict[str, type[Event]] = {}


def _event(data: dict[str, Any]) -> Optional[Event]:
    if not _EVENT_TYPES:
        _EVENT_TYPES.update({cls.type_name: cls for cls in all_subclasses(Event)})
    cls = _EVENT_TYPES.get(data.get("event", ""))
    return cls._from_parameters(data) if cls else Event.from_parameters(data)


def new_window(tracker: DialogueStateTracker) -> list[Event]:
    """The events that open a new session with the conversation's slots, as Rasa's
    action_session_start writes them (events are created in order: their timestamps are
    what Rasa sorts the session by)."""
    events: list[Event] = [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted()]
    for name, slot in tracker.slots.items():
        if name in _RASA_SLOTS or slot.value == slot.initial_value:
            continue
        events.append(SlotSet(name, slot.value))
    events.append(ActionExecuted(ACTION_LISTEN_NAME))
    return events


def _wal_pragmas(dbapi_connection: Any, connection_record: Optional[Any]) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Copying the log into the database fsyncs; left to the commit that crosses the
        # threshold, it stalled Rasa's event loop (every turn in flight waited): a thread does it.
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()


def _start_checkpointer(path: Optional[str], every: float = 2.0) -> None:
    """Checkpoint the write-ahead log every `every` seconds on a connection of its own, in a
    daemon thread (SQLite releases the GIL while it writes and fsyncs)."""
    if not path:
        return

    def run() -> None:
        while True:
            time.sleep(every)
            try:   # a new connection each time: one opened before the log existed sees none
                connection = sqlite3.connect(path, timeout=0.1)
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                finally:
                    connection.close()
            except sqlite3.Error:
                pass   # busy or gone: the next round tries again

    threading.Thread(target=run, name="kaifong-wal-checkpoint", daemon=True).start()

"""Kaifong's tracker store keeps recent conversations in memory; the gateway's retention
job deletes idle ones from the database behind its back. A conversation idle long enough
to be purged is read again, never served half from memory."""
import asyncio
import sqlite3

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import tracker_store
from bot.tracker_store import KaifongTrackerStore


def test_a_purged_idle_conversation_is_not_served_from_memory(tmp_path, monkeypatch):
    path = tmp_path / "tracker.db"
    store = KaifongTrackerStore(Domain.empty(), max_events=40, cached_conversations=10,
                                dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events(
        "elder", [ActionExecuted("action_listen"), UserUttered("社保卡丢了怎么办")], [])

    async def round_trip() -> object:
        await store.save(tracker)
        assert await store.retrieve("elder") is not None        # cached now
        with sqlite3.connect(path) as db:                       # the retention job's delete
            db.execute("DELETE FROM events WHERE sender_id = 'elder'")
        assert await store.retrieve("elder") is not None        # a turn ago: still in memory
        now = tracker_store.time.monotonic()
        monkeypatch.setattr(tracker_store.time, "monotonic",
                            lambda: now + tracker_store.CACHE_IDLE_SECONDS + 1)
        return await store.retrieve("elder")

    assert asyncio.run(round_trip()) is None

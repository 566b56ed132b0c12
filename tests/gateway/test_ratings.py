"""The 好差评 store keeps what the actions signal, masks reasons, ignores junk, and
never turns a storage failure into a failed turn."""
import sqlite3

from channels.gateway.db import Database
from channels.gateway.ratings import RatingStore


async def open_store(path):
    db = Database(path)
    await db.open()
    store = RatingStore(db)
    await store.open()
    return db, store


async def test_rating_and_masked_reason_are_stored(tmp_path):
    db, store = await open_store(tmp_path / "kaifong.sqlite3")
    try:
        assert await store.record("u1", "kiosk", {"rating": {"score": 2, "service": "id_card",
                                                             "language": "yue"}})
        assert await store.record("u1", "kiosk", {"rating_reason": {
            "reason": "排队太耐，我电话13812345678"}})
        [row] = await store.rows()
        assert (row["score"], row["service"], row["channel"], row["language"]) == \
            (2, "id_card", "kiosk", "yue")
        assert row["reason"].startswith("排队太耐，我电话") and "13812345678" not in row["reason"]
        assert "5678" in row["reason"]
        assert (await store.figures())["average"] == 2
    finally:
        await db.close()


async def test_malformed_signals_store_nothing(tmp_path):
    db, store = await open_store(tmp_path / "kaifong.sqlite3")
    try:
        for signals in ({"rating": {"score": 9}}, {"rating": {"score": "5"}}, {"rating": "5"},
                        {"rating": {"score": True}}, {"rating_reason": {"reason": 3}}, {}):
            await store.record("u1", "api", signals)
        assert await store.rows() == []
    finally:
        await db.close()


async def test_a_failing_database_is_logged_not_raised(tmp_path, caplog):
    db, store = await open_store(tmp_path / "kaifong.sqlite3")
    await db.run(lambda conn: conn.execute("DROP TABLE ratings"))
    try:
        ok = await store.record("u1", "kiosk", {"rating": {"score": 1, "service": None},
                                                "rating_reason": {"reason": "电话13812345678"}})
        assert ok is False
        assert "a rating could not be stored" in caplog.text
        assert "13812345678" not in caplog.text and "电话" not in caplog.text
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "kaifong.sqlite3") as conn:   # the file is intact
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_a_new_rating_instead_of_a_reason_replaces_the_last_one(tmp_path):
    """Asked why, the person gives a new rating: one conversation keeps one rating."""
    db, store = await open_store(tmp_path / "kaifong.sqlite3")
    try:
        await store.record("u1", "kiosk", {"rating": {"score": 1, "service": "id_card"}})
        await store.record("u1", "kiosk", {"rating": {"score": 3, "again": True}})
        await store.record("u2", "kiosk", {"rating": {"score": 2, "again": True}})   # none before
        rows = await store.rows()
        assert [(r["sender"], r["score"], r["service"]) for r in rows] == \
            [("u1", 3, "id_card"), ("u2", 2, None)]
    finally:
        await db.close()

"""The 好差评 store keeps what the actions signal, masks reasons, and ignores junk."""
import asyncio

from channels.feedback import FeedbackStore


def test_rating_and_masked_reason_are_stored(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.db")
    asyncio.run(store.record("u1", "kiosk", {"rating": {"score": 2, "service": "id_card",
                                                        "language": "yue"}}))
    asyncio.run(store.record("u1", "kiosk", {"rating_reason": {
        "reason": "排队太耐，我电话13812345678"}}))
    [row] = store.rows()
    assert (row["score"], row["service"], row["channel"], row["language"]) == (2, "id_card", "kiosk", "yue")
    assert "13812345678" not in row["reason"] and "138****5678" in row["reason"]
    assert store.figures()["average"] == 2


def test_malformed_signals_store_nothing(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.db")
    for signals in ({"rating": {"score": 9}}, {"rating": {"score": "5"}}, {"rating": "5"},
                    {"rating_reason": {"reason": 3}}, {}):
        asyncio.run(store.record("u1", "api", signals))
    assert store.rows() == []

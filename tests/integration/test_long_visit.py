"""A long visit on the real stack (issue 15): Rasa's tracker store keeps a bounded window
(bot/tracker_store.py), and the conversation does not notice — slots, the last reply and
the options on screen carry across every window, and the whole history stays stored."""
import sqlite3

from tests.integration.helpers import Conversation

ROUND = ["养老金点样认证", "1", "2"]


def test_a_long_visit_keeps_its_state_across_windows(base_url, stack):
    chat = Conversation(base_url)
    for _ in range(10):                       # 30 turns: several windows of 40 events
        for text in ROUND:
            last = chat.say(text)
    shown = [m["text"] for m in last["messages"]]
    again = chat.say("再讲一次")
    assert [m["text"] for m in again["messages"]] == shown
    buttons = [b["title"] for m in again["messages"] for b in m.get("buttons") or []]
    assert buttons, "the options are still on screen"
    picked = chat.say("1")                    # a number still picks from them
    assert picked["messages"] and "冇呢个选项" not in picked["messages"][0]["text"]

    db = sqlite3.connect(stack.config.run_dir / "rasa_tracker.db")
    try:
        (users,) = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND "
                              "type_name = 'user'", (chat.sender,)).fetchone()
        (windows,) = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND "
                                "type_name = 'session_started'", (chat.sender,)).fetchone()
    finally:
        db.close()
    assert users == 32                        # nothing of the history is lost
    assert windows >= 5                       # and Rasa reads only the last window

"""Off-topic words on a menu (issue 15): when the NLU is sure an utterance is out of scope,
the words that happen to name a menu option (「星期几」 for "where") do not pick it."""
from actions.guidance import ActionOutOfScope
from actions.services import ActionExplainDetail
from tests.actions.conftest import make_tracker

MENU = {"service": "senior_card", "step": "materials",
        "options": ["where", "online", "human", "done"]}


def texts(dispatcher):
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def slots(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_sure_out_of_scope_does_not_pick_an_option_by_its_words(dispatcher):
    tracker = make_tracker("今日星期几", "out_of_scope", "yue", MENU, ranking=[("out_of_scope", 0.99)])
    events = ActionOutOfScope().run(dispatcher, tracker, {})
    assert slots(events).get("step") != "where"
    assert not any("地址" in t or "办公时间" in t or "开放时间" in t for t in texts(dispatcher))
    assert slots(events)["failures"] == 1          # counted as not understood


def test_an_unsure_out_of_scope_still_answers_the_menu(dispatcher):
    tracker = make_tracker("星期六开唔开门", "out_of_scope", "yue", MENU,
                           ranking=[("out_of_scope", 0.6), ("svc_office_info", 0.3)])
    events = ActionOutOfScope().run(dispatcher, tracker, {})
    assert slots(events)["step"] == "where"


def test_option_words_of_an_understood_question_still_pick(dispatcher):
    tracker = make_tracker("去边度办", "ask_detail", "yue", MENU)
    events = ActionExplainDetail().run(dispatcher, tracker, {})
    assert slots(events)["step"] == "where"

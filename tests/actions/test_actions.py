"""Custom actions with a real Tracker and CollectingDispatcher: the full events and
what the person would read."""
from actions.common import MAIN_OPTIONS
from actions.feedback import ActionRate
from actions.guidance import ActionAffirm, ActionGreet, ActionRepeat, ActionRestart, ActionSlower
from actions.handoff import ActionEmergency, ActionHandoff
from actions.services import ActionChoose, ActionExplainDetail, ActionExplainService
from bot.catalog import catalog
from tests.actions.conftest import make_tracker

PENSION = catalog()["pension_certification"]


def texts(dispatcher):
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def buttons(dispatcher):
    return [b for m in dispatcher.messages for b in m.get("buttons") or []]


def test_service_question_gets_summary_then_numbered_options(dispatcher):
    tracker = make_tracker("养老金点样认证", "svc_pension_certification", "yue")
    events = ActionExplainService().run(dispatcher, tracker, {})
    said = texts(dispatcher)
    assert said[0] == PENSION.text("summary", "yue")
    assert [b["title"] for b in buttons(dispatcher)] == [
        "1 要带咩嘢", "2 去边度办", "3 手机点样办", "4 搵工作人员"]
    assert [b["payload"] for b in buttons(dispatcher)] == ["1", "2", "3", "4"]
    assert {"event": "slot", "name": "service", "value": "pension_certification",
            "timestamp": None} in events
    assert {"event": "slot", "name": "options", "value": list(MAIN_OPTIONS),
            "timestamp": None} in events
    assert {"event": "slot", "name": "language", "value": "yue", "timestamp": None} in events


def test_service_question_about_materials_answers_materials_directly(dispatcher):
    tracker = make_tracker("养老金认证要带什么材料", "svc_pension_certification", "cmn")
    ActionExplainService().run(dispatcher, tracker, {})
    first = texts(dispatcher)[0]
    for item in PENSION.text("materials", "cmn"):
        assert item in first


def test_choice_by_number_answers_from_the_catalog(dispatcher):
    slots = {"service": "pension_certification", "options": list(MAIN_OPTIONS)}
    tracker = make_tracker("/choose", "choose", "yue", slots, {"choice": 2})
    ActionChoose().run(dispatcher, tracker, {})
    said = "\n".join(texts(dispatcher))
    assert PENSION.text("where", "yue") in said and PENSION.text("hours", "yue") in said


def test_choice_by_words_without_metadata(dispatcher):
    slots = {"service": "pension_certification", "options": list(MAIN_OPTIONS)}
    ActionChoose().run(dispatcher, make_tracker("第一个", "choose", "cmn", slots), {})
    assert "身份证" in texts(dispatcher)[0]


def test_out_of_range_choice_shows_the_options_again(dispatcher):
    slots = {"service": "pension_certification", "options": list(MAIN_OPTIONS)}
    ActionChoose().run(dispatcher, make_tracker("9", "choose", "cmn", slots, {"choice": 9}), {})
    assert "没有这个选项" in texts(dispatcher)[0]
    assert len(buttons(dispatcher)) == 4


def test_choice_with_nothing_on_screen_asks_which_service(dispatcher):
    ActionChoose().run(dispatcher, make_tracker("2", "choose", "cmn", {}, {"choice": 2}), {})
    assert "哪件事" in texts(dispatcher)[0]


def test_choosing_staff_signals_a_handoff(dispatcher):
    slots = {"service": "pension_certification", "options": list(MAIN_OPTIONS)}
    ActionChoose().run(dispatcher, make_tracker("4", "choose", "cmn", slots, {"choice": 4}), {})
    custom = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert custom == [{"kaifong": {"handoff": {"reason": "asked",
                                               "service": "pension_certification"}}}]
    assert "12333" in texts(dispatcher)[0]


def test_detail_follow_up_uses_the_current_service(dispatcher):
    slots = {"service": "pension_certification", "options": list(MAIN_OPTIONS)}
    ActionExplainDetail().run(dispatcher, make_tracker("手机上点搞", "ask_detail", "yue", slots), {})
    assert PENSION.text("online", "yue") in texts(dispatcher)[0]


def test_detail_without_a_service_asks_which(dispatcher):
    ActionExplainDetail().run(dispatcher, make_tracker("要带什么", "ask_detail", "cmn"), {})
    assert "哪件事" in texts(dispatcher)[0]


def test_repeat_says_the_last_reply_exactly(dispatcher):
    last = [{"text": "上一句", "buttons": [{"title": "1 要带什么材料", "payload": "1"}]}]
    ActionRepeat().run(dispatcher, make_tracker("再讲一次", "repeat", "yue", {"last_reply": last}), {})
    assert texts(dispatcher) == ["上一句"] and buttons(dispatcher) == last[0]["buttons"]


def test_slower_sets_the_flag_and_repeats(dispatcher):
    last = [{"text": "上一句"}]
    events = ActionSlower().run(dispatcher, make_tracker("讲慢啲", "slower", "yue",
                                                          {"last_reply": last}), {})
    assert texts(dispatcher)[-1] == "上一句"
    assert {"event": "slot", "name": "slow", "value": True, "timestamp": None} in events
    assert {"kaifong": {"slow": True}} in [m.get("custom") for m in dispatcher.messages]


def test_restart_forgets_the_service(dispatcher):
    events = ActionRestart().run(dispatcher, make_tracker("重新开始", "restart", "cmn",
                                                          {"service": "id_card"}), {})
    assert events[0] == {"event": "reset_slots", "timestamp": None}
    assert "重新开始" in texts(dispatcher)[0]


def test_greeting_in_cantonese(dispatcher):
    ActionGreet().run(dispatcher, make_tracker("你好", "greet", "yue"), {})
    assert "你想办咩事" in texts(dispatcher)[0]


def test_affirm_shows_options_when_there_are_some(dispatcher):
    slots = {"service": "id_card", "options": list(MAIN_OPTIONS)}
    ActionAffirm().run(dispatcher, make_tracker("好", "affirm", "cmn", slots), {})
    assert len(buttons(dispatcher)) == 4


def test_emergency_says_120_first_and_asks_for_urgent_handoff(dispatcher):
    ActionEmergency().run(dispatcher, make_tracker("我阿妈晕咗", "emergency", "yue"), {})
    assert texts(dispatcher)[0].startswith("请即刻打120")
    custom = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert custom[0]["kaifong"]["handoff"]["reason"] == "emergency"


def test_handoff_and_rate_reply_in_the_language(dispatcher):
    ActionHandoff().run(dispatcher, make_tracker("转人工", "human", "yue"), {})
    ActionRate().run(dispatcher, make_tracker("好满意", "rate", "yue"), {})
    said = texts(dispatcher)
    assert "搵工作人员" in said[0] and "多谢" in said[1]

"""Custom actions with a real Tracker and CollectingDispatcher: the events they
return and what the person would read."""
from actions.feedback import ActionRate
from actions.guidance import (ActionAffirm, ActionBack, ActionFallback, ActionGoodbye, ActionGreet,
                              ActionOutOfScope, ActionRepeat, ActionRestart, ActionSlower,
                              ActionThanks)
from actions.handoff import ActionEmergency, ActionHandoff
from actions.services import ActionChoose, ActionExplainDetail, ActionExplainService
from bot.catalog import catalog
from tests.actions.conftest import make_tracker

PENSION = catalog()["pension_certification"]
SENIOR = catalog()["senior_card"]


def texts(dispatcher):
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def buttons(dispatcher):
    return [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]


def slots(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def custom(dispatcher):
    """The signals for the gateway, without the turn record every turn carries."""
    signals = [{k: v for k, v in m["custom"]["kaifong"].items() if k != "turn"}
               for m in dispatcher.messages if m.get("custom")]
    return [s for s in signals if s]


def turn_signal(dispatcher):
    return next(m["custom"]["kaifong"]["turn"] for m in dispatcher.messages if m.get("custom"))


def test_service_question_gets_summary_then_who_it_is_for(dispatcher):
    tracker = make_tracker("养老金点样认证", "svc_pension_certification", "yue")
    events = ActionExplainService().run(dispatcher, tracker, {})
    assert texts(dispatcher) == [PENSION.text("summary", "yue"), "你系帮自己办，定系帮屋企人办？"]
    assert buttons(dispatcher) == ["1 帮自己办", "2 帮屋企人办", "3 搵工作人员"]
    state = slots(events)
    assert state["service"] == "pension_certification" and state["step"] == "who"
    assert state["options"] == ["self", "family", "human"] and state["language"] == "yue"
    assert state["last_reply"][0]["text"] == PENSION.text("summary", "yue")


def test_question_about_materials_answers_directly(dispatcher):
    tracker = make_tracker("养老金认证要带什么材料", "svc_pension_certification")
    ActionExplainService().run(dispatcher, tracker, {})
    for item in PENSION.text("materials", "cmn"):
        assert item in texts(dispatcher)[0]
    assert buttons(dispatcher) == ["1 去哪里办", "2 手机上怎么办", "3 找工作人员", "4 没有了，办完了"]


def test_for_family_then_age_rule_then_materials_with_agent_papers(dispatcher):
    who = {"service": "senior_card", "step": "who", "options": ["self", "family", "human"]}
    events = ActionChoose().run(dispatcher, make_tracker("/choose", "choose", "cmn", who,
                                                         {"choice": 2}), {})
    assert texts(dispatcher) == ["要办卡的人，满60岁了吗？"]
    assert buttons(dispatcher) == ["1 是", "2 不是"]
    state = {**who, **slots(events)}
    assert state["for_whom"] == "family" and state["step"] == "rule:0"

    dispatcher.messages.clear()
    events = ActionAffirm().run(dispatcher, make_tracker("满了", "affirm", "cmn", state), {})
    said = "\n".join(texts(dispatcher))
    assert "满60岁，可以办长者卡。" in said
    for item in SENIOR.text("materials", "cmn") + SENIOR.optional("agent_materials", "cmn"):
        assert item in said
    assert slots(events)["step"] == "materials"


def test_age_answer_below_threshold_stops_with_next_steps(dispatcher):
    rule = {"service": "senior_card", "step": "rule:0", "options": ["yes", "no"], "history": ["who"]}
    events = ActionChoose().run(dispatcher, make_tracker("/choose", "choose", "yue", rule,
                                                         {"choice": 56}), {})
    assert texts(dispatcher)[0] == "要够60岁先可以办。到时再嚟办。"
    assert buttons(dispatcher) == ["1 问其他事", "2 搵工作人员", "3 冇嘢喇，搞掂"]
    assert slots(events)["step"] == "ineligible"


def test_age_in_words(dispatcher):
    rule = {"service": "elderly_allowance", "step": "rule:0", "options": ["yes", "no"]}
    events = ActionFallback().run(dispatcher, make_tracker("佢今年八十五岁", "nlu_fallback", "yue", rule), {})
    assert texts(dispatcher)[0] == "够80岁，年龄啱。"
    assert slots(events)["step"] == "rule:1"


def test_words_answer_the_question_on_screen(dispatcher):
    who = {"service": "pension_certification", "step": "who", "options": ["self", "family", "human"]}
    events = ActionExplainService().run(
        dispatcher, make_tracker("帮我阿妈办", "svc_pension_certification", "yue", who,
                                 ranking=[("svc_pension_certification", 0.4)]), {})
    assert slots(events)["for_whom"] == "family"
    assert any("带埋" in t for t in texts(dispatcher))


def test_out_of_range_number_shows_the_same_options(dispatcher):
    menu = {"service": "pension_certification", "step": "materials",
            "options": ["where", "online", "human", "done"]}
    ActionChoose().run(dispatcher, make_tracker("/choose", "choose", "cmn", menu, {"choice": 9}), {})
    assert texts(dispatcher)[0] == "没有这个选项。请从下面选一个数字。"
    assert buttons(dispatcher) == ["1 去哪里办", "2 手机上怎么办", "3 找工作人员", "4 没有了，办完了"]


def test_choosing_staff_signals_a_handoff(dispatcher):
    menu = {"service": "pension_certification", "step": "materials",
            "options": ["where", "online", "human", "done"]}
    ActionChoose().run(dispatcher, make_tracker("/choose", "choose", "cmn", menu, {"choice": 3}), {})
    assert custom(dispatcher) == [{"handoff": {"reason": "asked", "service": "pension_certification"}}]
    assert "12333" in texts(dispatcher)[0]


def test_back_goes_to_the_previous_step(dispatcher):
    state = {"service": "senior_card", "step": "rule:0", "options": ["yes", "no"], "history": ["who"]}
    events = ActionBack().run(dispatcher, make_tracker("/back", "back", "cmn", state), {})
    assert texts(dispatcher) == ["您是给自己办，还是帮家人办？"]
    assert slots(events)["step"] == "who" and slots(events)["history"] == []


def test_back_at_the_first_step(dispatcher):
    ActionBack().run(dispatcher, make_tracker("返回", "back", "yue"), {})
    assert texts(dispatcher) == ["呢度已经系第一步。"]


def test_detail_follow_up_uses_the_current_service(dispatcher):
    state = {"service": "pension_certification", "step": "materials", "options": []}
    ActionExplainDetail().run(dispatcher, make_tracker("手机上点搞", "ask_detail", "yue", state), {})
    assert PENSION.text("online", "yue") in texts(dispatcher)[0]


def test_detail_without_a_service_asks_which(dispatcher):
    ActionExplainDetail().run(dispatcher, make_tracker("要带什么", "ask_detail", "cmn"), {})
    assert "哪件事" in texts(dispatcher)[0]


def test_two_close_services_are_offered_as_a_choice(dispatcher):
    ranking = [("svc_pension_certification", 0.48), ("svc_pension_payment", 0.41), ("greet", 0.02)]
    events = ActionExplainService().run(
        dispatcher, make_tracker("养老金", "svc_pension_certification", "cmn", ranking=ranking), {})
    assert texts(dispatcher) == ["您是想问养老金资格认证，还是养老金发放？"]
    assert buttons(dispatcher) == ["1 养老金资格认证", "2 养老金发放"]
    assert slots(events)["options"] == ["svc:pension_certification", "svc:pension_payment"]


def test_first_failure_rephrases_second_offers_a_person(dispatcher):
    events = ActionFallback().run(dispatcher, make_tracker("嗯嗯嗯", "nlu_fallback", "cmn"), {})
    said = texts(dispatcher)
    assert said[0].startswith("对不起，我没听明白") and "社保卡丢了" in said[1]
    assert len(buttons(dispatcher)) == 4 and slots(events)["failures"] == 1

    dispatcher.messages.clear()
    events = ActionOutOfScope().run(dispatcher, make_tracker("讲个笑话", "out_of_scope", "cmn",
                                                             {"failures": 1}), {})
    assert texts(dispatcher) == ["对不起，我还是没听明白。要不要我帮您找工作人员？"]
    assert buttons(dispatcher) == ["1 找工作人员", "2 不用，我再说一次"]
    assert slots(events)["failures"] == 2


def test_an_understood_turn_resets_the_failures(dispatcher):
    events = ActionGreet().run(dispatcher, make_tracker("你好", "greet", "yue", {"failures": 1}), {})
    assert slots(events)["failures"] == 0 and "你想办咩事" in texts(dispatcher)[0]


def test_repeat_says_the_last_reply_exactly(dispatcher):
    last = [{"text": "上一句", "buttons": [{"title": "1 是", "payload": "1"}]}]
    events = ActionRepeat().run(dispatcher, make_tracker("再讲一次", "repeat", "yue",
                                                         {"last_reply": last}), {})
    assert texts(dispatcher) == ["上一句"]
    assert dispatcher.messages[0]["buttons"] == last[0]["buttons"]
    assert "last_reply" not in slots(events)


def test_slower_sets_the_flag_and_repeats(dispatcher):
    events = ActionSlower().run(dispatcher, make_tracker("讲慢啲", "slower", "yue",
                                                         {"last_reply": [{"text": "上一句"}]}), {})
    assert texts(dispatcher) == ["好，我讲慢啲。", "上一句"]
    assert slots(events)["slow"] is True and {"slow": True} in custom(dispatcher)


def test_restart_forgets_the_service_but_not_slow_speech(dispatcher):
    events = ActionRestart().run(dispatcher, make_tracker("重新开始", "restart", "cmn",
                                                          {"service": "id_card", "slow": True}), {})
    assert events[0] == {"event": "reset_slots", "timestamp": None}
    assert slots(events)["slow"] is True and "service" not in slots(events)
    assert "重新开始" in texts(dispatcher)[0]


def test_thanks_after_a_service_asks_the_rating_once(dispatcher):
    state = {"service": "id_card", "step": "where", "options": ["materials", "online", "human", "done"]}
    events = ActionThanks().run(dispatcher, make_tracker("多谢", "thanks", "yue", state), {})
    assert texts(dispatcher)[0] == "唔使客气！仲有其他事吗？"
    assert buttons(dispatcher) == ["5 非常满意", "4 满意", "3 基本满意", "2 唔满意", "1 非常唔满意"]
    assert slots(events)["rated"] is True and slots(events)["step"] == "rating"

    dispatcher.messages.clear()
    ActionThanks().run(dispatcher, make_tracker("多谢", "thanks", "yue", {**state, "rated": True}), {})
    assert buttons(dispatcher) == []


def test_rating_by_number_and_reason_for_a_low_one(dispatcher):
    state = {"service": "id_card", "step": "rating", "rated": True,
             "options": [f"rate:{n}" for n in range(1, 6)]}
    events = ActionChoose().run(dispatcher, make_tracker("/choose", "choose", "cmn", state, {"choice": 2}), {})
    assert custom(dispatcher) == [{"rating": {"score": 2, "service": "id_card", "language": "cmn"}}]
    assert texts(dispatcher) == ["可以讲讲原因吗？不想说也没关系。"]
    state = {**state, **slots(events)}
    dispatcher.messages.clear()
    ActionOutOfScope().run(dispatcher, make_tracker("排队排了两个钟", "out_of_scope", "cmn", state), {})
    assert custom(dispatcher) == [{"rating_reason": {"reason": "排队排了两个钟"}}]
    assert texts(dispatcher) == ["谢谢您告诉我们，我们会改进。"]


def test_rating_in_cantonese_words(dispatcher):
    state = {"service": "id_card", "step": "rating", "rated": True,
             "options": [f"rate:{n}" for n in range(1, 6)]}
    ActionRate().run(dispatcher, make_tracker("好满意", "rate", "yue", state), {})
    assert custom(dispatcher)[0]["rating"]["score"] == 5
    assert texts(dispatcher) == ["多谢你嘅评价！"]


def test_goodbye_asks_the_rating_first(dispatcher):
    ActionGoodbye().run(dispatcher, make_tracker("拜拜", "goodbye", "yue", {"service": "id_card"}), {})
    assert texts(dispatcher)[0].startswith("走之前")


def test_emergency_says_120_first_and_asks_for_urgent_handoff(dispatcher):
    ActionEmergency().run(dispatcher, make_tracker("我阿妈晕咗", "emergency", "yue"), {})
    assert texts(dispatcher)[0].startswith("请即刻打120")
    assert custom(dispatcher)[0]["handoff"]["reason"] == "emergency"


def test_handoff_replies_in_the_language(dispatcher):
    ActionHandoff().run(dispatcher, make_tracker("转人工", "human", "yue"), {})
    assert "搵工作人员" in texts(dispatcher)[0]


def test_menu_answer_in_words_the_aspect_rules_know(dispatcher):
    menu = {"service": "id_card", "step": "where", "options": ["materials", "online", "human", "done"]}
    events = ActionExplainDetail().run(dispatcher, make_tracker("要唔要帶戶口簿", "ask_detail", "yue",
                                                                menu), {})
    assert slots(events)["step"] == "materials" and slots(events)["history"] == ["where"]


def test_being_phoned_about_a_service_is_not_a_question_about_phoning(dispatcher):
    menu = {"service": "pension_certification", "step": "materials",
            "options": ["where", "online", "human", "done"]}
    events = ActionExplainService().run(dispatcher, make_tracker(
        "社区的人打电话来说我妈的养老金认证要做了，去哪里做", "svc_pension_certification", "cmn", menu), {})
    assert slots(events)["step"] == "where"
    assert texts(dispatcher)[0] == "办理地点：" + PENSION.text("where", "cmn")

"""What the walk takes before the NLU's guess (issue 12): the reason for a low rating
is the reason whatever intent it sounds like; a service named exactly is that service;
a number typed at a menu is an answer; 「办完了」 ends the walk on every menu; after a
switch of language 「再讲一次」 shows the question on screen in the new language."""
import datetime

import pytest

from actions.answers import age_from_id, named_service
from actions.feedback import ActionRate
from actions.guidance import (ActionAffirm, ActionDeny, ActionFallback, ActionOutOfScope,
                              ActionRepeat, ActionRestart, ActionSlower)
from actions.handoff import ActionEmergency, ActionHandoff
from actions.services import ActionChoose, ActionExplainDetail, ActionExplainService
from bot.catalog import catalog
from bot.language import read, to_script
from tests.actions.conftest import make_tracker
from tests.actions.test_actions import buttons, custom, slots, texts

REASON = {"service": "senior_card", "step": "rating_reason", "rated": True, "options": ["skip"]}


@pytest.mark.parametrize("action, text, intent", [
    (ActionSlower, "字太小，看不清", "slower"),
    (ActionExplainService, "等了很久，没人理我", "svc_application_status"),
    (ActionRestart, "重新开始都没用", "restart"),
    (ActionHandoff, "想找工作人员都找不到", "human"),
    (ActionRepeat, "要我讲几次", "repeat"),
    (ActionFallback, "等了很久，算了", "nlu_fallback"),
])
def test_while_a_reason_is_asked_what_is_said_is_the_reason(dispatcher, action, text, intent):
    events = action().run(dispatcher, make_tracker(text, intent, "cmn", REASON), {})
    assert custom(dispatcher) == [{"rating_reason": {"reason": text}}]
    assert texts(dispatcher) == ["谢谢您告诉我们，我们会改进。"]
    assert slots(events)["step"] == "" and slots(events)["options"] == []


@pytest.mark.parametrize("action, text, intent, metadata", [
    (ActionDeny, "不说了", "deny", {}),
    (ActionOutOfScope, "冇嘢", "out_of_scope", {}),
    (ActionFallback, "我不想讲了", "nlu_fallback", {}),
    (ActionChoose, "/choose", "choose", {"choice": 1}),     # the 「不想说」 button
])
def test_the_reason_is_skipped_only_when_the_person_says_so(dispatcher, action, text, intent,
                                                            metadata):
    action().run(dispatcher, make_tracker(text, intent, "cmn", REASON, metadata), {})
    assert custom(dispatcher) == []
    assert texts(dispatcher) == ["谢谢您的评价！"]


def test_a_new_rating_instead_of_a_reason_replaces_the_first(dispatcher):
    events = ActionRate().run(dispatcher, make_tracker("一般", "rate", "cmn", REASON), {})
    assert custom(dispatcher) == [{"rating": {"score": 3, "service": "senior_card",
                                              "language": "cmn", "again": True}}]
    assert texts(dispatcher) == ["谢谢您的评价！"] and slots(events)["step"] == ""


def test_commands_and_emergencies_still_work_while_a_reason_is_asked(dispatcher):
    ActionHandoff().run(dispatcher, make_tracker("/human", "human", "cmn", REASON), {})
    assert custom(dispatcher)[0]["handoff"]["reason"] == "asked"
    dispatcher.messages.clear()
    ActionEmergency().run(dispatcher, make_tracker("救命", "emergency", "cmn", REASON), {})
    assert custom(dispatcher)[0]["handoff"]["reason"] == "emergency"


def test_every_service_name_in_every_script_names_its_service():
    for service_id, service in catalog().items():
        for language in ("cmn", "yue"):
            for script in ("hans", "hant"):
                shown = to_script(service.text("name", language), language, script, "s2t")
                assert named_service(read(shown)) == service_id, (service_id, shown)


def test_a_service_named_by_a_button_starts_whatever_the_nlu_thought(dispatcher):
    ActionOutOfScope().run(dispatcher, make_tracker("查办事进度", "out_of_scope", "cmn"), {})
    assert texts(dispatcher)[0] == catalog()["application_status"].text("summary", "cmn")
    assert buttons(dispatcher)[0] == "1 给自己办"


def test_a_name_alone_asks_no_aspect(dispatcher):
    """「养老金资格认证」 names the service; its 「资格」 is not a question about who."""
    ActionExplainService().run(dispatcher, make_tracker("养老金资格认证",
                                                        "svc_pension_certification"), {})
    assert texts(dispatcher)[0] == catalog()["pension_certification"].text("summary", "cmn")


RULE = {"service": "senior_card", "step": "rule:0", "options": ["yes", "no"], "history": ["who"],
        "for_whom": "self"}


def test_an_id_number_at_the_age_question_is_the_age_not_the_id_card_service(dispatcher):
    born = datetime.date.today().year - 75
    number = f"440106{born}0101123X"
    events = ActionExplainService().run(
        dispatcher, make_tracker(number.lower(), "svc_id_card", "cmn", RULE), {})
    assert texts(dispatcher)[0] == "满60岁，可以办长者卡。"
    state = slots(events)
    assert state.get("service", "senior_card") == "senior_card" and state["step"] == "materials"


def test_a_number_at_a_menu_is_an_answer_never_a_new_request(dispatcher):
    menu = {"service": "senior_card", "step": "materials",
            "options": ["where", "online", "human", "done"]}
    events = ActionExplainService().run(
        dispatcher, make_tracker("13812345678", "svc_id_card", "cmn", menu), {})
    assert texts(dispatcher) == ["没有这个选项。请从下面选一个数字。", "您想知道哪一项？请说数字。"]
    assert "service" not in slots(events) and custom(dispatcher) == []


def test_age_from_an_id_number():
    today = datetime.date(2025, 6, 1)
    assert age_from_id("440106195006011234", today) == 75
    assert age_from_id("440106195006021234", today) == 74
    assert age_from_id("44010619501301123x", today) is None     # no 13th month
    assert age_from_id("13812345678", today) is None


@pytest.mark.parametrize("step, options", [
    ("ineligible", ["other", "human", "done"]),
    ("offer_human", ["human", "continue"]),
    ("who", ["self", "family", "human"]),
])
def test_done_ends_the_walk_on_every_menu(dispatcher, step, options):
    state = {"service": "senior_card", "step": step, "options": options}
    events = ActionExplainDetail().run(dispatcher, make_tracker("办完了", "ask_detail", "cmn",
                                                                state), {})
    assert texts(dispatcher)[0] == "好的，祝您办事顺利！"
    assert texts(dispatcher)[1].startswith("请给这次服务打个分")
    assert slots(events)["step"] == "rating"


def test_done_after_the_rating_ends_without_asking_again(dispatcher):
    state = {"service": "senior_card", "rated": True, "step": "", "options": []}
    events = ActionAffirm().run(dispatcher, make_tracker("办完了", "affirm", "cmn", state), {})
    assert texts(dispatcher) == ["好的，祝您办事顺利！"]
    assert slots(events)["options"] == [] and buttons(dispatcher) == []


def test_the_not_eligible_menu_offers_done(dispatcher):
    ActionChoose().run(dispatcher, make_tracker("/choose", "choose", "cmn", RULE, {"choice": 2}),
                       {})
    assert buttons(dispatcher) == ["1 问别的事", "2 找工作人员", "3 没有了，办完了"]


def test_repeat_after_a_language_switch_shows_the_question_in_the_new_language(dispatcher):
    state = {**RULE, "language": "cmn",
             "last_reply": [{"text": "要办卡的人，满60岁了吗？", "buttons": []}]}
    ActionRepeat().run(dispatcher, make_tracker("/repeat", "repeat", "yue", state), {})
    assert texts(dispatcher) == ["要办卡嘅人，够60岁未？"]
    assert buttons(dispatcher) == ["1 系", "2 唔系"]

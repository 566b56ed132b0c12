"""What the actions tell the gateway about a turn and a case: the turn record every
turn carries (intent, service, unresolved) and the fact a hand-over puts on the case that only the
dialogue knows (who it is for)."""
from actions.guidance import ActionFallback, ActionOutOfScope
from actions.services import ActionChoose, ActionExplainService
from tests.actions.conftest import make_tracker
from tests.actions.test_actions import custom, turn_signal


def test_every_turn_tells_its_intent_and_service(dispatcher):
    ActionExplainService().run(dispatcher, make_tracker("长者卡怎么办", "svc_senior_card"), {})
    assert turn_signal(dispatcher) == {"intent": "svc_senior_card", "service": "senior_card"}
    assert custom(dispatcher) == []          # nothing else for the gateway this turn


def test_a_turn_not_understood_or_out_of_scope_says_so(dispatcher):
    ActionFallback().run(dispatcher, make_tracker("呜呜呜呀", "nlu_fallback"), {})
    assert turn_signal(dispatcher)["unresolved"] == "not_understood"
    dispatcher.messages.clear()
    ActionOutOfScope().run(dispatcher, make_tracker("今天天气怎么样", "out_of_scope"), {})
    assert turn_signal(dispatcher)["unresolved"] == "out_of_scope"


def test_a_hand_over_carries_who_it_is_for(dispatcher):
    menu = {"service": "senior_card", "step": "materials", "for_whom": "family",
            "options": ["where", "online", "human", "done"]}
    ActionChoose().run(dispatcher, make_tracker("/choose", "choose", "cmn", menu,
                                                {"choice": 3}), {})
    (signal,) = custom(dispatcher)
    assert signal["handoff"] == {"reason": "asked", "service": "senior_card",
                                 "facts": {"for_whom": "family"}}


def test_without_a_known_person_the_hand_over_is_as_before(dispatcher):
    menu = {"service": "senior_card", "step": "materials",
            "options": ["where", "online", "human", "done"]}
    ActionChoose().run(dispatcher, make_tracker("/choose", "choose", "cmn", menu,
                                                {"choice": 3}), {})
    assert custom(dispatcher) == [{"handoff": {"reason": "asked", "service": "senior_card"}}]

"""The guided walk through a service, one step at a time, and the question on screen.

A conversation is always at one *step* (slot `step`) showing numbered *options*
(slot `options`, a list of keys). Whatever the user says is first tried as an
answer to those options — by number, by words (「帮我阿妈办」「满咗」「好满意」), or
by age for an age rule — and only then taken as a new request. Steps:

    who → rule:0 … rule:n → materials ⇄ where ⇄ online → done → rating
    (ineligible, disambiguate, offer_human, rating_reason on the side)

FlowAction, the base of every action, lives here because it runs the walk first.
The rating and hand-over steps come from actions/feedback_steps.py and
actions/handoff_steps.py, never from the topic modules, so imports go one way:
turn ← steps ← flow ← topics (services, guidance, handoff, feedback).

Every user-facing word comes from the catalog or bot/texts.yml.
"""
from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import age_from_id, long_number, named_service, says_done
from actions.common import service_catalog
from actions.feedback_steps import (answer_reason, ask_rating, ask_reason, ask_reason_or_thank,
                                    record_rating, should_rate)
from actions.handoff_steps import hand_over
from actions.turn import Turn
from bot.aspects import detect_aspect
from bot.catalog import Service
from bot.controls import match_option, parse_age
from bot.texts import say

CONTENT_STEPS = ("materials", "where", "online")
CONTROL_INTENTS = {"human", "emergency", "restart", "back", "repeat", "slower", "help"}


# --- the walk -----------------------------------------------------------------

def go(turn: Turn, step: str) -> None:
    """Show `step` of the current service and remember where we came from."""
    previous = turn.step
    if previous and previous != step:
        turn.set("history", (list(turn.get("history") or []) + [previous])[-10:])
    render(turn, step)


def render(turn: Turn, step: str) -> None:
    service, lang = turn.service, turn.language
    if service is None:
        turn.reply.say("ask_which_service")
        turn.set("step", "")
        turn.set("options", [])
        return
    if step == "who":
        turn.ask(say("who_question", lang), ["self", "family", "human"], "who")
    elif step.startswith("rule:"):
        rule = service.rules[int(step[5:])]
        turn.ask(rule.text("ask", lang), ["yes", "no"], step)
    elif step == "ineligible":
        turn.menu(["other", "human", "done"], "ineligible")
    else:
        answer_aspect(turn, service, step)


def render_options_again(turn: Turn) -> None:
    """The same question and options again (an out-of-range number, or a failure)."""
    step = turn.step
    if turn.service is not None and (step in ("who", "ineligible") or step.startswith("rule:")):
        render(turn, step)
    elif step == "rating":
        ask_rating(turn, goodbye=False, again=True)
    else:
        turn.ask(say("options_prompt", turn.language), turn.options, step)


def render_again(turn: Turn) -> None:
    """The question on screen again, in the conversation's language now (after a
    switch of language the buttons must speak it too)."""
    step = turn.step
    if step in CONTENT_STEPS and turn.service is not None:
        answer_aspect(turn, turn.service, step)
    elif step == "rating_reason":
        ask_reason(turn)
    else:
        render_options_again(turn)


def menu_after(step: str) -> list[str]:
    return [k for k in CONTENT_STEPS if k != step][:2] + ["human", "done"]


def first_after_who(service: Service) -> str:
    return "rule:0" if service.rules else "materials"


def answer_aspect(turn: Turn, service: Service, aspect: str) -> None:
    """One aspect of the service, then the menu of the others."""
    show_aspect(turn, service, aspect)
    turn.menu(menu_after(aspect), aspect if aspect in CONTENT_STEPS else "materials")


def show_aspect(turn: Turn, service: Service, aspect: str) -> None:
    """One aspect of a service in plain words."""
    lang, reply = turn.language, turn.reply
    name = service.text("name", lang)
    if aspect == "materials":
        reply.text(say("detail_materials", lang, name=name) + "\n"
                   + "\n".join("・" + item for item in service.text("materials", lang)))
        extra = service.optional("agent_materials", lang)
        if extra and turn.get("for_whom") == "family":
            reply.text(say("family_extra", lang) + "\n" + "\n".join("・" + i for i in extra))
    elif aspect == "steps":
        reply.text(say("detail_steps", lang, name=name) + "\n" + "\n".join(
            f"第{n}步，{s}" for n, s in zip("一二三四", service.text("steps", lang))))
    elif aspect == "where":
        reply.say("detail_where", where=service.text("where", lang))
        reply.say("detail_hours", hours=service.text("hours", lang))
    elif aspect == "online":
        reply.text(service.text("online", lang))
        reply.say("detail_hotline", hotline=service.hotline)
    elif aspect == "who":
        reply.say("detail_who", who=service.text("who", lang))
    elif aspect == "time":
        reply.say("detail_time", time=service.text("time", lang), fees=service.text("fees", lang))


def start_service(turn: Turn, service_id: str, named: bool = False) -> None:
    """A (new) service: its summary, or the aspect asked about, then the next question.
    `named`: only the service's name was said (「养老金资格认证」 asks no aspect)."""
    service = service_catalog()[service_id]
    if service_id != turn.get("service"):
        turn.set("for_whom", None)
        turn.set("history", [])
    turn.set("service", service_id)
    aspect = detect_aspect(turn.said.normalized) \
        if turn.intent.startswith("svc_") and not named else None
    if aspect is None:
        turn.reply.text(service.text("summary", turn.language))
        render(turn, "who")
    else:
        answer_aspect(turn, service, aspect)


def answer_rule(turn: Turn, yes: bool) -> None:
    service = turn.service
    index = int(turn.step[5:])
    rule = service.rules[index]
    turn.reply.text(rule.text("if_yes" if yes else "if_no", turn.language))
    if not yes and rule.stop_if_no:
        turn.set("history", list(turn.get("history") or []) + [turn.step])
        render(turn, "ineligible")
        return
    nxt = f"rule:{index + 1}" if index + 1 < len(service.rules) else "materials"
    go(turn, nxt)


# --- answers to the question on screen ---------------------------------------

def handle_key(turn: Turn, key: str) -> None:
    """The user picked `key` from the options on screen."""
    if key in ("self", "family"):
        turn.set("for_whom", key)
        go(turn, first_after_who(turn.service))
    elif key in ("yes", "no") and turn.step.startswith("rule:"):
        answer_rule(turn, key == "yes")
    elif key in CONTENT_STEPS:
        go(turn, key)
    elif key == "human":
        hand_over(turn, "not_understood" if turn.step == "offer_human" else "asked")
    elif key == "done":
        finish(turn)
    elif key == "other":
        other_matter(turn)
    elif key == "continue":
        carry_on(turn)
    elif key.startswith("svc:"):
        start_service(turn, key[4:])
    elif key.startswith("rate:"):
        record_rating(turn, int(key[5:]))
        ask_reason_or_thank(turn, int(key[5:]))
    elif key == "skip":
        turn.reply.say("rate_thanks")
        turn.set("step", "")
        turn.set("options", [])


def finish(turn: Turn) -> None:
    """「办完了」: the walk ends; the rating, once."""
    turn.reply.say("done")
    if should_rate(turn):
        ask_rating(turn, goodbye=False)
    else:
        turn.set("options", [])
        turn.set("step", "")


def other_matter(turn: Turn) -> None:
    """「问其他事」: forget the service, keep the person's settings."""
    turn.reply.say("other")
    for slot in ("service", "step", "for_whom"):
        turn.set(slot, None)
    turn.set("options", [])
    turn.set("history", [])


def carry_on(turn: Turn) -> None:
    """「不用，我再说一次」 after the offer of a person: back to where we were."""
    turn.set("failures", 0)
    previous = (turn.get("history") or [""])[-1]
    if previous and turn.service is not None:
        render(turn, previous)
    else:
        turn.reply.say("affirm_no_service")
        turn.set("options", [])


def answered_first(turn: Turn, control: bool) -> bool:
    """What comes before the NLU's guess and the action's own job. Safety first: an
    emergency is always itself. A service named exactly (a button's words) is that
    service. While Kaifong waits for the reason of a low rating, anything said is the
    reason, whatever intent it sounds like (only the gateway's commands — 「0」,
    「返回」 — are not). A long number typed at a menu is an answer to it."""
    if turn.intent == "emergency":
        return False
    service_id = named_service(turn.said)
    if service_id is not None:
        start_service(turn, service_id, named=True)
        return True
    if turn.step == "rating_reason" and (not turn.command or turn.intent == "choose"):
        answer_reason(turn)
        return True
    return not control and answer_number(turn)


def answer_number(turn: Turn) -> bool:
    """An ID card or phone number typed at a menu is never a new request (the ID card
    service): at an age question an ID card tells the age; elsewhere the options again."""
    number = long_number(turn.said) if turn.options else None
    if number is None:
        return False
    rule = turn.service.rules[int(turn.step[5:])] \
        if turn.service is not None and turn.step.startswith("rule:") else None
    age = age_from_id(number) if rule is not None and rule.min_age else None
    if age is not None:
        return answer_age(turn, age)
    turn.reply.say("choose_out_of_range")
    render_options_again(turn)
    return True


def answer_on_screen(turn: Turn) -> bool:
    """Treat the utterance as an answer to the options on screen, if it is one;
    「办完了」 ends the walk on every menu (and after it, while a service is open)."""
    options = turn.options
    if says_done(turn.said) and (turn.service is not None or options) \
            and match_option(turn.said, [k for k in options if k != "done"]) is None:
        finish(turn)
        return True
    if not options:
        return False
    number = turn.choice()
    if number is not None:
        if 1 <= number <= len(options):
            handle_key(turn, options[number - 1])
            return True
        if turn.step.startswith("rule:") and turn.service.rules[int(turn.step[5:])].min_age:
            return answer_age(turn, number)
        return False
    if off_topic(turn):
        # 「今日星期几」 holds 星期几, a word of the "where" option: the NLU is sure it is
        # about something else, so the words do not pick an option.
        return False
    key = match_option(turn.said, options)
    if key is not None:
        handle_key(turn, key)
        return True
    if turn.step.startswith("rule:"):
        age = parse_age(turn.said)
        if age is not None and turn.service.rules[int(turn.step[5:])].min_age:
            return answer_age(turn, age)
    return False


# How sure the NLU must be that words are off-topic before option words stop counting.
OFF_TOPIC_SURE = 0.95


def off_topic(turn: Turn) -> bool:
    return turn.intent == "out_of_scope" and turn.confidence >= OFF_TOPIC_SURE


def answer_age(turn: Turn, age: int) -> bool:
    rule = turn.service.rules[int(turn.step[5:])]
    answer_rule(turn, age >= rule.min_age)
    return True


class FlowAction(Action, abc.ABC):
    """Base of every action: the question on screen first, then the action's own job.

    Control actions (repeat, back, human …) set `control = True` and always do
    their own job. Any turn that is not a failure resets the failure count.
    """
    control = False

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in the domain (rasa_sdk skips this abstract base)."""

    def context_applies(self, turn: Turn) -> bool:
        return True

    @abc.abstractmethod
    def act(self, turn: Turn) -> None:
        """The action's own job, when the utterance was not an answer on screen."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = Turn(tracker)
        turn.set("failures", 0)
        if answered_first(turn, self.control):
            pass
        elif self.control or not self.context_applies(turn) or not answer_on_screen(turn):
            self.act(turn)
        return turn.finish(dispatcher)

"""Greetings, help, and the controls that work anywhere: repeat, slower, restart,
back; and not understanding (say what Kaifong can do, then offer a person)."""
from __future__ import annotations

from typing import Any

from actions.common import settings
from actions.feedback_steps import ask_rating, should_rate
from actions.flow import FlowAction, render, render_again, render_options_again
from actions.services import ask_between, close_services
from actions.turn import Turn
from bot.texts import say


class ActionGreet(FlowAction):
    def name(self) -> str:
        return "action_greet"

    def act(self, turn: Turn) -> None:
        turn.reply.say("greet")


class ActionHelp(FlowAction):
    control = True

    def name(self) -> str:
        return "action_help"

    def act(self, turn: Turn) -> None:
        turn.reply.say("help")


class ActionThanks(FlowAction):
    def name(self) -> str:
        return "action_thanks"

    def act(self, turn: Turn) -> None:
        turn.reply.say("thanks")
        if should_rate(turn):
            ask_rating(turn, goodbye=False)


class ActionGoodbye(FlowAction):
    def name(self) -> str:
        return "action_goodbye"

    def act(self, turn: Turn) -> None:
        if should_rate(turn):
            ask_rating(turn, goodbye=True)
        else:
            turn.reply.say("goodbye")


class ActionAffirm(FlowAction):
    """「好」「係」 that is not an answer on screen: show the options again."""

    def name(self) -> str:
        return "action_affirm"

    def act(self, turn: Turn) -> None:
        if turn.options:
            render_options_again(turn)
        else:
            turn.reply.say("affirm_no_service")


class ActionDeny(FlowAction):
    def name(self) -> str:
        return "action_deny"

    def act(self, turn: Turn) -> None:
        turn.reply.say("deny")


def _last(turn: Turn) -> list[dict[str, Any]]:
    last = turn.get("last_reply")
    return last if isinstance(last, list) else []


class ActionRepeat(FlowAction):
    """「再讲一次」: the last answer again, exactly; after a switch of language, the
    question on screen again in the new language."""
    control = True

    def name(self) -> str:
        return "action_repeat"

    def act(self, turn: Turn) -> None:
        if turn.tracker.get_slot("language") not in (None, turn.language) and turn.options:
            render_again(turn)
            return
        last = _last(turn)
        if not last:
            turn.reply.say("repeat_nothing")
            return
        for message in last:
            turn.reply.text(message["text"], message.get("buttons"))
        turn.remember = False


class ActionSlower(FlowAction):
    """「讲慢啲」: slow speech from now on (voice channels), and the last answer again."""
    control = True

    def name(self) -> str:
        return "action_slower"

    def act(self, turn: Turn) -> None:
        turn.reply.say("slower").signal(slow=True)
        for message in _last(turn):
            turn.reply.text(message["text"], message.get("buttons"))
        turn.remember = not _last(turn)
        turn.set("slow", True)


class ActionRestart(FlowAction):
    """「重新開始」: forget everything about the conversation so far."""
    control = True

    def name(self) -> str:
        return "action_restart"

    def act(self, turn: Turn) -> None:
        turn.reset = True
        turn.slots.clear()
        turn.set("slow", bool(turn.tracker.get_slot("slow")))  # the person still needs it
        turn.reply.say("restart")


class ActionBack(FlowAction):
    """「返回」「上一步」: the previous step again."""
    control = True

    def name(self) -> str:
        return "action_back"

    def act(self, turn: Turn) -> None:
        history = list(turn.get("history") or [])
        if not history or turn.service is None:
            turn.reply.say("first_step")
            if turn.options:
                render_options_again(turn)
            return
        previous = history.pop()
        turn.set("history", history)
        render(turn, previous)


def failed(turn: Turn, first_key: str) -> None:
    """A turn Kaifong did not understand or cannot help with."""
    turn.unresolved = "out_of_scope" if first_key.startswith("out_of_scope") else "not_understood"
    failures = int(turn.tracker.get_slot("failures") or 0) + 1
    turn.set("failures", failures)
    if failures >= 2:
        # Never more than two failed turns in a row without offering a person.
        turn.set("history", (list(turn.get("history") or []) + [turn.step])[-10:]
                 if turn.step else list(turn.get("history") or []))
        turn.ask(say("offer_human", turn.language), ["human", "continue"], "offer_human")
        return
    turn.reply.say(first_key)
    turn.reply.say("rephrase_examples")
    if turn.options:
        render_options_again(turn)
    else:
        # A few services to pick from (setting fallback_services), and a person.
        services = [f"svc:{s}" for s in settings().fallback_service_ids()]
        turn.ask(say("choose_service", turn.language), services + ["human"], "start")


class ActionOutOfScope(FlowAction):
    def name(self) -> str:
        return "action_out_of_scope"

    def act(self, turn: Turn) -> None:
        failed(turn, "out_of_scope_first")


class ActionFallback(FlowAction):
    """Not understood: two close services get a choice between them; else a failure."""

    def name(self) -> str:
        return "action_fallback"

    def act(self, turn: Turn) -> None:
        pair = close_services(turn)
        if pair is not None:
            ask_between(turn, *pair)
        else:
            failed(turn, "fallback_first")

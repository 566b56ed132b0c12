"""Greetings, thanks, help, repeat, slower, restart, and not understanding."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Reply, language_of


class _SayAction(Action):
    """An action that says one text from bot/texts.yml."""
    key = ""

    def name(self) -> str:
        return "action_" + self.key

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        return Reply(language_of(tracker)).say(self.key).send(dispatcher)


class ActionGreet(_SayAction):
    key = "greet"


class ActionGoodbye(_SayAction):
    key = "goodbye"


class ActionThanks(_SayAction):
    key = "thanks"


class ActionDeny(_SayAction):
    key = "deny"


class ActionHelp(_SayAction):
    key = "help"


class ActionOutOfScope(_SayAction):
    key = "out_of_scope"


class ActionFallback(_SayAction):
    key = "fallback"


class ActionAffirm(Action):
    """「好」「係」: show the options again if there are any, else ask what they need."""

    def name(self) -> str:
        return "action_affirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = Reply(language_of(tracker))
        options = tracker.get_slot("options") or []
        if options:
            reply.options(options)
        else:
            reply.say("affirm_no_service")
        return reply.send(dispatcher)


def _last_messages(tracker: Tracker) -> list[dict[str, Any]]:
    last = tracker.get_slot("last_reply")
    return last if isinstance(last, list) else []


class ActionRepeat(Action):
    """「再讲一次」: the last answer again, exactly."""

    def name(self) -> str:
        return "action_repeat"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = Reply(language_of(tracker))
        last = _last_messages(tracker)
        if not last:
            return reply.say("repeat_nothing").send(dispatcher)
        for message in last:
            reply.text(message["text"], message.get("buttons"))
        return reply.send(dispatcher)


class ActionSlower(Action):
    """「讲慢啲」: remember to speak slowly, and say the last answer again."""

    def name(self) -> str:
        return "action_slower"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = Reply(language_of(tracker)).say("slower").signal(slow=True)
        last = _last_messages(tracker)
        for message in last:
            reply.text(message["text"], message.get("buttons"))
        events = reply.send(dispatcher, remember=not last)
        return events + [SlotSet("slow", True)]


class ActionRestart(Action):
    """「重新開始」: forget the service and options; keep nothing of the old topic."""

    def name(self) -> str:
        return "action_restart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = Reply(language_of(tracker)).say("restart")
        return [AllSlotsReset()] + reply.send(dispatcher)

"""Handing the person to human staff, and emergencies (safety first)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Reply, language_of
from bot.catalog import catalog

DEFAULT_HOTLINE = "12345"


def handoff_reply(reply: Reply, tracker: Tracker, reason: str) -> Reply:
    """Tell the person staff are coming; signal the gateway to queue the case."""
    service_id = tracker.get_slot("service")
    service = catalog().get(service_id) if service_id else None
    hotline = service.hotline if service else DEFAULT_HOTLINE
    reply.say("handoff", hotline=hotline)
    return reply.signal(handoff={"reason": reason, "service": service_id})


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        return handoff_reply(Reply(language_of(tracker)), tracker, "asked").send(dispatcher)


class ActionEmergency(Action):
    """No questions first: call 120, and an urgent case for staff."""

    def name(self) -> str:
        return "action_emergency"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = Reply(language_of(tracker)).say("emergency")
        reply.signal(handoff={"reason": "emergency", "service": tracker.get_slot("service")})
        return reply.send(dispatcher)

"""Handing the person to human staff, and emergencies (safety first)."""
from __future__ import annotations

from actions.flow import DEFAULT_HOTLINE, FlowAction, Turn


def hand_over(turn: Turn, reason: str) -> None:
    """Tell the person staff are coming; signal the gateway to queue the case."""
    service = turn.service
    turn.reply.say("handoff", hotline=service.hotline if service else DEFAULT_HOTLINE)
    turn.reply.signal(handoff={"reason": reason, "service": service.id if service else None})
    turn.set("options", [])
    turn.set("step", "")


class ActionHandoff(FlowAction):
    control = True

    def name(self) -> str:
        return "action_handoff"

    def act(self, turn: Turn) -> None:
        hand_over(turn, "asked")


class ActionEmergency(FlowAction):
    """No questions first: call 120, and an urgent case for staff."""
    control = True

    def name(self) -> str:
        return "action_emergency"

    def act(self, turn: Turn) -> None:
        turn.reply.say("emergency")
        service = turn.service
        turn.reply.signal(handoff={"reason": "emergency", "service": service.id if service else None})
        turn.set("options", [])
        turn.set("step", "")

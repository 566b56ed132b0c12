"""Handing the person to human staff, and emergencies (safety first).

The hand-over step itself is in actions/handoff_steps.py; the walk uses it too.
"""
from __future__ import annotations

from actions.flow import FlowAction
from actions.handoff_steps import hand_over, queue_case
from actions.turn import Turn


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
        queue_case(turn, "emergency")

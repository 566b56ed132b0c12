"""好差评: the national five-level rating, asked once when a service conversation ends.

The steps (ask, record, reason) are in actions/feedback_steps.py; the walk uses
them too. The gateway stores what the action signals (rating, reason, service,
channel, language, time) in SQLite; the action server keeps no files.
"""
from __future__ import annotations

from actions.feedback_steps import ask_reason_or_thank, record_rating
from actions.flow import FlowAction
from actions.turn import Turn
from bot.controls import parse_rating


class ActionRate(FlowAction):
    """A rating said in words when no rating was asked: thank them and keep it."""

    def name(self) -> str:
        return "action_rate"

    def act(self, turn: Turn) -> None:
        score = parse_rating(turn.said)
        if score is not None and not turn.get("rated"):
            turn.set("rated", True)
            record_rating(turn, score)
            ask_reason_or_thank(turn, score)
        else:
            turn.reply.say("rate_thanks")

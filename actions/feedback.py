"""好差评: the national five-level rating, asked once when a service conversation ends.

The gateway stores what the action signals (rating, reason, service, channel,
language, time) in SQLite; the action server keeps no files.
"""
from __future__ import annotations

from actions.flow import RATING_KEYS, FlowAction, Turn
from bot.controls import match_option, parse_rating
from bot.texts import say


def should_rate(turn: Turn) -> bool:
    return bool(turn.get("service")) and not turn.get("rated")


def ask_rating(turn: Turn, goodbye: bool, again: bool = False) -> None:
    """Five labelled buttons, 5 (非常满意) first; option n is rating n."""
    turn.set("rated", True)  # asked once; skipping is fine
    text = say("rate_ask_goodbye" if goodbye else "rate_ask", turn.language)
    buttons = [{"title": f"{n} {say(f'rate_{n}', turn.language)}", "payload": str(n)}
               for n in range(5, 0, -1)]
    turn.reply.text(text, buttons)
    turn.set("options", list(RATING_KEYS))
    turn.set("step", "rating")


def record_rating(turn: Turn, score: int) -> None:
    turn.reply.signal(rating={"score": score, "service": turn.get("service"),
                              "language": turn.language})


def ask_reason_or_thank(turn: Turn, score: int) -> None:
    if score <= 2:
        turn.ask(say("rate_reason_ask", turn.language), ["skip"], "rating_reason")
    else:
        turn.reply.say("rate_thanks")
        turn.set("options", [])
        turn.set("step", "")


def record_reason(turn: Turn) -> None:
    if match_option(turn.text, ["skip"]) == "skip" or turn.choice() == 1:
        turn.reply.say("rate_thanks")
    else:
        turn.reply.signal(rating_reason={"reason": turn.text[:500]})
        turn.reply.say("rate_reason_thanks")
    turn.set("options", [])
    turn.set("step", "")


class ActionRate(FlowAction):
    """A rating said in words when no rating was asked: thank them and keep it."""

    def name(self) -> str:
        return "action_rate"

    def act(self, turn: Turn) -> None:
        score = parse_rating(turn.text)
        if score is not None and not turn.get("rated"):
            turn.set("rated", True)
            record_rating(turn, score)
            ask_reason_or_thank(turn, score)
        else:
            turn.reply.say("rate_thanks")

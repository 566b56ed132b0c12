"""好差评 steps the walk and the feedback actions share: ask the five-level
rating once, record it, and ask the reason for a low one.

Plain functions on a Turn, so the walk (actions/flow.py) can use them without
importing the Action classes of actions/feedback.py.
"""
from __future__ import annotations

from actions.turn import Turn
from bot.controls import match_option
from bot.texts import say

RATING_KEYS = [f"rate:{n}" for n in range(1, 6)]   # option n is rate:n


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
    if match_option(turn.said, ["skip"]) == "skip" or turn.choice() == 1:
        turn.reply.say("rate_thanks")
    else:
        turn.reply.signal(rating_reason={"reason": turn.text[:500]})
        turn.reply.say("rate_reason_thanks")
    turn.set("options", [])
    turn.set("step", "")

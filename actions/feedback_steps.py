"""好差评 steps the walk and the feedback actions share: ask the five-level
rating once, record it, and ask the reason for a low one.

Plain functions on a Turn, so the walk (actions/flow.py) can use them without
importing the Action classes of actions/feedback.py.
"""
from __future__ import annotations

from actions.answers import only_a_rating, skips_reason
from actions.turn import Turn
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


def record_rating(turn: Turn, score: int, again: bool = False) -> None:
    """`again`: the person changed their rating; it replaces the one just given."""
    rating = {"score": score, "service": turn.get("service"), "language": turn.language}
    if again:
        rating["again"] = True
    turn.reply.signal(rating=rating)


def ask_reason_or_thank(turn: Turn, score: int) -> None:
    if score <= 2:
        ask_reason(turn)
    else:
        turn.reply.say("rate_thanks")
        turn.set("options", [])
        turn.set("step", "")


def answer_reason(turn: Turn) -> None:
    """While Kaifong waits for the reason of a low rating, what the person says IS the
    reason (「字太小，看不清」 is not 「讲慢啲」; 「等了很久」 is not a service), unless
    they skip it (「不说了」「冇嘢」, the button) or give a new rating."""
    choice = turn.choice()
    score = only_a_rating(turn.said) if choice is None else None
    if choice == 1 or (choice is None and skips_reason(turn.said)):
        turn.reply.say("rate_thanks")
    elif choice is not None:
        turn.reply.say("choose_out_of_range")
        ask_reason(turn)
        return
    elif score is not None:
        record_rating(turn, score, again=True)
        ask_reason_or_thank(turn, score)
        return
    else:
        turn.reply.signal(rating_reason={"reason": turn.text[:500]})
        turn.reply.say("rate_reason_thanks")
    turn.set("options", [])
    turn.set("step", "")


def ask_reason(turn: Turn) -> None:
    turn.ask(say("rate_reason_ask", turn.language), ["skip"], "rating_reason")

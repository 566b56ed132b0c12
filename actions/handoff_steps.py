"""Hand-over steps the walk and the handoff actions share.

Plain functions on a Turn, so the walk (actions/flow.py) can hand over without
importing the Action classes of actions/handoff.py.
"""
from __future__ import annotations

from typing import Any

from actions.common import settings
from actions.turn import Turn


def hand_over(turn: Turn, reason: str) -> None:
    """Tell the person staff are coming and give a hotline; queue the case."""
    service = turn.service
    # The service's own hotline when we know the service, else the operator's (setting hotline).
    turn.reply.say("handoff", hotline=service.hotline if service else settings().hotline)
    queue_case(turn, reason)


def queue_case(turn: Turn, reason: str) -> None:
    """Signal the gateway to queue a case for staff; the question on screen is gone."""
    service = turn.service
    signal: dict[str, Any] = {"reason": reason, "service": service.id if service else None}
    facts = case_facts(turn)
    if facts:
        signal["facts"] = facts   # the desk puts them on the case for staff (masked)
    turn.reply.signal(handoff=signal)
    turn.set("options", [])
    turn.set("step", "")


def case_facts(turn: Turn) -> dict[str, Any]:
    """What the conversation established that only the dialogue knows, for staff: who it
    is for (`for_whom`: self or family). The eligibility answers the gateway reads from
    the turns it keeps for the case (channels/gateway/handoff/desk.py)."""
    for_whom = turn.get("for_whom")
    return {"for_whom": for_whom} if for_whom in ("self", "family") else {}

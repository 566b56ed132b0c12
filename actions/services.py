"""Questions about a service: the summary and the guided walk (actions/flow.py), and a
choice between two services the NLU could not tell apart."""
from __future__ import annotations

from typing import Optional

from actions.common import service_catalog
from actions.flow import FlowAction, answer_aspect, render_options_again, start_service
from actions.turn import Turn
from bot.aspects import detect_aspect
from bot.services import SERVICE_IDS, SERVICE_INTENT_PREFIX
from bot.texts import say

# Two services are "close" when the best is unsure and the second is near it.
CLOSE_TOP, CLOSE_SECOND, CLOSE_GAP = 0.75, 0.15, 0.5


def close_services(turn: Turn) -> Optional[tuple[str, str]]:
    """The two services the NLU could not tell apart, if any."""
    ranking = (turn.tracker.latest_message or {}).get("intent_ranking") or []
    services = [(r["name"][len(SERVICE_INTENT_PREFIX):], float(r.get("confidence") or 0))
                for r in ranking if (r.get("name") or "").startswith(SERVICE_INTENT_PREFIX)]
    services = [(s, c) for s, c in services if s in SERVICE_IDS][:2]
    if len(services) < 2:
        return None
    (a, ca), (b, cb) = services
    if ca < CLOSE_TOP and cb >= CLOSE_SECOND and ca - cb < CLOSE_GAP:
        return a, b
    return None


def ask_between(turn: Turn, a: str, b: str) -> None:
    names = {s: service_catalog()[s].text("name", turn.language) for s in (a, b)}
    turn.ask(say("disambiguate", turn.language, a=names[a], b=names[b]),
             [f"svc:{a}", f"svc:{b}"], "disambiguate")


class ActionExplainService(FlowAction):
    """「养老金点样认证」: summary, then who it is for; or the aspect asked about."""

    def name(self) -> str:
        return "action_explain_service"

    def context_applies(self, turn: Turn) -> bool:
        # A confident question about another service is a new question, not an answer.
        asked = turn.intent[len(SERVICE_INTENT_PREFIX):]
        return asked == turn.get("service") or turn.confidence < 0.6

    def act(self, turn: Turn) -> None:
        service_id = turn.intent[len(SERVICE_INTENT_PREFIX):]
        pair = close_services(turn)
        if pair is not None:
            ask_between(turn, *pair)
        elif service_id in service_catalog():
            start_service(turn, service_id)
        else:
            turn.reply.say("ask_which_service")


class ActionExplainDetail(FlowAction):
    """「要带咩嘢」 about the service under discussion."""

    def name(self) -> str:
        return "action_explain_detail"

    def act(self, turn: Turn) -> None:
        service = turn.service
        if service is None:
            turn.reply.say("ask_which_service")
            return
        answer_aspect(turn, service, detect_aspect(turn.said.normalized) or "steps")


class ActionChoose(FlowAction):
    """「2」「第二个」「揀二」 that is not one of the options on screen."""

    def name(self) -> str:
        return "action_choose"

    def act(self, turn: Turn) -> None:
        if not turn.options:
            turn.reply.say("ask_which_service")
            return
        turn.reply.say("choose_out_of_range")
        render_options_again(turn)


"""Explaining a service from the catalog: summary first, then numbered options."""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import MAIN_OPTIONS, Reply, language_of, user_text
from actions.handoff import handoff_reply
from bot.aspects import detect_aspect
from bot.catalog import Service, catalog
from bot.language import parse_choice
from bot.services import SERVICE_INTENT_PREFIX
from bot.texts import say


def add_detail(reply: Reply, service: Service, aspect: str) -> Reply:
    """One aspect of a service, in plain words (at most three sentences a message)."""
    lang = reply.language
    name = service.text("name", lang)
    if aspect == "materials":
        items = "\n".join("・" + item for item in service.text("materials", lang))
        reply.text(say("detail_materials", lang, name=name) + "\n" + items)
    elif aspect == "steps":
        items = "\n".join(f"第{n}步，{s}" for n, s in
                          zip("一二三四", service.text("steps", lang)))
        reply.text(say("detail_steps", lang, name=name) + "\n" + items)
    elif aspect == "where":
        reply.say("detail_where", where=service.text("where", lang))
        reply.say("detail_hours", hours=service.text("hours", lang))
    elif aspect == "online":
        reply.text(service.text("online", lang))
        reply.say("detail_hotline", hotline=service.hotline)
    elif aspect == "who":
        reply.say("detail_who", who=service.text("who", lang))
    elif aspect == "time":
        reply.say("detail_time", time=service.text("time", lang), fees=service.text("fees", lang))
    return reply


def current_service(tracker: Tracker) -> Optional[Service]:
    service_id = tracker.get_slot("service")
    return catalog().get(service_id) if service_id else None


class ActionExplainService(Action):
    """「养老金点样认证」: the plain summary, or the aspect asked for, then the options."""

    def name(self) -> str:
        return "action_explain_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        service = catalog().get(intent[len(SERVICE_INTENT_PREFIX):])
        reply = Reply(language_of(tracker))
        if service is None:
            return reply.say("ask_which_service").send(dispatcher)
        aspect = detect_aspect(user_text(tracker))
        if aspect is None:
            reply.text(service.text("summary", reply.language))
        else:
            add_detail(reply, service, aspect)
        reply.options(MAIN_OPTIONS)
        return reply.send(dispatcher) + [SlotSet("service", service.id),
                                         SlotSet("options", list(MAIN_OPTIONS))]


class ActionExplainDetail(Action):
    """「要带咩嘢」 after a service was named: that aspect of the current service."""

    def name(self) -> str:
        return "action_explain_detail"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = Reply(language_of(tracker))
        service = current_service(tracker)
        if service is None:
            return reply.say("ask_which_service").send(dispatcher)
        add_detail(reply, service, detect_aspect(user_text(tracker)) or "steps")
        reply.options(MAIN_OPTIONS)
        return reply.send(dispatcher) + [SlotSet("options", list(MAIN_OPTIONS))]


class ActionChoose(Action):
    """「2」「第二个」「揀二」: the numbered option currently shown, and only that."""

    def name(self) -> str:
        return "action_choose"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = Reply(language_of(tracker))
        options = tracker.get_slot("options") or []
        service = current_service(tracker)
        metadata = tracker.latest_message.get("metadata") or {}
        number = metadata.get("choice")
        if not isinstance(number, int):
            number = parse_choice(tracker.latest_message.get("text") or "")
        if not options or service is None:
            return reply.say("ask_which_service").send(dispatcher)
        if number is None or not 1 <= number <= len(options):
            reply.say("choose_out_of_range").options(options)
            return reply.send(dispatcher)
        key = options[number - 1]
        if key == "human":
            return handoff_reply(reply, tracker, reason="asked").send(dispatcher)
        add_detail(reply, service, key)
        reply.options(options)
        return reply.send(dispatcher)

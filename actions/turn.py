"""One bot turn: the conversation state in, the reply and the slot changes out.

Replies are remembered (for 「再讲一次」) and carry signals for the gateway.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language_of, service_catalog
from bot.catalog import Service
from bot.language import Utterance, read
from bot.texts import say


class Reply:
    """Collects the messages of one bot turn, then sends and remembers them."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.messages: list[dict[str, Any]] = []
        self.signals: dict[str, Any] = {}

    def say(self, key: str, **fields: Any) -> "Reply":
        return self.text(say(key, self.language, **fields))

    def text(self, text: str, buttons: Optional[list[dict[str, str]]] = None) -> "Reply":
        message: dict[str, Any] = {"text": text}
        if buttons:
            message["buttons"] = buttons
        self.messages.append(message)
        return self

    def signal(self, **signals: Any) -> "Reply":
        """Facts for the gateway (handoff requested, slow speech) that are not shown."""
        self.signals.update(signals)
        return self

    def send(self, dispatcher: CollectingDispatcher, remember: bool = True) -> list[dict[str, Any]]:
        for message in self.messages:
            dispatcher.utter_message(text=message["text"], buttons=message.get("buttons", []))
        if self.signals:
            dispatcher.utter_message(json_message={"kaifong": self.signals})
        events = [SlotSet("language", self.language)]
        if remember:
            events.append(SlotSet("last_reply", self.messages))
        return events


class Turn:
    """One bot turn: the conversation state in, the reply and slot changes out."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.language = language_of(tracker)
        self.reply = Reply(self.language)
        self.slots: dict[str, Any] = {}
        self.reset = False
        self.remember = True
        latest = tracker.latest_message or {}
        self.intent = (latest.get("intent") or {}).get("name") or ""
        self.confidence = float((latest.get("intent") or {}).get("confidence") or 0.0)
        self.text = latest.get("text") or ""
        self.said: Utterance = read(self.text)   # read once; every rule of the turn uses it
        self.metadata = latest.get("metadata") or {}
        self.unresolved: Optional[str] = None   # not_understood / out_of_scope (the figures)

    # --- state -----------------------------------------------------------
    def get(self, slot: str) -> Any:
        if slot in self.slots:
            return self.slots[slot]
        return None if self.reset else self.tracker.get_slot(slot)

    def set(self, slot: str, value: Any) -> None:
        self.slots[slot] = value

    @property
    def service(self) -> Optional[Service]:
        service_id = self.get("service")
        return service_catalog().get(service_id) if service_id else None

    @property
    def options(self) -> list[str]:
        return list(self.get("options") or [])

    @property
    def step(self) -> str:
        return self.get("step") or ""

    @property
    def command(self) -> bool:
        """The gateway's own words for a control it recognised by rule (「0」 →
        /human, 「返回」 → /back, a number → /choose): never the person's sentence."""
        return self.text.startswith("/")

    def choice(self) -> Optional[int]:
        number = self.metadata.get("choice")
        return number if isinstance(number, int) else None

    # --- output ----------------------------------------------------------
    def ask(self, text: str, keys: list[str], step: Optional[str] = None) -> None:
        """A question with numbered answers; the options become the ones on screen."""
        self.reply.text(text, [button(i, key, self) for i, key in enumerate(keys, 1)])
        self.set("options", keys)
        if step is not None:
            self.set("step", step)

    def menu(self, keys: list[str], step: str) -> None:
        self.ask(say("options_prompt", self.language), keys, step)

    def finish(self, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        # what the turn was, for the gateway's turn records (channels/gateway/turns.py)
        self.reply.signal(turn={"intent": self.intent, "service": self.get("service"),
                                **({"unresolved": self.unresolved} if self.unresolved else {})})
        events: list[dict[str, Any]] = [AllSlotsReset()] if self.reset else []
        events += self.reply.send(dispatcher, remember=self.remember)
        events += [SlotSet(k, v) for k, v in self.slots.items()]
        return events


def button(number: int, key: str, turn: Turn) -> dict[str, str]:
    return {"title": f"{number} {option_title(key, turn)}", "payload": str(number)}


def option_title(key: str, turn: Turn) -> str:
    if key.startswith("svc:"):
        return service_catalog()[key[4:]].text("name", turn.language)
    if key.startswith("rate:"):
        return say("rate_" + key[5:], turn.language)
    return say("option_" + key, turn.language)

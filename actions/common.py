"""What every action shares: the conversation's language, and replies that are
remembered (for 「再讲一次」) and carry signals for the gateway."""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.texts import say

LANGUAGES = ("cmn", "yue")


def language_of(tracker: Tracker) -> str:
    """The language the gateway decided for this turn, else the last one known."""
    metadata = tracker.latest_message.get("metadata") or {}
    language = metadata.get("language") or tracker.get_slot("language")
    return language if language in LANGUAGES else "cmn"


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

"""What every action shares: the conversation's language, and replies that are
remembered (for 「再讲一次」) and carry numbered buttons."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.language import normalize
from bot.texts import say

LANGUAGES = ("cmn", "yue")
MAIN_OPTIONS = ("materials", "where", "online", "human")


def language_of(tracker: Tracker) -> str:
    """The language the gateway decided for this turn, else the last one known."""
    metadata = tracker.latest_message.get("metadata") or {}
    language = metadata.get("language") or tracker.get_slot("language")
    return language if language in LANGUAGES else "cmn"


def user_text(tracker: Tracker) -> str:
    return normalize(tracker.latest_message.get("text") or "")


def option_buttons(keys: Iterable[str], language: str) -> list[dict[str, str]]:
    """Numbered buttons; the payload is the number, exactly what a user would type."""
    return [{"title": f"{i} {say('option_' + key, language)}", "payload": str(i)}
            for i, key in enumerate(keys, 1)]


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

    def options(self, keys: Iterable[str]) -> "Reply":
        keys = list(keys)
        return self.text(say("options_prompt", self.language), option_buttons(keys, self.language))

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

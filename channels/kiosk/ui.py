"""What the kiosk page shows around the conversation: its labels and prompts in the
person's language and script, the document's language tag, and the service buttons
that start a conversation. Every string comes from bot/texts.yml or the catalog."""
from __future__ import annotations

from typing import Any, Mapping

from bot.catalog import Service
from bot.language import to_script
from bot.settings import Settings
from bot.texts import say

LANG_TAGS = {("cmn", "hans"): "zh-Hans", ("cmn", "hant"): "zh-Hant",
             ("yue", "hans"): "yue-Hans", ("yue", "hant"): "yue-Hant"}

# label name on the page -> key in bot/texts.yml
LABELS = {
    "title": "kiosk_title", "choose": "kiosk_choose_language", "talk": "kiosk_talk",
    "listening_hold": "kiosk_listening_hold", "listening_tap": "kiosk_listening_tap",
    "thinking": "kiosk_thinking", "replay": "kiosk_replay", "type": "kiosk_type_label",
    "send": "kiosk_send", "you": "kiosk_you", "assistant": "kiosk_title",
    "staff": "kiosk_staff", "still_here": "kiosk_still_here", "human": "option_human",
    "mic_blocked": "kiosk_mic_blocked",
}


def lang_tag(language: str, script: str) -> str:
    return LANG_TAGS[(language, script)]


def text(key: str, language: str, script: str, settings: Settings, **fields: Any) -> str:
    """A text of bot/texts.yml in the person's language, converted to their script."""
    return to_script(say(key, language, **fields), language, script, settings.hant_cmn)


def convert(value: str, language: str, script: str, settings: Settings) -> str:
    return to_script(value, language, script, settings.hant_cmn)


def labels(language: str, script: str, settings: Settings) -> dict[str, str]:
    out = {name: text(key, language, script, settings) for name, key in LABELS.items()}
    # the start screen asks in both languages: nobody has chosen yet
    out["choose_cmn"] = text("kiosk_choose_language", "cmn", script, settings)
    out["choose_yue"] = text("kiosk_choose_language", "yue", script, settings)
    out["location"] = convert(settings.kiosk_location, language, script, settings)
    return out


def handoff_line(handoff: Mapping[str, Any] | None, language: str, script: str,
                 settings: Settings) -> str:
    """The line that stays on screen while a person waits for staff or talks with them."""
    if not handoff:
        return ""
    if handoff.get("state") == "waiting":
        place = say("handoff_waiting", language) % {"position": handoff.get("position") or 1}
        return convert(place, language, script, settings)
    if handoff.get("state") == "with_staff":
        return text("kiosk_with_staff", language, script, settings)
    return ""


def service_buttons(services: Mapping[str, Service], language: str, script: str,
                    settings: Settings) -> list[dict[str, str]]:
    """The configured services as buttons; a tap says the service's name, as a person would."""
    buttons = []
    for service_id in settings.kiosk_service_ids():
        name = convert(services[service_id].text("name", language), language, script, settings)
        buttons.append({"title": name, "payload": name})
    return buttons


def welcome(services: Mapping[str, Service], language: str, script: str, settings: Settings,
            voice: bool) -> list[dict[str, Any]]:
    """The first messages a person gets after choosing a language."""
    key = "kiosk_welcome" if voice else "kiosk_welcome_no_voice"
    messages: list[dict[str, Any]] = [{"text": text(key, language, script, settings)}]
    buttons = service_buttons(services, language, script, settings)
    if buttons:
        messages.append({"text": text("kiosk_examples", language, script, settings),
                         "buttons": buttons})
    return messages

"""What the hotline says, as (text, language) parts for the Speaker, and which key
picks which option. Texts are bot/texts.yml's (Simplified: the voices read it).

An answer is read as keypad choices (speaking.spoken, KEYPAD: 「要带什么材料，请按1。」)
and every menu ends with 「找工作人员，请按0。」; a numbered 「找工作人员」 option of the
bot's own is not read twice (its key still works).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from bot.catalog import Service
from bot.language import to_simplified
from bot.privacy import last_digits
from bot.texts import say
from channels.gateway.speaking import KEYPAD, spoken

Part = tuple[str, str]          # (text, language)
Message = Mapping[str, Any]
HUMAN_KEY = "0"


def greeting(voice: bool) -> list[Part]:
    """Bilingual, before the caller has chosen: 1 廣東話, 2 普通话, or just say it."""
    cantonese = say("phone_hello", "yue") + say("phone_choose_language", "yue")
    mandarin = say("phone_choose_language", "cmn") + (say("phone_say_it", "cmn") if voice else "")
    return [(cantonese, "yue"), (mandarin, "cmn")]


def both(key: str, language: Optional[str]) -> list[Part]:
    """A sentence in the caller's language, or in both before they have chosen."""
    if language is not None:
        return [(say(key, language), language)]
    return [(say(key, "yue"), "yue"), (say(key, "cmn"), "cmn")]


def service_menu(services: Mapping[str, Service], ids: Sequence[str],
                 language: str) -> dict[str, Any]:
    """The first menu: the configured services by key; a key says the service's name."""
    buttons = []
    for number, service_id in enumerate(ids, 1):
        name = services[service_id].text("name", language)
        buttons.append({"title": f"{number} {name}", "payload": name})
    return {"text": "", "buttons": buttons}


def answer(messages: Sequence[Message], language: str) -> str:
    """An answer as the caller hears it: texts, options as keys, then 0 for a person."""
    kept = [dict(m, buttons=[b for b in m.get("buttons") or [] if not _is_human(b, language)])
            for m in messages]
    text = spoken(kept, language, KEYPAD)
    if any(m.get("buttons") for m in messages):
        text += "\n" + human_option(language)
    return text.strip()


def human_option(language: str) -> str:
    return say("phone_press", language, label=say("option_human", language), digit=HUMAN_KEY)


def options(messages: Sequence[Message]) -> dict[str, str]:
    """key -> what pressing it says (a button's payload, as a tap would send it)."""
    keys: dict[str, str] = {}
    for message in messages:
        for button in message.get("buttons") or []:
            number = str(button.get("title", "")).strip().split(" ", 1)[0]
            payload = str(button.get("payload", ""))
            key = number if number.isdigit() else payload if payload.isdigit() else ""
            if len(key) == 1 and payload:
                keys[key] = payload
    return keys


def callback_offer(language: str, phone: Optional[str]) -> str:
    """「我们会打回给您，号码尾数是5678，对吗？对请按1。换一个号码…按#结束。」, or
    asking for a number when the caller's own is unknown."""
    if phone is None:
        return say("phone_callback_ask", language)
    return (say("phone_callback_offer", language) % {"last": last_digits(phone)}
            + say("phone_callback_change", language))


def _is_human(button: Mapping[str, Any], language: str) -> bool:
    title = to_simplified(str(button.get("title", ""))).strip()
    label = title.split(" ", 1)[1] if " " in title and title.split(" ", 1)[0].isdigit() else title
    return label in (say("option_human", "cmn"), say("option_human", "yue"))

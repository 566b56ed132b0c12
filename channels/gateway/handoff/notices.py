"""What the person is told about the queue, in their language (Simplified here;
the pipeline converts every message to the person's script)."""
from __future__ import annotations

from typing import Any

from bot.texts import say
from channels.gateway.handoff.hours import StaffHours
from bot.privacy import mask_phone

Message = dict[str, Any]
CANCEL_PAYLOAD = "取消"   # what the button sends is what a person would type


def _text(*sentences: str, buttons: list[dict[str, str]] | None = None) -> Message:
    message: Message = {"text": "".join(sentences)}
    if buttons:
        message["buttons"] = buttons
    return message


def place(language: str, position: int, staff_online: bool = True) -> str:
    """The place in the queue, and a promise only when someone is there to keep it."""
    key = "handoff_waiting" if staff_online else "handoff_waiting_nobody"
    return say(key, language) % {"position": position}


def waiting(language: str, position: int, urgent: bool, staff_online: bool) -> list[Message]:
    """Just queued: the place, whether anyone is there, how to leave the queue."""
    first = [say("handoff_urgent", language)] if urgent else []
    messages = [_text(*first, place(language, position, staff_online))]
    if not staff_online:
        messages.append(_text(say("handoff_offer_callback", language)))
    cancel = {"title": say("handoff_button_cancel", language), "payload": CANCEL_PAYLOAD}
    messages.append(_text(say("handoff_cancel_hint", language), buttons=[cancel]))
    return messages


def still_waiting(language: str, position: int, staff_online: bool, lead: str = ""
                  ) -> list[Message]:
    return [_text(lead or say("handoff_received", language),
                  place(language, position, staff_online))]


def off_hours(language: str, hours: StaffHours) -> list[Message]:
    return [_text(say("handoff_off_hours", language),
                  say("handoff_hours", language, hours=hours.describe(language))),
            _text(say("handoff_offer_callback", language))]


def callback_saved(language: str, phone: str) -> str:
    return say("handoff_callback_saved", language) % {"phone": mask_phone(phone)}

"""What the kiosk page shows of the conversation, kept so that it can be drawn again:
after a switch of script every bubble and button is redrawn in the new one, and the
choices on screen are known (the bot's options, or a kiosk menu) so that a switch
of language can ask for them again in the new language."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from bot.settings import Settings
from channels.kiosk import ui

MAX_ITEMS = 200   # a long visit keeps its most recent bubbles


@dataclass
class Item:
    kind: str                    # "user", "bot", "staff"
    language: str                # the conversation's language when it was shown
    message: dict[str, Any]      # {"text", "buttons"?, "keypad"?, "from"?}


@dataclass
class Screen:
    items: list[Item] = field(default_factory=list)
    choices: Optional[str] = None      # None, "bot" (the bot's options) or a kiosk menu name

    def add(self, kind: str, language: str, messages: Sequence[Mapping[str, Any]],
            menu: Optional[str] = None) -> None:
        for message in messages:
            self.items.append(Item(kind, language, dict(message)))
        del self.items[:-MAX_ITEMS]
        if any(m.get("buttons") or m.get("keypad") for m in messages):
            self.choices = menu or "bot"
        elif kind == "user":
            self.drop_choices()   # the person answered: the old choices are gone

    def clear(self) -> None:
        self.items.clear()
        self.choices = None

    def drop_choices(self) -> None:
        """The choices on screen are answered or replaced: only their words stay (a
        kiosk menu goes whole: its words only led to its buttons)."""
        self.items = [i for i in self.items if not i.message.get("menu")]
        for item in self.items:
            item.message.pop("buttons", None)
            item.message.pop("keypad", None)
        self.choices = None

    def redrawn(self, script: str, settings: Settings) -> list[dict[str, Any]]:
        """Every bubble in `script`, each in its own language, as the page draws it."""
        out = []
        for item in self.items:
            message = dict(item.message)
            message["text"] = ui.redraw(str(message.get("text") or ""), item.language,
                                        script, settings)
            if message.get("buttons"):
                message["buttons"] = [_button(b, item.language, script, settings)
                                      for b in message["buttons"]]
            out.append({"kind": item.kind, "lang": ui.lang_tag(item.language, script),
                        **message})
        return out


def _button(button: Mapping[str, Any], language: str, script: str,
            settings: Settings) -> dict[str, Any]:
    redrawn = dict(button)
    redrawn["title"] = ui.redraw(str(button.get("title", "")), language, script, settings)
    if "payload" in button and not str(button["payload"]).isdigit():
        redrawn["payload"] = ui.redraw(str(button["payload"]), language, script, settings)
    return redrawn

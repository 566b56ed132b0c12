"""The last turns of each conversation, masked, kept in memory so that a case
starts with what was said before it (staff should not make the person repeat)."""
from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Any, Callable, Iterable, Optional

from bot.privacy import mask
from channels.gateway.handoff.store import Turn


class RecentTurns:
    def __init__(self, turns: int, max_senders: int = 20000,
                 clock: Callable[[], float] = time.time) -> None:
        self._turns = turns
        self._max = max_senders
        self._clock = clock
        self._by_sender: OrderedDict[str, deque[Turn]] = OrderedDict()

    def add(self, sender: str, user_text: str, bot_messages: Iterable[dict[str, Any]] = (),
            shown: Optional[str] = None) -> None:
        """One exchange: what the person said (masked; `shown`: the words of the option a
        pressed number stood for), then what the bot answered."""
        if self._turns <= 0:
            return
        turns = self._by_sender.get(sender)
        if turns is None:
            turns = self._by_sender[sender] = deque(maxlen=self._turns * 2)
            while len(self._by_sender) > self._max:
                self._by_sender.popitem(last=False)
        else:
            self._by_sender.move_to_end(sender)
        now = self._clock()
        turns.append(Turn("user", mask(user_text), now, mask(shown) if shown else None))
        bot_text = "\n".join(m.get("text") or "" for m in bot_messages).strip()
        if bot_text:
            turns.append(Turn("bot", mask(bot_text), now))

    def take(self, sender: str) -> list[Turn]:
        """The turns so far, handed to a new case (and forgotten here)."""
        return list(self._by_sender.pop(sender, ()))

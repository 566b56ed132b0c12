"""Per-conversation state the gateway keeps: language and script.

Bounded in memory (least recently used conversations are forgotten first);
the dialogue itself is kept by Rasa's tracker store.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Optional

from bot.language import LanguageState


@dataclass
class Session:
    sender: str
    language: LanguageState
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    slow: bool = False
    source: Optional[str] = None   # where the person's cases come from (gateway/clients.py)


class SessionStore:
    def __init__(self, default: LanguageState, max_sessions: int = 20000) -> None:
        self._default = default
        self._max = max_sessions
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def get(self, sender: str) -> Session:
        session = self._sessions.get(sender)
        if session is None:
            session = Session(sender=sender, language=self._default)
            self._sessions[sender] = session
            while len(self._sessions) > self._max:
                oldest, old = next(iter(self._sessions.items()))
                if old.lock.locked():  # never drop a conversation mid-turn
                    self._sessions.move_to_end(oldest)
                    break
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(sender)
        return session

    def forget(self, sender: str) -> None:
        """The person has gone; a turn still running keeps its own reference."""
        self._sessions.pop(sender, None)

    def __len__(self) -> int:
        return len(self._sessions)

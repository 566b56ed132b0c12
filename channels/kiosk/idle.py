"""Privacy between people at the kiosk: after a quiet spell ask 「还在吗？」, and
when nobody answers, clear everything for the next person.

The clock only runs while the kiosk waits for the person: not while it answers,
listens or talks. Any touch, word or key counts as an answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

ASK = "ask"
RESET = "reset"


@dataclass
class IdleWatch:
    idle: float            # quiet this long: ask
    idle_waiting: float    # the same while the person waits for staff or talks with them
    answer: float          # asked and no answer this long: clear
    last: float = 0.0      # the last sign of the person, or the end of the kiosk's own turn
    asked_at: Optional[float] = None

    @property
    def asking(self) -> bool:
        return self.asked_at is not None

    def activity(self, now: float) -> bool:
        """The person did something; True when that answers the question on screen."""
        self.last = max(self.last, now)
        answered, self.asked_at = self.asked_at is not None, None
        return answered

    def due(self, now: float, quiet_since: float, with_staff: bool) -> Optional[str]:
        """ASK, RESET or None. `quiet_since`: when the kiosk itself last stopped
        (answering, talking); the person's own activity is `last`."""
        since = max(self.last, quiet_since)
        if self.asked_at is None:
            limit = self.idle_waiting if with_staff else self.idle
            return ASK if now - since >= limit else None
        return RESET if now - max(self.asked_at, since) >= self.answer else None

    def asked(self, now: float) -> None:
        self.asked_at = now

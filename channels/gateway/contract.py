"""The channel contract: what every channel tells the gateway core and what the
core asks of every channel. Written once here; each channel package implements it.

A channel turns its transport (a kiosk websocket, a SIP call, WeChat's webhook,
JSON over HTTP) into turns of `Pipeline.chat(sender, text, channel=name)` and
gives the person what comes back. Three things the core cannot do for it:

- `facts(sender)`: what staff should know about the person on this channel
  (the kiosk's location, the caller's number, the WeChat nickname), shown on
  every case the person opens; strings are masked by the desk before storing;
- `deliver(sender, messages, handoff)`: push staff messages and late replies to
  the person at once. A channel that cannot push (the JSON API: clients pull
  with the long-poll) returns False and the messages wait in the outbox;
  nothing is lost either way, because the outbox is written first;
- `hand_over(sender, case)`: what the channel does when a case is created for
  the person. The kiosk shows the queue (the default words are right for it);
  the phone transfers the call and says so instead; WeChat says so and waits.
  Return the messages to give the person instead of the default, or None.

Channels register with `Channels.register` at start-up (channels/gateway/app.py
keeps the registry under the CHANNELS app key).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Protocol, Sequence, runtime_checkable

Message = dict[str, Any]   # {"text": ..., "buttons": [{"title", "payload"}]}, as /api/chat gives


@dataclass(frozen=True)
class Outgoing:
    """A message for the person that did not come from their own turn: a staff
    reply, or the assistant's words when staff join, hand back or close."""
    id: int                  # outbox id: increasing per person
    author: str              # "staff" or "assistant"
    text: str                # already in the person's language and script


@dataclass(frozen=True)
class HandOver:
    """A case the desk has just opened (or the callback it offered instead)."""
    case_id: Optional[int]   # None when no case was opened (off hours: a callback is offered)
    state: str               # "waiting", "off_hours"
    reason: str              # "asked", "not_understood", "emergency"
    urgent: bool
    position: Optional[int]  # place in the queue while waiting
    language: str
    script: str
    service: Optional[str]


@runtime_checkable
class Channel(Protocol):
    name: str

    def facts(self, sender: str) -> Mapping[str, Any]:
        """Facts about the person for staff, e.g. {"自助机地点": "东山街长者服务中心"}."""

    async def deliver(self, sender: str, messages: Sequence[Outgoing],
                      handoff: Optional[Mapping[str, Any]]) -> bool:
        """Push to the person now; True when they have it (the outbox marks it delivered)."""

    async def hand_over(self, sender: str, case: HandOver) -> Optional[list[Message]]:
        """The channel's own handling of a new case; messages to say instead, or None."""


class PullChannel:
    """A channel whose clients collect staff messages themselves (the long-poll)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def facts(self, sender: str) -> Mapping[str, Any]:
        return {}

    async def deliver(self, sender: str, messages: Sequence[Outgoing],
                      handoff: Optional[Mapping[str, Any]]) -> bool:
        return False

    async def hand_over(self, sender: str, case: HandOver) -> Optional[list[Message]]:
        return None


class Channels:
    """The channels the gateway runs, by name. A name nobody registered (an API
    client's own label) behaves as a pull channel."""

    def __init__(self) -> None:
        self._by_name: dict[str, Channel] = {}

    def register(self, channel: Channel) -> None:
        if not isinstance(channel, Channel):
            raise TypeError(f"{channel!r} does not implement the channel contract")
        if channel.name in self._by_name:
            raise ValueError(f"channel {channel.name!r} is registered twice")
        self._by_name[channel.name] = channel

    def get(self, name: str) -> Channel:
        return self._by_name.get(name) or PullChannel(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        return list(self._by_name)

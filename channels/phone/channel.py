"""The hotline as a channel (channels/gateway/contract.py): the caller's number for
staff (masked by the desk), staff messages spoken to the caller while they are on
the line, and the call's own way of handing over (transfer, or a callback offer)."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from bot.privacy import mask_phone
from channels.gateway.contract import HandOver, Message, Outgoing

from .call_session import CallSession

CALLER_FACT = "来电号码"   # the console shows a case's facts by their names


class PhoneChannel:
    name = "phone"

    def __init__(self) -> None:
        self.sessions: dict[str, CallSession] = {}   # sender -> the call on the line

    def facts(self, sender: str) -> Mapping[str, Any]:
        session = self.sessions.get(sender)
        caller = session.call.caller if session is not None else ""
        # masked as the number left to ring back is (a short extension too): one style
        return {CALLER_FACT: mask_phone(caller)} if caller else {}

    async def deliver(self, sender: str, messages: Sequence[Outgoing],
                      handoff: Optional[Mapping[str, Any]]) -> bool:
        session = self.sessions.get(sender)
        if session is None or not session.live:   # hung up: the outbox keeps them
            return False
        session.staff_said(messages, handoff)
        return True

    async def hand_over(self, sender: str, case: HandOver) -> Optional[list[Message]]:
        session = self.sessions.get(sender)
        if session is None:
            return None
        return await session.hand_over(case)

"""The kiosk as a channel (channels/gateway/contract.py): the kiosk's location for
staff, staff messages pushed to the page the person stands at, and its own words
when a case opens (the same as the banner above the conversation, which carries
the button to leave the queue; a number pad for a callback when nobody is there)."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from bot.settings import Settings
from channels.gateway.contract import HandOver, Message, Outgoing
from channels.gateway.handoff.desk import HandoffDesk
from channels.kiosk import ui
from channels.kiosk.visit import KioskVisit

LOCATION_FACT = "自助机地点"   # the console shows a case's facts by their names


class KioskChannel:
    name = "kiosk"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.visits: set[KioskVisit] = set()   # one per connected page
        self.desk: Optional[HandoffDesk] = None

    def staff_online(self) -> bool:
        return self.desk is not None and self.desk.staff_online()

    def facts(self, sender: str) -> Mapping[str, Any]:
        location = self.settings.kiosk_location
        return {LOCATION_FACT: location} if location else {}

    async def deliver(self, sender: str, messages: Sequence[Outgoing],
                      handoff: Optional[Mapping[str, Any]]) -> bool:
        visit = self._visit_of(sender)
        if visit is None:   # the person has gone: the outbox keeps it for the record
            return False
        if messages:
            await visit.staff_said(messages, handoff)
        await visit.set_handoff(handoff)
        return True

    async def hand_over(self, sender: str, case: HandOver) -> Optional[list[Message]]:
        hours = self.desk.hours.describe(case.language) if self.desk is not None else ""
        return ui.handed_over(case.state, case.position, case.urgent, case.language,
                              self.staff_online(), hours)

    def _visit_of(self, sender: str) -> Optional[KioskVisit]:
        return next((v for v in self.visits if v.sender == sender), None)

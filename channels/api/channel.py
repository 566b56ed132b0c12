"""The JSON API as a channel (channels/gateway/contract.py): clients collect staff
messages with the long-poll (nothing is pushed), and staff see the integrator's own id
for the person (`user`, given when the conversation was opened) on the person's cases."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Mapping, Optional, Sequence

from channels.gateway.contract import HandOver, Message, Outgoing
from channels.gateway.conversations import Conversation

USER_FACT = "用户编号"   # the console shows a case's facts by their names
REMEMBERED = 20_000      # conversations whose user id is kept in memory


class ApiChannel:
    name = "api"

    def __init__(self) -> None:
        self._users: OrderedDict[str, str] = OrderedDict()

    def seen(self, conversation: Conversation) -> None:
        """A call of this conversation arrived: its user id is at hand for a case."""
        if conversation.user:
            self._users[conversation.id] = conversation.user
            self._users.move_to_end(conversation.id)
            while len(self._users) > REMEMBERED:
                self._users.popitem(last=False)

    def facts(self, sender: str) -> Mapping[str, Any]:
        user = self._users.get(sender)
        return {USER_FACT: user} if user else {}

    async def deliver(self, sender: str, messages: Sequence[Outgoing],
                      handoff: Optional[Mapping[str, Any]]) -> bool:
        return False   # the long-poll collects them

    async def hand_over(self, sender: str, case: HandOver) -> Optional[list[Message]]:
        return None

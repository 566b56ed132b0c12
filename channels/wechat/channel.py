"""WeChat as a channel (channels/gateway/contract.py): the nickname for staff,
staff replies pushed as customer-service messages, and the waiting words.

Customer-service messages reach a person only within 48 hours of their last
message (and not after they unfollow). Past that, or when WeChat keeps refusing
or cannot be reached, `deliver` answers False (the outbox keeps the messages)
and the live case is flagged for staff with a note saying why and to ring back
(`HandoffDesk.unreachable`). When the person writes again, the flag goes and what
waited is sent.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any, Callable, Mapping, Optional, Sequence

from bot.texts import staff_text
from channels.gateway.contract import HandOver, Message, Outgoing
from channels.gateway.db import Database
from channels.gateway.handoff.desk import HandoffDesk
from channels.wechat import followers
from channels.wechat.api import ApiError, OutsideWindow, WeChatApi
from channels.wechat.followers import FAILED, UNSUBSCRIBED, WINDOW, Follower
from channels.wechat.formatting import split_text

log = logging.getLogger("kaifong.wechat")

NICKNAME_FACT = "微信昵称"    # the console shows a case's facts by their names
NOTES = {WINDOW: "wechat_note_window", UNSUBSCRIBED: "wechat_note_unsubscribed",
         FAILED: "wechat_note_send_failed"}
MAX_REMEMBERED = 20000       # nicknames and locks kept in memory


class WeChatChannel:
    name = "wechat"

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock                   # the 48-hour window is read on it
        self.db: Optional[Database] = None   # attached when the app starts
        self.api: Optional[WeChatApi] = None
        self.desk: Optional[HandoffDesk] = None
        self._nicknames: OrderedDict[str, str] = OrderedDict()
        self._asked: set[str] = set()        # nickname asked of WeChat in this run
        self._locks: OrderedDict[str, asyncio.Lock] = OrderedDict()
        self._handed: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(self, db: Database, api: WeChatApi, desk: HandoffDesk) -> None:
        self.db, self.api, self.desk = db, api, desk

    # --- the contract ---------------------------------------------------------------

    def facts(self, sender: str) -> Mapping[str, Any]:
        nickname = self._nicknames.get(sender)
        return {NICKNAME_FACT: nickname} if nickname else {}

    async def hand_over(self, sender: str, case: HandOver) -> Optional[list[Message]]:
        """The desk's words are right; the turn adds that staff answer in this chat."""
        if case.state == "waiting":
            self._handed.add(sender)
        return None

    async def deliver(self, sender: str, messages: Sequence[Outgoing],
                      handoff: Optional[Mapping[str, Any]]) -> bool:
        async with self._lock(sender):
            follower = await self._db().run(followers.get, sender)
            if follower is None:
                return False
            pending = [m for m in messages if m.id > follower.delivered_up_to]
            why = follower.why_unreachable(self.clock()) if pending else None
            if why is not None:
                await self._unreachable(sender, why)
                return False
            for message in pending:
                try:
                    await self._send_text(follower.openid, message.text)
                except OutsideWindow:
                    await self._unreachable(sender, WINDOW)
                    return False
                except ApiError as exc:   # the client retried with backoff already
                    log.warning("wechat: a staff message was not delivered: %s", exc)
                    await self._unreachable(sender, FAILED)
                    return False
                await self._db().run(followers.delivered, sender, message.id)
        if pending and follower.unreachable == FAILED:   # sending works again
            await self._reachable(sender)
        return True

    # --- the person wrote -------------------------------------------------------------

    def took_case(self, sender: str) -> bool:
        """Was a case opened for the person during the turn that just ended?"""
        if sender in self._handed:
            self._handed.discard(sender)
            return True
        return False

    async def arrived(self, sender: str, openid: str, before: Optional[Follower]) -> None:
        """A message from the person (recorded by followers.wrote): their nickname for
        staff, and staff messages that could not reach them before are sent now."""
        if before is not None and before.nickname:
            self._remember_nickname(sender, before.nickname)
        elif sender not in self._asked:
            self._asked.add(sender)
            if len(self._asked) > MAX_REMEMBERED:
                self._asked.clear()
            self._spawn(self._fetch_nickname(sender, openid))
        if before is not None and before.unreachable:
            await self._reachable(sender)

    async def send(self, sender: str, texts: Sequence[str]) -> bool:
        """The assistant's own late words (the rest of a long answer, an answer that
        took over the passive time): in order, after anything still being sent."""
        async with self._lock(sender):
            follower = await self._db().run(followers.get, sender)
            if follower is None:
                return False
            try:
                for text in texts:
                    await self._send_text(follower.openid, text)
            except ApiError as exc:
                log.warning("wechat: a late answer was not delivered: %s", exc)
                return False
        return True

    # --- helpers ------------------------------------------------------------------------

    async def _send_text(self, openid: str, text: str) -> None:
        if self.api is None:
            raise ApiError("custom send", None, "the channel is not started")
        for piece in split_text(text):
            await self.api.send_text(openid, piece)

    async def _unreachable(self, sender: str, why: str) -> None:
        """Tell staff once per reason, on the person's live case."""
        log.info("wechat: cannot reach a person now (%s)", why)
        if self.desk is None:
            return
        if await self.desk.unreachable(sender, staff_text(NOTES[why])):
            await self._db().run(followers.set_unreachable, sender, why)

    async def _reachable(self, sender: str) -> None:
        await self._db().run(followers.set_unreachable, sender, None)
        if self.desk is not None:
            await self.desk.reachable(sender, self.name, staff_text("wechat_note_reachable"))

    async def _fetch_nickname(self, sender: str, openid: str) -> None:
        if self.api is None:
            return
        try:
            nickname = await self.api.nickname(openid)
        except ApiError as exc:   # most accounts no longer get nicknames: not an error
            log.debug("wechat: no nickname (%s)", exc)
            return
        if nickname:
            nickname = nickname.strip()[:40]
            self._remember_nickname(sender, nickname)
            await self._db().run(followers.set_nickname, sender, nickname)

    def _remember_nickname(self, sender: str, nickname: str) -> None:
        self._nicknames[sender] = nickname
        self._nicknames.move_to_end(sender)
        while len(self._nicknames) > MAX_REMEMBERED:
            self._nicknames.popitem(last=False)

    def _lock(self, sender: str) -> asyncio.Lock:
        """One send at a time per person, so their messages never overtake each other."""
        lock = self._locks.get(sender)
        if lock is None:
            lock = self._locks[sender] = asyncio.Lock()
            if len(self._locks) > MAX_REMEMBERED:
                for key in [k for k, v in self._locks.items() if not v.locked()][:1000]:
                    del self._locks[key]
                self._locks[sender] = lock
        return lock

    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError("the WeChat channel is not started")
        return self.db

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)

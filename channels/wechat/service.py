"""One official account in the gateway: a checked message in, its answer out.

`handle(inbound)` is the whole of a POST once the request is checked: the
message is claimed in the dedupe table (with the follower's last-message time,
in one transaction), its turn flies once (passive.py), and the answer for this
delivery comes back: the passive text, or None for `success`.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from typing import Optional

from bot.language import to_script
from bot.settings import Settings
from bot.texts import say
from channels.gateway.db import Database
from channels.wechat import dedupe, followers
from channels.wechat.channel import WeChatChannel
from channels.wechat.config import WeChatConfig
from channels.wechat.followers import Follower
from channels.wechat.identity import id_key, sender_of
from channels.wechat.messages import Event, Message, dedupe_key
from channels.wechat.passive import Flights
from channels.wechat.request import Inbound, RequestChecker
from channels.wechat.turns import Turns

log = logging.getLogger("kaifong.wechat")

FORGET_EVERY = 60.0   # seconds between clearing old dedupe keys


class WeChatService:
    def __init__(self, settings: Settings, config: WeChatConfig) -> None:
        self.settings = settings
        self.config = config
        self.checker = RequestChecker(config)
        self.channel = WeChatChannel()
        self.turns = Turns(settings, config, self.channel)
        self.flights: Optional[Flights] = None   # made when the database is open
        self._forgetting: Optional[asyncio.Task[None]] = None
        self._key = id_key(settings.wechat_id_key, config.app_secret)

    def start(self, db: Database) -> None:
        """Once the database is open and the channel attached."""
        self.flights = Flights(db, self.channel.send)
        self._forgetting = asyncio.get_running_loop().create_task(self._forget_old_keys())

    async def stop(self, timeout: float) -> None:
        """Let the messages in flight finish and their answers go, within `timeout` s."""
        if self._forgetting is not None:
            self._forgetting.cancel()
        if self.flights is not None:
            await self.flights.drain(timeout)
        await self.channel.close()

    def sender_of(self, openid: str) -> str:
        return sender_of(openid, self._key)

    async def handle(self, inbound: Inbound) -> Optional[str]:
        """This delivery's answer: the passive reply's text, or None for `success`."""
        flights = self._flights()
        message = inbound.message
        key = dedupe_key(message)
        deadline = asyncio.get_running_loop().time() + self.settings.wechat_passive_seconds
        flight = flights.get(key)
        if flight is None:
            sender = self.sender_of(message.from_user)
            first, before = await self._claim(key, sender, message)
            if not first:
                return await flights.retry(key, deadline)
            flight = flights.start(key, sender, self._turn(sender, message, before), deadline)
        return await flights.answer(flight, deadline)

    async def _claim(self, key: str, sender: str,
                     message: Message) -> tuple[bool, Optional[Follower]]:
        """The first delivery of this message? And the person as they were before it."""
        gone = isinstance(message, Event) and message.event == "unsubscribe"
        now, window_now = time.time(), self.channel.clock()

        def claim(conn: sqlite3.Connection) -> tuple[bool, Optional[Follower]]:
            if not dedupe.claim(conn, key, now):
                return False, None
            if gone:
                followers.unsubscribed(conn, sender)
                return True, None
            return True, followers.wrote(conn, sender, message.from_user, window_now)
        assert self.channel.db is not None
        return await self.channel.db.run(claim)

    async def _turn(self, sender: str, message: Message, before: Optional[Follower]) -> str:
        """The message's answer; never raises (an apology instead). After the turn (which
        staff see in the case first), the person's channel catches up: their nickname,
        and staff messages that could not reach them before."""
        try:
            text = await self.turns.answer(sender, message)
        except Exception:
            log.exception("wechat: a turn failed")
            text = self._apology(sender)
        if before is not None:
            try:
                await self.channel.arrived(sender, message.from_user, before)
            except Exception:   # the answer matters more
                log.exception("wechat: catching up with a person failed")
        return text

    def _apology(self, sender: str) -> str:
        pipeline = self.turns.pipeline
        language, script = self.settings.default_language, self.settings.default_script
        if pipeline is not None:
            state = pipeline.language_of(sender)
            language, script = state.language, state.script
        return to_script(say("unavailable", language, hotline=self.settings.hotline),
                         language, script, self.settings.hant_cmn)

    async def forget_old_keys_once(self) -> int:
        """Drop the dedupe keys older than WeChat's retries can be; how many."""
        assert self.channel.db is not None
        return await self.channel.db.run(dedupe.forget_older_than,
                                         time.time() - dedupe.RETENTION_SECONDS)

    async def _forget_old_keys(self) -> None:
        """At start (the gateway may have been down for long) and every minute after."""
        while True:
            try:
                await self.forget_old_keys_once()
            except Exception:
                log.exception("wechat: clearing old message keys failed")
            await asyncio.sleep(FORGET_EVERY)

    def _flights(self) -> Flights:
        if self.flights is None:
            raise RuntimeError("the WeChat channel is not started")
        return self.flights

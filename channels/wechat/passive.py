"""The five-second rule. WeChat waits 5 s for the answer to a message, then
sends the same message again (up to three times); a later answer must go as a
customer-service message. So each message is a *flight*:

- its turn runs once, as a task of its own (a delivery's HTTP request may go);
- every delivery of it waits for the turn until its own passive deadline
  (arrival + `wechat_passive_seconds`). If the turn ends in time, every delivery
  still waiting answers the same text passively; the rest of a long answer
  follows as customer-service messages.
- if the newest delivery's deadline passes first, the answer is `success` and
  the reply goes as customer-service messages as soon as it is ready. An older
  delivery whose deadline passed while a newer one still waits answers
  `success` (WeChat has given up on it: that is why it sent the newer one).

Outcomes are decided without awaiting anything in between, so a turn finishing
and a deadline passing cannot both win. What was decided is written to the
dedupe table (dedupe.py) so retries after the flight, or after a restart, get
the same answer. At shutdown every flight still in the air is finished and its
answer sent, within a bound.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Coroutine, Optional

from channels.gateway.db import Database
from channels.wechat import dedupe
from channels.wechat.formatting import split_text

log = logging.getLogger("kaifong.wechat")

PASSIVE, LATE = "passive", "late"
POLL_SECONDS = 0.1   # a retry of a message this process is not flying: look again this often

Send = Callable[[str, list[str]], Awaitable[bool]]   # (sender, texts) -> delivered


@dataclass(eq=False)
class Flight:
    key: str
    sender: str
    task: "asyncio.Task[str]"
    deadline: float                 # the newest delivery's passive deadline (loop time)
    outcome: Optional[str] = None   # PASSIVE or LATE once decided
    first: Optional[str] = None     # the passive answer's text (PASSIVE)


class Flights:
    def __init__(self, db: Database, send: Send, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.send = send
        self.clock = clock
        self._flights: dict[str, Flight] = {}
        self._background: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._flights)

    def get(self, key: str) -> Optional[Flight]:
        return self._flights.get(key)

    def start(self, key: str, sender: str, turn: Coroutine[None, None, str],
              deadline: float) -> Flight:
        """The first delivery of a message (claimed in the dedupe table): its turn runs."""
        task = asyncio.get_running_loop().create_task(turn)
        flight = Flight(key, sender, task, deadline)
        self._flights[key] = flight
        return flight

    async def answer(self, flight: Flight, deadline: float) -> Optional[str]:
        """What this delivery answers: the passive text, or None for `success`."""
        loop = asyncio.get_running_loop()
        flight.deadline = max(flight.deadline, deadline)
        if flight.outcome is None:
            try:
                await asyncio.wait({flight.task}, timeout=max(0.0, deadline - loop.time()))
            except asyncio.CancelledError:   # WeChat hung up, or the server is stopping
                if flight.outcome is None and flight.deadline <= deadline:
                    self._late(flight)
                raise
        if flight.outcome is None:
            if flight.task.done():
                self._passive(flight)
            elif flight.deadline <= deadline:
                self._late(flight)
            else:
                return None   # a newer delivery of the same message waits for it
        return flight.first if flight.outcome == PASSIVE else None

    async def retry(self, key: str, deadline: float) -> Optional[str]:
        """A delivery of a message claimed before, and not (or no longer) flying here:
        the answer recorded, or the flight once it shows, or `success` at the deadline
        (a message claimed by a process that stopped before answering)."""
        loop = asyncio.get_running_loop()
        while True:
            flight = self._flights.get(key)
            if flight is not None:
                return await self.answer(flight, deadline)
            said = dedupe.retry_answer(await self.db.run(dedupe.delivery, key))
            if said.action != "wait":
                return said.text if said.action == "repeat" else None
            if loop.time() + POLL_SECONDS > deadline:
                return None
            await asyncio.sleep(POLL_SECONDS)

    # --- outcomes (decided synchronously; the work after them runs in the background) ---

    def _passive(self, flight: Flight) -> None:
        pieces = split_text(_result(flight.task))
        flight.outcome, flight.first = PASSIVE, (pieces[0] if pieces else None)
        self._spawn(flight, self._after_passive(flight, pieces[1:]))

    def _late(self, flight: Flight) -> None:
        flight.outcome = LATE
        self._spawn(flight, self._after_late(flight))

    async def _after_passive(self, flight: Flight, rest: list[str]) -> None:
        if flight.first:
            await self.db.run(dedupe.answered, flight.key, flight.first, self.clock())
        else:
            await self.db.run(dedupe.answered_later, flight.key, self.clock())
        if rest:
            await self.send(flight.sender, rest)

    async def _after_late(self, flight: Flight) -> None:
        await self.db.run(dedupe.answered_later, flight.key, self.clock())
        await asyncio.wait({flight.task})
        pieces = split_text(_result(flight.task))
        if pieces:
            await self.send(flight.sender, pieces)

    def _spawn(self, flight: Flight, work: Coroutine[None, None, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)

        def done(finished: "asyncio.Task[None]") -> None:
            self._background.discard(finished)
            if self._flights.get(flight.key) is flight:
                del self._flights[flight.key]
            if not finished.cancelled() and finished.exception() is not None:
                log.error("wechat: finishing a message failed: %r", finished.exception())
        task.add_done_callback(done)

    # --- shutdown ---------------------------------------------------------------------

    async def drain(self, timeout: float) -> None:
        """Nobody will answer passively any more: every flight's answer goes late, and
        the turns and their sending get `timeout` seconds to finish."""
        for flight in list(self._flights.values()):
            if flight.outcome is None:
                self._late(flight)
        pending = set(self._background) | {f.task for f in self._flights.values()}
        if pending:
            log.info("wechat: finishing %d message(s) before stopping", len(self._flights))
            _, left = await asyncio.wait(pending, timeout=timeout)
            for task in left:
                task.cancel()
            if left:
                log.warning("wechat: %d message(s) not finished in %.0f s", len(left), timeout)
                await asyncio.wait(left, timeout=1)


def _result(task: "asyncio.Task[str]") -> str:
    """The turn's text; a cancelled turn has none (the turn itself logs its errors)."""
    if task.cancelled() or task.exception() is not None:
        return ""
    return task.result()

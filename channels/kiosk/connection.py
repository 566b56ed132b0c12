"""The kiosk page's websocket: the transport, and nothing else.

The page sends JSON (`start`, `language`, `script`, `text`, `menu`, `human`,
`cancel`, `activity`, `mic_start`, `mic_mode`, `mic_stop`, `mic_blocked`) and
binary microphone frames (16-bit mono PCM); the gateway sends JSON (`hello`,
`ui`, `user`, `reply`, `staff`, `log`, `handoff`, `partial`, `listening`,
`still_there`, `reset`, `audio_start`, `audio_end`) and binary speech frames. The page only draws what it is told;
what it shows and says is decided by the person's visit (visit.py).
"""
from __future__ import annotations

import itertools
import json
import logging
import time
from typing import Any, Callable, Optional

from aiohttp import WSMsgType, web

from channels.gateway.limits import Limited, Limits

log = logging.getLogger("kaifong.kiosk")

MAX_FRAME = 64 * 1024        # bytes of audio in one frame from the page
# A microphone sends 16-bit mono at its own rate (at most 96 kHz): 192 KB a second. Audio
# may arrive faster after a hiccup of the network, never for long.
AUDIO_BYTES_PER_SECOND = 96000 * 2
AUDIO_BURST_SECONDS = 4.0
_pages = itertools.count(1)


class Guard:
    """One kiosk page's limits: its messages (audio apart) per minute, audio no faster
    than a microphone can make it, and the turns it may have waiting to be answered."""

    def __init__(self, limits: Optional[Limits], address: str, queued_turns: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits, self.address, self.queued_turns = limits, address, queued_turns
        self.key = f"page-{next(_pages)}"
        self.clock = clock
        self._audio = AUDIO_BYTES_PER_SECOND * AUDIO_BURST_SECONDS
        self._audio_at = clock()
        self.dropped = 0

    def message(self) -> bool:
        if self.limits is None or not self.limits.kiosk_messages.take(self.key):
            return True
        self.dropped += 1
        return False

    def audio(self, size: int) -> bool:
        now = self.clock()
        budget = AUDIO_BYTES_PER_SECOND * AUDIO_BURST_SECONDS
        self._audio = min(budget, self._audio + (now - self._audio_at) * AUDIO_BYTES_PER_SECOND)
        self._audio_at = now
        if size > self._audio:
            self.dropped += 1
            return False
        self._audio -= size
        return True

    def turn(self, sender: str, waiting: int) -> None:
        """Limited when the page already has its turns waiting, or the person or the
        address goes faster than anyone reads."""
        if waiting >= self.queued_turns:
            raise Limited("turns waiting on this kiosk page", 2)
        if self.limits is not None:
            self.limits.turn(self.address, sender)


class KioskSocket:
    """Sending to the page; a page that went away is not an error (the receive loop
    notices and ends the person). Also the speaker's output (speaking.AudioOut):
    an answer is `audio_start`, one binary frame per sentence, `audio_end`."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        try:
            await self.ws.send_str(json.dumps(message, ensure_ascii=False))
        except (ConnectionError, RuntimeError):
            pass

    async def send_bytes(self, data: bytes) -> None:
        if self.ws.closed:
            return
        try:
            await self.ws.send_bytes(data)
        except (ConnectionError, RuntimeError):
            pass

    # speaking.AudioOut
    async def begin(self, speech_id: int, rate: int) -> None:
        await self.send({"type": "audio_start", "id": speech_id, "rate": rate})

    async def chunk(self, pcm16: bytes) -> None:
        await self.send_bytes(pcm16)

    async def end(self, speech_id: int, error: Optional[str]) -> None:
        await self.send({"type": "audio_end", "id": speech_id, "error": error})

    def cut(self) -> None:
        pass   # the page drops an answer when the next audio_start comes, or when it listens


def parse(raw: str) -> Optional[dict[str, Any]]:
    """A JSON object with a string `type`, or None for anything else."""
    try:
        message = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return None
    return message


async def receive(ws: web.WebSocketResponse, visit: Any, guard: Optional[Guard] = None) -> None:
    """Hand each message from the page to the visit, in order, until the page goes.
    Over its limits a page's messages are dropped (a person never sends that many)."""
    guard = guard or Guard(None, "", 1_000_000)
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            parsed = parse(message.data)
            if parsed is None:
                log.info("kiosk page sent something that is not a message")
                continue
            if not guard.message():
                if guard.dropped == 1:
                    log.info("kiosk page sends too many messages: some are dropped")
                continue
            try:
                await visit.on_message(parsed)
            except Exception:   # a page's odd message must not end the person's visit
                log.exception("kiosk page message failed")
        elif message.type == WSMsgType.BINARY:
            frame = message.data
            if len(frame) <= MAX_FRAME and len(frame) % 2 == 0 and guard.audio(len(frame)):
                visit.on_audio(frame)

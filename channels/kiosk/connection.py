"""The kiosk page's websocket: the transport, and nothing else.

The page sends JSON (`start`, `language`, `script`, `text`, `menu`, `human`,
`cancel`, `activity`, `mic_start`, `mic_mode`, `mic_stop`, `mic_blocked`) and
binary microphone frames (16-bit mono PCM); the gateway sends JSON (`hello`,
`ui`, `user`, `reply`, `staff`, `log`, `handoff`, `partial`, `listening`,
`still_there`, `reset`, `audio_start`, `audio_end`) and binary speech frames. The page only draws what it is told;
what it shows and says is decided by the person's visit (visit.py).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

from aiohttp import WSMsgType, web

log = logging.getLogger("kaifong.kiosk")

MAX_FRAME = 64 * 1024        # bytes of audio in one frame from the page


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


async def receive(ws: web.WebSocketResponse, visit: Any) -> None:
    """Hand each message from the page to the visit, in order, until the page goes."""
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            parsed = parse(message.data)
            if parsed is None:
                log.info("kiosk page sent something that is not a message")
                continue
            await visit.on_message(parsed)
        elif message.type == WSMsgType.BINARY:
            if len(message.data) <= MAX_FRAME and len(message.data) % 2 == 0:
                visit.on_audio(message.data)

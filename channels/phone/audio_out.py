"""The phone line as the voice dialogue's AudioOut (channels/gateway/speaking.py):
what the Speaker synthesises goes into `Call.play`, sentence after sentence.

One play() source lasts from the first sentence until a cut: speech said in parts
(the greeting's Cantonese, then its Mandarin) follows on without a gap or a clip,
and between answers the line sends silence (the source is simply empty). A cut
(barge-in, a new answer) stops the line at the next 20 ms packet.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Optional

from .call import Call

RATE = 8000   # G.711: what the Speaker must produce for a phone line


class CallAudio:
    def __init__(self, call: Call) -> None:
        self._call = call
        self._queue: Optional[asyncio.Queue[bytes]] = None

    async def begin(self, speech_id: int, rate: int) -> None:
        if rate != RATE:
            raise ValueError(f"a phone line plays {RATE} Hz, not {rate}")
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._call.play(_drain(self._queue))

    async def chunk(self, pcm16: bytes) -> None:
        if self._queue is not None:
            self._queue.put_nowait(pcm16)

    async def end(self, speech_id: int, error: Optional[str]) -> None:
        pass   # the source stays open: the next part follows on

    def cut(self) -> None:
        """Drop what was sent and not yet heard: the next packet is silence."""
        self._queue = None
        self._call.stop_playing()


async def _drain(queue: asyncio.Queue[bytes]) -> AsyncIterator[bytes]:
    while True:
        yield await queue.get()

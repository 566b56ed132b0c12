"""Reading answers aloud to the kiosk page, one sentence at a time.

Over the socket an answer is `{"type": "audio_start", "id", "rate"}`, then one
binary frame of 16-bit mono PCM per sentence, then `{"type": "audio_end", "id"}`.
A new answer interrupts the one being read. The speaker also knows, roughly,
when the page will have finished playing what it was sent: the idle clock does
not run while the kiosk is talking.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Optional

from voice.errors import TextError, TtsUnavailable, VoiceBusy
from voice.tts import TtsEngine

log = logging.getLogger("kaifong.kiosk")

RATE = 16000   # what the page plays; it resamples to its own output itself

SendJson = Callable[[dict[str, Any]], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]


class Speaker:
    def __init__(self, tts: TtsEngine, send_json: SendJson, send_bytes: SendBytes,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._tts = tts
        self._send_json, self._send_bytes = send_json, send_bytes
        self._clock = clock
        self._task: Optional[asyncio.Task[None]] = None
        self._next_id = 0
        self.until = 0.0   # when the page finishes playing what it has been sent

    @property
    def speaking(self) -> bool:
        return (self._task is not None and not self._task.done()) or self._clock() < self.until

    def say(self, text: str, language: str, slow: bool) -> None:
        """Read `text` aloud, interrupting whatever is being read now."""
        self.stop()
        if not text.strip():
            return
        self._next_id += 1
        self._task = asyncio.get_running_loop().create_task(
            self._read(self._next_id, text, language, "slow" if slow else "normal"))

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        self.until = min(self.until, self._clock())

    async def _read(self, audio_id: int, text: str, language: str, rate: str) -> None:
        await self._send_json({"type": "audio_start", "id": audio_id, "rate": RATE})
        error = None
        try:
            async for chunk in self._tts.stream(text, language, rate, RATE):
                # the page plays sentences back to back, or as soon as one arrives late
                self.until = max(self.until, self._clock()) + chunk.duration
                await self._send_bytes(chunk.pcm16)
        except (TextError, TtsUnavailable, VoiceBusy) as exc:
            log.warning("kiosk speech output failed: %s", exc)
            error = "unavailable"
        await self._send_json({"type": "audio_end", "id": audio_id, "error": error})

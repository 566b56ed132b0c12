"""Speaking, for every voice channel: an answer becomes a stream of audio chunks
at the channel's sample rate (16 kHz for the kiosk page, 8 kHz for a phone
line), one sentence at a time, and the *spoken form* of a reply says its options
the way the channel takes answers.

The transport plays and paces the chunks (`AudioOut`); a new answer, or
`stop()` when the person starts talking or presses a key (barge-in), cuts the
one being read at once. The speaker also knows, roughly, when the listener will
have heard everything it was sent: silence timers do not run while the
assistant is talking.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, Callable, Mapping, Optional, Protocol, Sequence

from bot.texts import say
from voice.errors import TextError, TtsUnavailable, VoiceBusy
from voice.tts import TtsEngine

log = logging.getLogger("kaifong.speaking")


class AudioOut(Protocol):
    """Where a channel's speech goes. `chunk` may wait (a phone line paces 20 ms packets)."""

    async def begin(self, speech_id: int, rate: int) -> None: ...

    async def chunk(self, pcm16: bytes) -> None: ...

    async def end(self, speech_id: int, error: Optional[str]) -> None: ...

    def cut(self) -> None:
        """Drop what was sent and not yet heard (barge-in)."""


class Speaker:
    def __init__(self, tts: TtsEngine, rate: int, out: AudioOut,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._tts, self.rate, self._out, self._clock = tts, rate, out, clock
        self._task: Optional[asyncio.Task[None]] = None
        self._next_id = 0
        self.until = 0.0   # when the listener finishes hearing what it has been sent

    @property
    def talking(self) -> bool:
        return (self._task is not None and not self._task.done()) or self._clock() < self.until

    def say(self, text: str, language: str, slow: bool) -> None:
        """Read `text` aloud, interrupting whatever is being read now."""
        self.stop()
        if not text.strip():
            return
        self._next_id += 1
        self._task = asyncio.get_running_loop().create_task(
            self._read(self._next_id, text, language, "slow" if slow else "normal"))

    async def said(self) -> None:
        """Wait until the speech under way has been handed to the transport."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            self._out.cut()
        self._task = None
        self.until = min(self.until, self._clock())

    async def _read(self, speech_id: int, text: str, language: str, rate: str) -> None:
        await self._out.begin(speech_id, self.rate)
        error = None
        try:
            async for chunk in self._tts.stream(text, language, rate, self.rate):
                # the listener hears sentences back to back, or as soon as one arrives late
                self.until = max(self.until, self._clock()) + chunk.duration
                await self._out.chunk(chunk.pcm16)
        except (TextError, TtsUnavailable, VoiceBusy) as exc:
            log.warning("speech output failed: %s", exc)
            error = "unavailable"
        await self._out.end(speech_id, error)


# --- the spoken form of a reply ---------------------------------------------------

SCREEN, KEYPAD = "screen", "keypad"
_NUMBERED = re.compile(r"^\s*(\d+)\s*(.*)$")


def spoken(messages: Sequence[Mapping[str, Any]], language: str = "cmn",
           style: str = SCREEN) -> str:
    """What is read aloud for an answer: every text, then its options.

    SCREEN (the kiosk): the options are read as they are shown, 「1 要带什么材料。」,
    so a person who cannot read still hears what they can tap or say.
    KEYPAD (a phone): each option as a key to press, 「要带什么材料，请按1。」.
    """
    parts: list[str] = []
    for message in messages:
        if message.get("text"):
            parts.append(str(message["text"]).rstrip())
        for button in message.get("buttons") or []:
            parts.append(_option(str(button.get("title", "")).strip(),
                                 str(button.get("payload", "")), language, style))
    return "\n".join(p for p in parts if p.strip("。"))


def _option(title: str, payload: str, language: str, style: str) -> str:
    if style != KEYPAD:
        return title + "。"
    numbered = _NUMBERED.match(title)
    key = numbered.group(1) if numbered else payload if payload.isdigit() else ""
    label = numbered.group(2) if numbered else title
    if not key:
        return title + "。"
    return say("phone_press", language, label=label, digit=key)

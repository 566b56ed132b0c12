"""One utterance from the kiosk's microphone: 16-bit mono PCM frames in (from the
page's AudioWorklet), live partial transcripts out, the words at the end.

Two ways to talk with one button: hold it (listen until it is released, however
long the pauses) or tap it (listen until the person stops speaking, or taps again).
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Awaitable, Callable, Optional

from voice.asr import AsrEngine, Partial, Transcript
from voice.errors import ModelMissing, VoiceError

log = logging.getLogger("kaifong.kiosk")

HOLD, TAP = "hold", "tap"
FRAME_WAIT = 5.0     # seconds without audio from the page: the microphone is gone
_HAN_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")

OnPartial = Callable[[str], Awaitable[None]]
OnDone = Callable[[str, Optional[str]], Awaitable[None]]   # (words, error)


def tidy(text: str) -> str:
    """The recogniser writes Chinese words with spaces between them (「养老金 资格 认证」)."""
    return _HAN_SPACE.sub("", text).strip()


class Listener:
    def __init__(self, asr: AsrEngine, language: str, rate: int, mode: str,
                 max_seconds: float, on_partial: OnPartial, on_done: OnDone) -> None:
        self._asr, self.language, self.rate, self.mode = asr, language, rate, mode
        self._max_bytes = int(max_seconds * rate) * 2
        self._on_partial, self._on_done = on_partial, on_done
        self._frames: asyncio.Queue[Optional[bytes]] = asyncio.Queue()
        self._received = 0
        self._task: Optional[asyncio.Task[None]] = None

    @property
    def active(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def feed(self, frame: bytes) -> None:
        if self.active and self._received < self._max_bytes:
            self._received += len(frame)
            self._frames.put_nowait(frame)
            if self._received >= self._max_bytes:
                self.stop()   # a microphone left open: stop at the limit

    def stop(self) -> None:
        """The button was released (or tapped again): finish with what was said."""
        self._frames.put_nowait(None)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        try:
            words = await self._listen()
        except ModelMissing as exc:
            log.warning("kiosk cannot listen: %s", exc)
            await self._on_done("", "no_model")
            return
        except VoiceError as exc:
            log.warning("kiosk listening failed: %s", exc)
            await self._on_done("", "failed")
            return
        await self._on_done(words, None)

    async def _listen(self) -> str:
        stream = await self._asr.open_stream(self.language, self.rate)
        said: list[str] = []
        while True:
            try:
                frame = await asyncio.wait_for(self._frames.get(), FRAME_WAIT)
            except asyncio.TimeoutError:
                frame = None
            if frame is None:
                final = await stream.finish()
                if final is not None:
                    said.append(final.text)
                break
            ended = False
            for event in await stream.feed(frame):
                if isinstance(event, Partial):
                    await self._on_partial(tidy(" ".join([*said, event.text])))
                elif isinstance(event, Transcript):
                    said.append(event.text)
                    ended = self.mode == TAP   # tapped: the first pause ends it
            if ended:
                break
        return tidy(" ".join(t for t in said if t))

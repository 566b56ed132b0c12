"""Listening, for every voice channel: 16-bit mono PCM frames in (from a kiosk
page's AudioWorklet, from a phone call's RTP), live partial transcripts out,
the words at each end of an utterance.

Three ways to listen:
- HOLD: the kiosk button is held: listen until it is released, however long the pauses;
- TAP: the kiosk button was tapped: listen until the person stops speaking (or taps again);
- CALL: a phone call: listen for the whole call, one utterance after another, and
  tell the channel the moment speech starts (barge-in stops the prompt).

While options are offered the channel can give the menu's phrases: the
recogniser then listens for them (vosk's grammar mode) and reports which was said.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional, Sequence

from bot.textrules import join_cjk
from voice.asr import AsrEngine, AsrStream, Partial, SpeechStart, Transcript
from voice.errors import GrammarError, ModelMissing, VoiceError

log = logging.getLogger("kaifong.listening")

HOLD, TAP, CALL = "hold", "tap", "call"
MODES = (HOLD, TAP, CALL)
FRAME_WAIT = 5.0     # seconds without audio: the microphone is gone (HOLD, TAP; a call
                     # ends with stop(): a line may pass only the audio around speech)


@dataclass(frozen=True)
class Heard:
    """One utterance: the words (Chinese without spaces), the menu phrase said (if
    a menu was given), and a note when a stand-in model listened (Cantonese heard
    with the Mandarin model): the channel tells the person once."""
    words: str
    choice: Optional[str] = None
    note: Optional[str] = None


OnPartial = Callable[[str], Awaitable[None]]
OnHeard = Callable[[Heard], Awaitable[None]]
OnFailed = Callable[[str], Awaitable[None]]      # "no_model" or "failed"
OnSpeech = Callable[[], None]


class Listener:
    def __init__(self, asr: AsrEngine, language: str, rate: int, mode: str,
                 max_seconds: float, on_partial: OnPartial, on_heard: OnHeard,
                 on_failed: OnFailed, on_speech: Optional[OnSpeech] = None,
                 phrases: Optional[Sequence[str]] = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self._asr, self.language, self.rate, self.mode = asr, language, rate, mode
        self._max_bytes = int(max_seconds * rate) * 2
        self._on_partial, self._on_heard, self._on_failed = on_partial, on_heard, on_failed
        self._on_speech = on_speech
        self._phrases = tuple(phrases or ())
        self._phrases_changed = False
        self._frames: asyncio.Queue[Optional[bytes]] = asyncio.Queue()
        self._received = 0
        self._task: Optional[asyncio.Task[None]] = None

    @property
    def active(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def feed(self, frame: bytes) -> None:
        if not self.active:
            return
        if self.mode != CALL:
            if self._received >= self._max_bytes:
                return
            self._received += len(frame)
            if self._received >= self._max_bytes:
                self._frames.put_nowait(frame)
                self.stop()   # a microphone left open: stop at the limit
                return
        self._frames.put_nowait(frame)

    def set_phrases(self, phrases: Optional[Sequence[str]]) -> None:
        """The options changed: listen for these from the next utterance on."""
        phrases = tuple(phrases or ())
        if phrases != self._phrases:
            self._phrases, self._phrases_changed = phrases, True

    def stop(self) -> None:
        """The button was released (or tapped again): finish with what was said."""
        self._frames.put_nowait(None)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        try:
            await self._listen()
        except ModelMissing as exc:
            log.warning("cannot listen: %s", exc)
            await self._on_failed("no_model")
        except VoiceError as exc:
            log.warning("listening failed: %s", exc)
            await self._on_failed("failed")

    async def _open(self) -> AsrStream:
        self._phrases_changed = False
        if self._phrases:
            try:
                return await self._asr.open_stream(self.language, self.rate, self._phrases)
            except GrammarError as exc:   # no menu word in the model: listen freely
                log.info("menu phrases not usable: %s", exc)
        return await self._asr.open_stream(self.language, self.rate)

    async def _listen(self) -> None:
        stream = await self._open()
        said: list[Transcript] = []
        while True:
            try:
                frame = await asyncio.wait_for(self._frames.get(),
                                               None if self.mode == CALL else FRAME_WAIT)
            except asyncio.TimeoutError:
                frame = None
            if frame is None:
                final = await stream.finish()
                await self._done(stream, said + ([final] if final else []))
                return
            for event in await stream.feed(frame):
                if isinstance(event, SpeechStart):
                    if self._on_speech is not None:
                        self._on_speech()
                elif isinstance(event, Partial):
                    heard = " ".join([*(t.text for t in said), event.text])
                    await self._on_partial(join_cjk(heard))
                elif isinstance(event, Transcript):
                    said.append(event)
            if said and self.mode == TAP:   # tapped: the first pause ends it
                await self._done(stream, said)
                return
            if said and self.mode == CALL:  # a call: tell each utterance, go on listening
                await self._done(stream, said)
                said = []
                if self._phrases_changed:
                    stream = await self._open()

    async def _done(self, stream: AsrStream, said: list[Transcript]) -> None:
        words = join_cjk(" ".join(t.text for t in said if t.text))
        choice = next((t.choice for t in reversed(said) if t.choice), None)
        await self._on_heard(Heard(words, choice, stream.note))

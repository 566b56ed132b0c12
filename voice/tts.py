"""Speech output: pyttsx3 over espeak-ng, one sentence at a time.

espeak-ng is process-global and pyttsx3 is not thread-safe, so exactly one thread in
the process ever speaks (SynthWorker). Everything else queues work for it and awaits
the result. Sentences are queued together so the worker keeps going while the first
one is already being played; frequent prompts come from a cache.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import queue
import threading
import time
import wave
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, AsyncIterator, Optional

import numpy as np

from voice import audio as au
from voice import reading, vad
from voice.errors import TextError, TtsUnavailable, VoiceBusy

log = logging.getLogger("kaifong.voice.tts")

VOICES = {"cmn": "cmn-latn-pinyin", "yue": "yue"}
RATES = ("normal", "slow")
SAMPLE_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
ESPEAK_RATE = 22050          # what espeak-ng produces (pyttsx3 writes it as such)
TARGET_DBFS = -18.0          # speech level after normalisation
PEAK_DBFS = -1.0


@dataclass(frozen=True)
class SpeechChunk:
    """One synthesised sentence: 16-bit mono PCM at `rate` Hz."""

    text: str
    pcm16: bytes
    rate: int

    @property
    def duration(self) -> float:
        return len(self.pcm16) / 2 / self.rate


# --- the one thread that speaks --------------------------------------------------------

@dataclass
class _Job:
    text: str
    voice: str
    wpm: int
    sample_rate: int
    future: concurrent.futures.Future


class SynthWorker:
    """The process's only pyttsx3 user. Start it with `SynthWorker.shared()`."""

    _shared: Optional["SynthWorker"] = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> "SynthWorker":
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def __init__(self) -> None:
        self._jobs: "queue.Queue[_Job]" = queue.Queue()
        self._ready = threading.Event()
        self.error: Optional[str] = None
        self.voices: frozenset[str] = frozenset()
        self.busy_since: Optional[float] = None   # time.monotonic() the sentence began
        self._thread = threading.Thread(target=self._run, name="tts-synth", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        return self._ready.wait(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def pending(self) -> int:
        return self._jobs.qsize()

    def submit(self, text: str, voice: str, wpm: int, sample_rate: int) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._jobs.put(_Job(text, voice, wpm, sample_rate, future))
        return future

    # inside the worker thread
    def _run(self) -> None:
        try:
            engine = self._start_engine()
        except Exception as exc:  # no espeak-ng library, no voices: report, keep failing jobs
            self.error = f"speech output cannot start: {exc.__class__.__name__}: {exc}"
            log.error("%s", self.error)
            engine = None
        finally:
            self._ready.set()
        while True:
            job = self._jobs.get()
            if not job.future.set_running_or_notify_cancel():
                continue  # the listener went away before we started
            if engine is None:
                job.future.set_exception(TtsUnavailable(self.error or "speech output is unavailable"))
                continue
            self.busy_since = time.monotonic()
            try:
                pcm = self._speak(engine, job)
                job.future.set_result(_finish(pcm, job.sample_rate))
            except Exception as exc:
                log.exception("synthesis failed")
                job.future.set_exception(TtsUnavailable(f"synthesis failed: {exc}"))
            finally:
                self.busy_since = None

    def _start_engine(self) -> Any:
        import pyttsx3
        import pyttsx3.drivers.espeak as espeak_driver

        # the driver prints "Audio saved to ..." for every file; keep stdout for the program
        espeak_driver.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]
        engine = pyttsx3.init("espeak")
        ids = {v.id.lower() for v in engine.getProperty("voices")}
        self.voices = frozenset(i.rsplit("/", 1)[-1] for i in ids)
        missing = [v for v in VOICES.values() if v not in self.voices]
        if missing:
            raise RuntimeError(f"espeak-ng voice(s) {', '.join(missing)} not found; "
                               "install espeak-ng (make sysdeps)")
        return engine

    def _speak(self, engine: Any, job: _Job) -> np.ndarray:
        from pyttsx3.drivers import _espeak

        for _attempt in range(3):
            # pyttsx3 queues these and espeak-ng applies parameters asynchronously: set the
            # rate on both sides of the voice change and let espeak settle before speaking,
            # or a rate or a whole utterance is sometimes lost.
            engine.setProperty("rate", job.wpm)
            engine.setProperty("voice", job.voice)
            engine.setProperty("rate", job.wpm)
            _espeak.Synchronize()
            out = io.BytesIO()
            engine.save_to_file(job.text, out)
            engine.runAndWait()
            _espeak.Synchronize()
            samples = _read_wav(out.getvalue())
            if len(samples):
                return samples
        raise RuntimeError("espeak-ng produced no audio")


def _read_wav(data: bytes) -> np.ndarray:
    if not data:
        return np.zeros(0, dtype=np.float32)
    with wave.open(io.BytesIO(data)) as w:
        return au.pcm16_to_float(w.readframes(w.getnframes()))


def _finish(samples: np.ndarray, sample_rate: int) -> bytes:
    """espeak's 22 kHz output at the requested rate, at a steady speech level."""
    out = au.resample(samples, ESPEAK_RATE, sample_rate)
    level = vad.speech_level(out, sample_rate)
    if level is not None:
        out = au.normalize_level(out, TARGET_DBFS, PEAK_DBFS, reference_dbfs=level)
    return au.float_to_pcm16(out)


# --- what channels use -------------------------------------------------------------------

@dataclass
class _Inflight:
    result: asyncio.Future
    submitted: concurrent.futures.Future
    users: int = 1


class TtsEngine:
    """Text in, speech out, for one application. Shares the process's SynthWorker."""

    def __init__(self, wpm: Optional[dict[str, int]] = None, slow_factor: float = 0.7,
                 cache_size: int = 256, max_chars: int = 2000, timeout: float = 20.0,
                 max_queue: int = 400, worker: Optional[SynthWorker] = None,
                 cache_bytes: int = 32 * 1024 * 1024) -> None:
        self.wpm = dict(wpm or {"cmn": 175, "yue": 145})
        self.slow_factor = slow_factor
        self.max_chars, self.timeout, self.max_queue = max_chars, timeout, max_queue
        self.cache_size = cache_size
        self.cache_bytes = cache_bytes   # audio kept, whatever the number of sentences
        self._cache: "OrderedDict[tuple, SpeechChunk]" = OrderedDict()
        self._cached_bytes = 0
        self._inflight: dict[tuple, _Inflight] = {}
        self.worker = worker or SynthWorker.shared()
        self.timeouts = 0

    # checks
    def check_request(self, text: str, language: str, rate: str, sample_rate: int) -> None:
        if language not in VOICES:
            raise ValueError(f"language must be one of {', '.join(VOICES)}, not {language!r}")
        if rate not in RATES:
            raise ValueError(f"rate must be one of {', '.join(RATES)}, not {rate!r}")
        if sample_rate not in SAMPLE_RATES:
            raise ValueError("sample_rate must be one of " + ", ".join(map(str, SAMPLE_RATES)))
        if not text.strip():
            raise TextError("there is no text to read aloud")
        if len(text) > self.max_chars:
            raise TextError(f"the text is too long to read aloud: {len(text)} characters, "
                            f"at most {self.max_chars}")

    def words_per_minute(self, language: str, rate: str) -> int:
        base = self.wpm[language]
        return int(round(base * self.slow_factor)) if rate == "slow" else base

    async def sentences(self, text: str, language: str) -> list[str]:
        loop = asyncio.get_running_loop()  # pypinyin's first call loads its dictionaries
        prepared = await loop.run_in_executor(None, reading.prepare, text, language)
        if not prepared:
            raise TextError("the text has nothing that can be read aloud")
        return prepared

    # speech
    async def stream(self, text: str, language: str = "cmn", rate: str = "normal",
                     sample_rate: int = 16000) -> AsyncIterator[SpeechChunk]:
        """Sentence by sentence: the first chunk arrives while the rest are being made."""
        self.check_request(text, language, rate, sample_rate)
        self._check_worker()
        sentences = await self.sentences(text, language)
        voice, wpm = VOICES[language], self.words_per_minute(language, rate)
        if self.worker.pending() + len(sentences) > self.max_queue:
            raise VoiceBusy("speech output is busy; try again in a moment")
        jobs = [self._sentence(s, voice, wpm, sample_rate) for s in sentences]
        try:
            for _key, job in jobs:
                yield await self._wait(job)
        finally:  # a listener that hung up: drop its sentences nobody else wants
            for key, job in jobs:
                if not job.done():
                    self._abandon(key)

    async def synthesize(self, text: str, language: str = "cmn", rate: str = "normal",
                         sample_rate: int = 16000) -> bytes:
        """The whole text as one 16-bit mono WAV file."""
        parts = [chunk.pcm16 async for chunk in self.stream(text, language, rate, sample_rate)]
        return au.wav_bytes(b"".join(parts), sample_rate)

    def _check_worker(self) -> None:
        if self.worker.error:
            raise TtsUnavailable(self.worker.error)
        if not self.worker.alive:
            raise TtsUnavailable("the speech worker has stopped")

    def _sentence(self, text: str, voice: str, wpm: int, sample_rate: int) -> tuple[tuple, asyncio.Future]:
        key = (text, voice, wpm, sample_rate)
        loop = asyncio.get_running_loop()
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            done = loop.create_future()
            done.set_result(cached)
            return key, done
        entry = self._inflight.get(key)
        if entry is not None:  # the same prompt for several listeners at once: make it once
            entry.users += 1
            return key, entry.result
        submitted = self.worker.submit(text, voice, wpm, sample_rate)
        result: asyncio.Future = loop.create_future()
        result.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved, even unheard
        self._inflight[key] = _Inflight(result, submitted)

        def settle(f: asyncio.Future) -> None:
            self._inflight.pop(key, None)
            if result.done():
                return
            if f.cancelled():
                result.cancel()
            elif f.exception() is not None:
                result.set_exception(f.exception())
            else:
                chunk = SpeechChunk(text, f.result(), sample_rate)
                self._remember(key, chunk)
                result.set_result(chunk)

        asyncio.wrap_future(submitted).add_done_callback(settle)
        return key, result

    def _abandon(self, key: tuple) -> None:
        entry = self._inflight.get(key)
        if entry is not None:
            entry.users -= 1
            if entry.users <= 0:
                entry.submitted.cancel()  # only succeeds if the worker has not started it

    async def _wait(self, job: asyncio.Future) -> SpeechChunk:
        try:
            return await asyncio.wait_for(asyncio.shield(job), self.timeout)
        except asyncio.TimeoutError:
            self.timeouts += 1
            raise TtsUnavailable(f"speech synthesis took longer than {self.timeout:.0f} s") from None

    def _remember(self, key: tuple, chunk: SpeechChunk) -> None:
        size = len(chunk.pcm16)
        if self.cache_size <= 0 or size > self.cache_bytes:
            return
        old = self._cache.pop(key, None)
        if old is not None:
            self._cached_bytes -= len(old.pcm16)
        self._cache[key] = chunk
        self._cached_bytes += size
        while len(self._cache) > self.cache_size or self._cached_bytes > self.cache_bytes:
            _, dropped = self._cache.popitem(last=False)
            self._cached_bytes -= len(dropped.pcm16)

    @property
    def cached_bytes(self) -> int:
        return self._cached_bytes

    def close(self) -> None:
        """Drop this application's queued sentences; the shared worker goes on."""
        for entry in list(self._inflight.values()):
            entry.submitted.cancel()

    # state
    async def probe(self) -> dict[str, Any]:
        """A real (tiny, uncached) synthesis, so a hung worker shows."""
        body: dict[str, Any] = {"voices": dict(VOICES), "queue": self.worker.pending(),
                                "cached": len(self._cache)}
        if self.worker.error or not self.worker.alive:
            return {"ok": False, **body, "error": self.worker.error or "the speech worker has stopped"}
        if self.worker.pending() >= self.max_queue:   # add nothing to a full queue...
            began = self.worker.busy_since
            if began is not None and time.monotonic() - began > self.timeout:   # ...a hung one
                return {"ok": False, **body, "error": "speech synthesis has been stuck on one "
                        f"sentence for {time.monotonic() - began:.0f} s"}
            return {"ok": True, **body}                # busy and working is alive
        submitted = self.worker.submit("yi1", VOICES["cmn"], 175, 8000)
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(submitted)),
                                   min(self.timeout, 5.0))
        except (asyncio.TimeoutError, TtsUnavailable) as exc:
            submitted.cancel()   # a probe nobody waits for must not stay in the queue
            return {"ok": False, **body, "error": f"speech synthesis does not answer: {exc}"}
        return {"ok": True, **body}

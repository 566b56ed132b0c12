"""Speech recognition with vosk.

One `vosk.Model` per model folder, loaded once per process and shared; one
`KaldiRecognizer` per session; all decoding in a thread pool, never on the event loop.
A menu (phrase list) restricts recognition to the phrases the model can spell.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Union

import numpy as np
import vosk

from voice import audio as au
from voice import vad
from voice.errors import AudioError, GrammarError, ModelMissing

log = logging.getLogger("kaifong.voice.asr")

UNK = "[unk]"
REQUIRED_FILES = ("am/final.mdl", "conf/model.conf")
FEED_SECONDS = 0.1      # audio handed to the recogniser at a time while streaming
PARTIAL_SECONDS = 0.3   # how often a streaming session asks for a partial result
MAX_PHRASES = 100

vosk.SetLogLevel(-1)  # vosk logs every model load and grammar word to stderr

# --- models (process-wide: a model is large and read-only, so share it) -------------

_models: dict[str, vosk.Model] = {}
_models_lock = threading.Lock()


def model_present(path: str) -> bool:
    return bool(path) and all(os.path.isfile(os.path.join(path, f)) for f in REQUIRED_FILES)


def load_model(path: str, language: str) -> vosk.Model:
    """The model in folder `path`, loaded on first use. Blocking: call from a worker thread."""
    if not model_present(path):
        raise ModelMissing(language, path)
    key = os.path.realpath(path)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            try:
                model = vosk.Model(key)
            except Exception:  # vosk raises a bare Exception for an unreadable model
                raise ModelMissing(language, path) from None
            _models[key] = model
            log.info("loaded %s speech model from %s", language, key)
        return model


def model_loaded(path: str) -> bool:
    return bool(path) and os.path.realpath(path) in _models


# --- results -------------------------------------------------------------------------

@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float
    language: str                 # the language of the model that listened
    words: tuple[Word, ...] = ()
    choice: Optional[str] = None  # menu mode: the phrase that was said, as it was given
    reason: str = "end"           # streaming: silence, max_length or end (of the audio)


@dataclass(frozen=True)
class Partial:
    text: str


@dataclass(frozen=True)
class SpeechStart:
    """Speech began (the voice-activity detector's mark): a caller talking over a
    prompt stops it at once, before any word is recognised."""


AsrEvent = Union[SpeechStart, Partial, Transcript]


def _parse(result_json: str) -> tuple[str, list[Word]]:
    result = json.loads(result_json)
    words = [Word(w["word"], float(w.get("start", 0.0)), float(w.get("end", 0.0)),
                  float(w.get("conf", 1.0)))
             for w in result.get("result", []) if w.get("word") != UNK]
    text = " ".join(t for t in result.get("text", "").split() if t != UNK)
    return text, words


def _transcript(texts: list[str], words: list[Word], language: str, menu: Optional["Menu"],
                reason: str = "end") -> Transcript:
    text = " ".join(t for t in texts if t)
    confidence = round(float(np.mean([w.confidence for w in words])), 3) if words and text else 0.0
    choice = menu.choice(words) if menu and text else None
    return Transcript(text, confidence, language, tuple(words), choice, reason)


# --- menu mode -------------------------------------------------------------------------

def _clean_phrase(phrase: str) -> str:
    text = unicodedata.normalize("NFKC", phrase).lower()
    kept = "".join(c if (c.isalnum() or c.isspace()) else " " for c in text)
    return " ".join(kept.split())


def _in_vocabulary(model: vosk.Model, word: str) -> bool:
    return model.vosk_model_find_word(word) >= 0


def segment(model: vosk.Model, phrase: str) -> Optional[str]:
    """The phrase as words the model knows, or None. Unspaced Chinese is split by
    longest match against the model's vocabulary (人工服务 -> 人工 服务)."""
    out: list[str] = []
    for token in _clean_phrase(phrase).split():
        if _in_vocabulary(model, token):
            out.append(token)
            continue
        i = 0
        while i < len(token):
            for j in range(len(token), i, -1):
                if _in_vocabulary(model, token[i:j]):
                    out.append(token[i:j])
                    i = j
                    break
            else:
                return None
    return " ".join(out) or None


@dataclass(frozen=True)
class Menu:
    grammar: tuple[str, ...]                      # what the recogniser is told
    phrases: dict[str, str] = field(default_factory=dict)  # spelled form -> phrase as given
    dropped: tuple[str, ...] = ()                 # phrases with a word the model does not know

    def choice(self, words: Sequence[Word]) -> Optional[str]:
        """The phrase that was said: of the phrases heard, the one heard most surely
        (an elder may say 「嗯，二」; a breath can come out as a short menu word)."""
        spelled = sorted(self.phrases, key=lambda f: -len(f.split()))
        best: Optional[tuple[float, str]] = None
        i = 0
        while i < len(words):
            for form in spelled:
                n = len(form.split())
                if " ".join(w.word for w in words[i:i + n]) == form:
                    conf = float(np.mean([w.confidence for w in words[i:i + n]]))
                    if best is None or conf > best[0]:
                        best = (conf, self.phrases[form])
                    i += n
                    break
            else:
                i += 1
        return best[1] if best else None

    def grammar_json(self) -> str:
        return json.dumps(list(self.grammar), ensure_ascii=False)  # vosk wants raw UTF-8


def build_menu(model: vosk.Model, phrases: Sequence[str]) -> Menu:
    """Only phrases whose every word the model knows (vosk would silently drop the
    others' words), plus [unk] where the model has it so other speech is not forced
    onto a menu word."""
    if len(phrases) > MAX_PHRASES:
        raise GrammarError(f"a menu has at most {MAX_PHRASES} phrases, not {len(phrases)}")
    spelled: dict[str, str] = {}
    dropped: list[str] = []
    for phrase in phrases:
        form = segment(model, phrase)
        if form is None:
            dropped.append(phrase)
        else:
            spelled.setdefault(form, phrase)
    if not spelled:
        raise GrammarError("none of the menu phrases can be recognised by this model: "
                           + ", ".join(dropped[:10]))
    if dropped:
        log.info("menu: %d phrase(s) not in the model's vocabulary were left out", len(dropped))
    unk = (UNK,) if _in_vocabulary(model, UNK) else ()
    return Menu(tuple(spelled) + unk, spelled, tuple(dropped))


def new_recognizer(model: vosk.Model, rate: int, menu: Optional[Menu] = None) -> vosk.KaldiRecognizer:
    rec = (vosk.KaldiRecognizer(model, float(rate), menu.grammar_json()) if menu
           else vosk.KaldiRecognizer(model, float(rate)))
    rec.SetWords(True)
    return rec


# --- one session ------------------------------------------------------------------------

class AsrSession:
    """One listener (a call, a kiosk turn): a recogniser plus end-of-utterance detection.

    Blocking and not thread-safe: use it from one worker at a time (AsrStream does)."""

    def __init__(self, model: vosk.Model, language: str, rate: int, menu: Optional[Menu] = None,
                 end_silence: float = 0.8, max_utterance: float = 15.0) -> None:
        self.language, self.rate, self.menu = language, rate, menu
        self._rec = new_recognizer(model, rate, menu)
        self._endpointer = vad.Endpointer(end_silence=end_silence, max_utterance=max_utterance)
        self._frame = rate * vad.FRAME_MS // 1000
        self._leftover = np.zeros(0, dtype=np.float32)
        self._pending: list[np.ndarray] = []
        self._pending_len = 0
        self._since_partial = 0
        self._texts: list[str] = []
        self._words: list[Word] = []
        self._last_partial = ""

    def accept(self, pcm16: bytes) -> list[AsrEvent]:
        """Feed 16-bit mono PCM at the session's rate; returns what was recognised so far."""
        samples = np.concatenate([self._leftover, au.pcm16_to_float(pcm16)])
        whole = len(samples) // self._frame * self._frame
        self._leftover = samples[whole:]
        events: list[AsrEvent] = []
        levels = vad.frame_levels(samples[:whole], self.rate)
        for i, level in enumerate(levels):
            self._pending.append(samples[i * self._frame:(i + 1) * self._frame])
            self._pending_len += self._frame
            mark = self._endpointer.push(float(level))
            if mark == vad.START:
                events.append(SpeechStart())
            elif mark in (vad.END_SILENCE, vad.END_MAX_LENGTH):
                self._feed()
                final = self._finish_utterance(mark)
                if final is not None:
                    events.append(final)
            elif self._pending_len >= FEED_SECONDS * self.rate:
                events.extend(self._feed())
        return events

    def finish(self) -> Optional[Transcript]:
        """The end of the audio: whatever was said since the last utterance."""
        self._feed()
        return self._finish_utterance("end")

    def _feed(self) -> list[AsrEvent]:
        if not self._pending:
            return []
        chunk = np.concatenate(self._pending)
        self._pending, self._pending_len = [], 0
        self._since_partial += len(chunk)
        if self._rec.AcceptWaveform(au.float_to_pcm16(chunk)):
            # vosk's own endpoint (a pause): keep the segment, the utterance goes on
            text, words = _parse(self._rec.Result())
            self._texts.append(text)
            self._words.extend(words)
            return []
        if self._since_partial < PARTIAL_SECONDS * self.rate:
            return []
        self._since_partial = 0
        partial = json.loads(self._rec.PartialResult()).get("partial", "")
        partial = " ".join(t for t in partial.split() if t != UNK)
        heard = " ".join([*self._texts, partial]).strip()
        if heard and heard != self._last_partial:
            self._last_partial = heard
            return [Partial(heard)]
        return []

    def _finish_utterance(self, reason: str) -> Optional[Transcript]:
        text, words = _parse(self._rec.FinalResult())
        texts, all_words = [*self._texts, text], [*self._words, *words]
        self._texts, self._words, self._last_partial = [], [], ""
        self._since_partial = 0
        self._rec.Reset()
        result = _transcript(texts, all_words, self.language, self.menu, reason)
        if not result.text and reason != vad.END_MAX_LENGTH:
            return None  # a cough or a click: nothing to report
        return result


# --- the engine -----------------------------------------------------------------------

class AsrEngine:
    """Models by language, a worker pool, and the two ways in: whole files and streams."""

    def __init__(self, model_paths: dict[str, str], fallbacks: Optional[dict[str, str]] = None,
                 workers: int = 2, max_seconds: float = 60.0, end_silence: float = 0.8,
                 max_utterance: float = 15.0) -> None:
        self.model_paths = dict(model_paths)
        self.fallbacks = dict(fallbacks or {})
        self.max_seconds = max_seconds
        self.end_silence, self.max_utterance = end_silence, max_utterance
        self._executor = ThreadPoolExecutor(max(1, workers), thread_name_prefix="asr")

    # which model listens
    def resolve(self, language: str) -> tuple[str, Optional[str]]:
        """(language of the model to use, a note when it is a stand-in)."""
        if self.model_paths.get(language):
            return language, None
        target = self.fallbacks.get(language)
        if target and self.model_paths.get(target):
            return target, (f"no {language} speech model is installed; "
                            f"the {target} model listened instead")
        raise ModelMissing(language, "")

    def model(self, language: str) -> vosk.Model:
        return load_model(self.model_paths.get(language, ""), language)

    def available(self, language: str) -> bool:
        try:
            used, _ = self.resolve(language)
        except ModelMissing:
            return False
        return model_present(self.model_paths[used])

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def warm_up(self) -> None:
        """Load every installed model now, so the first caller does not wait."""
        for language, path in self.model_paths.items():
            if model_present(path):
                try:
                    await self._run(self.model, language)
                except ModelMissing as exc:
                    log.warning("%s", exc)
            elif path:
                log.warning("%s", ModelMissing(language, path))

    # whole files
    async def transcribe_wav(self, wav: bytes, language: str,
                             phrases: Optional[Sequence[str]] = None) -> Transcript:
        used, _ = self.resolve(language)
        return await self._run(self._transcribe_wav, wav, used, phrases)

    def _transcribe_wav(self, wav: bytes, language: str, phrases: Optional[Sequence[str]]) -> Transcript:
        clip = au.decode_wav(wav, self.max_seconds)
        return self._transcribe(clip, language, phrases)

    async def transcribe(self, clip: au.Audio, language: str,
                         phrases: Optional[Sequence[str]] = None) -> Transcript:
        used, _ = self.resolve(language)
        return await self._run(self._transcribe, clip, used, phrases)

    def _transcribe(self, clip: au.Audio, language: str, phrases: Optional[Sequence[str]]) -> Transcript:
        if clip.duration > self.max_seconds:
            raise AudioError(f"the audio is {clip.duration:.0f} s long; at most "
                             f"{self.max_seconds:.0f} s is accepted", AudioError.TOO_LONG)
        level = vad.speech_level(clip.samples, clip.rate)
        if level is None or not vad.has_speech(clip.samples, clip.rate):
            raise AudioError("no speech was heard: the audio is silent", AudioError.SILENT)
        samples = au.normalize_level(clip.samples, reference_dbfs=level)
        model = self.model(language)
        menu = build_menu(model, phrases) if phrases else None
        rec = new_recognizer(model, clip.rate, menu)
        texts: list[str] = []
        words: list[Word] = []
        pcm = au.float_to_pcm16(samples)
        step = clip.rate // 2 * 2  # bytes: about half a second of 16-bit samples
        for i in range(0, len(pcm), step):
            if rec.AcceptWaveform(pcm[i:i + step]):
                text, found = _parse(rec.Result())
                texts.append(text)
                words.extend(found)
        text, found = _parse(rec.FinalResult())
        return _transcript([*texts, text], [*words, *found], language, menu)

    # streams
    async def open_stream(self, language: str, rate: int,
                          phrases: Optional[Sequence[str]] = None) -> "AsrStream":
        used, note = self.resolve(language)

        def make() -> AsrSession:
            model = self.model(used)
            menu = build_menu(model, phrases) if phrases else None
            return AsrSession(model, used, rate, menu, self.end_silence, self.max_utterance)

        session = await self._run(make)
        return AsrStream(self, session, note)

    # state
    def status(self) -> dict[str, Any]:
        models: dict[str, Any] = {}
        for language, path in self.model_paths.items():
            if not path:
                target = self.fallbacks.get(language)
                models[language] = {"state": "not configured", **({"uses": target} if target else {})}
            elif not model_present(path):
                models[language] = {"state": "missing", "path": path}
            else:
                models[language] = {"state": "loaded" if model_loaded(path) else "installed",
                                    "path": path}
        ok = any(m["state"] in ("loaded", "installed") for m in models.values())
        body: dict[str, Any] = {"ok": ok, "models": models}
        missing = [lang for lang, m in models.items() if m["state"] == "missing"]
        if missing:
            body["error"] = str(ModelMissing(missing[0], self.model_paths[missing[0]]))
        return body

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class AsrStream:
    """A session used from asyncio: each call decodes in the engine's pool, in order."""

    def __init__(self, engine: AsrEngine, session: AsrSession, note: Optional[str]) -> None:
        self._engine, self._session, self.note = engine, session, note
        self._lock = asyncio.Lock()

    @property
    def language(self) -> str:
        return self._session.language

    async def feed(self, pcm16: bytes) -> list[AsrEvent]:
        async with self._lock:
            return await self._engine._run(self._session.accept, pcm16)

    async def finish(self) -> Optional[Transcript]:
        async with self._lock:
            return await self._engine._run(self._session.finish)

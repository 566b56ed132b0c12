"""The voice routes of the public API: POST /api/tts and POST /api/asr (shared/DESIGN.md)."""
from __future__ import annotations

import asyncio
import re
from typing import Any, Optional

from aiohttp import web

from channels.gateway.http import BadRequest, json_error, json_ok, read_json_object, text_field
from channels.gateway.keys import (ASR_ENGINE, ASR_READERS, ASR_SLOTS, CLIENTS, LIMITS, SETTINGS,
                                   TTS_ENGINE)
from voice.asr import MAX_PHRASES, model_present
from voice.audio import WavFormat, parse_wav_header
from voice.errors import AudioError, GrammarError, ModelMissing, TextError, TtsUnavailable, VoiceBusy
from voice.tts import RATES, SAMPLE_RATES, VOICES

HEADER_BYTES = 64 * 1024        # read this much before trusting the WAV header
MAX_BYTE_RATE = 48000 * 2 * 4   # 48 kHz stereo 32-bit float: the biggest "common" audio
TRAILER_BYTES = 64 * 1024       # chunks some writers put after the samples
READ_CHUNK = 64 * 1024
WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")
_AUDIO_STATUS = {AudioError.UNREADABLE: 400, AudioError.UNSUPPORTED: 415,
                 AudioError.TOO_LONG: 413, AudioError.SILENT: 400}


def setup_voice_routes(app: web.Application) -> None:
    app.router.add_post("/api/tts", tts_handler)
    app.router.add_post("/api/asr", asr_handler)


# --- POST /api/tts ----------------------------------------------------------------------

def _choice(body: dict[str, Any], name: str, allowed: tuple, default: Any) -> Any:
    value = body.get(name, default)
    if isinstance(value, bool) or value not in allowed:
        shown = ", ".join(str(a) for a in allowed)
        raise BadRequest(f"'{name}' must be one of {shown}")
    return value


async def tts_handler(request: web.Request) -> web.Response:
    engine = request.app[TTS_ENGINE]
    address = request.app[CLIENTS].address(request)
    request.app[LIMITS].tts_address.check(address, "speech requests from this address")
    body = await read_json_object(request)
    text = text_field(body, "text", engine.max_chars)
    language = _choice(body, "language", tuple(VOICES), request.app[SETTINGS].default_language)
    rate = _choice(body, "rate", RATES, "normal")
    sample_rate = _choice(body, "sample_rate", SAMPLE_RATES, 16000)
    try:
        wav = await engine.synthesize(text, language, rate, sample_rate)
    except TextError as exc:
        raise BadRequest(str(exc)) from None
    except VoiceBusy as exc:
        return json_error(str(exc), 503, {"Retry-After": "2"})
    except TtsUnavailable as exc:
        return json_error(str(exc), 503)
    return web.Response(body=wav, content_type="audio/wav")


# --- POST /api/asr ----------------------------------------------------------------------

def _phrases(request: web.Request) -> Optional[list[str]]:
    raw = request.query.get("phrases")
    if raw is None:
        return None
    phrases = [p.strip() for p in re.split(r"[,，、]", raw) if p.strip()]
    if not phrases:
        raise BadRequest("'phrases' is empty: give a comma-separated list, e.g. phrases=是,不是,人工")
    if len(phrases) > MAX_PHRASES:
        raise BadRequest(f"'phrases' has {len(phrases)} phrases, at most {MAX_PHRASES}")
    return phrases


async def asr_handler(request: web.Request) -> web.Response:
    engine = request.app[ASR_ENGINE]
    language = request.query.get("language", request.app[SETTINGS].default_language)
    if language not in VOICES:
        raise BadRequest(f"'language' must be one of {', '.join(VOICES)}")
    phrases = _phrases(request)
    if request.content_type not in WAV_TYPES:
        raise BadRequest("Content-Type must be audio/wav (16-bit PCM WAV)", 415)
    try:
        used, note = engine.resolve(language)
        if not model_present(engine.model_paths[used]):  # say so before reading any audio
            raise ModelMissing(used, engine.model_paths[used])
        address = request.app[CLIENTS].address(request)
        request.app[LIMITS].asr_address.check(address, "recognition requests from this address")
        wav = await _receive(request, engine.max_seconds)
        async with request.app[ASR_SLOTS]:   # a slot only to decode, never to wait for bytes
            transcript = await engine.transcribe_wav(wav, language, phrases)
    except ModelMissing as exc:
        return json_error(str(exc), 503)
    except AudioError as exc:
        return json_error(str(exc), _AUDIO_STATUS.get(exc.kind, 400))
    except GrammarError as exc:
        raise BadRequest(str(exc)) from None
    except VoiceBusy as exc:
        return json_error(str(exc), 503, {"Retry-After": "2"})
    result: dict[str, Any] = {"text": transcript.text, "confidence": transcript.confidence,
                              "language": transcript.language}
    if note:
        result.update(requested_language=language, note=note)
    if phrases:
        result["choice"] = transcript.choice
    return json_ok(result)


async def _receive(request: web.Request, max_seconds: float) -> bytes:
    """The audio, before any decoding slot is taken: a few bodies at a time, each within
    body_read_seconds (a sender who trickles bytes holds nothing for long)."""
    readers = request.app[ASR_READERS]
    if readers.locked():
        raise VoiceBusy("speech recognition is busy receiving audio; try again in a moment")
    settings = request.app[SETTINGS]
    async with readers:
        try:
            return await asyncio.wait_for(
                read_wav_body(request, max_seconds, settings.asr_max_body_bytes),
                settings.body_read_seconds)
        except asyncio.TimeoutError:
            raise BadRequest("the audio did not arrive in time", 408) from None


async def read_wav_body(request: web.Request, max_seconds: float,
                        max_bytes: int = 8 * 1024 * 1024) -> bytes:
    """The request body, read as a stream and never more than `max_seconds` of audio nor
    `max_bytes` in all, whatever the headers say (the app's client_max_size is for JSON).
    The WAV header is checked first: a format no microphone sends is refused before the
    rest is read. AudioError for anything unusable."""
    hard_cap = min(max_bytes, HEADER_BYTES + int(max_seconds * MAX_BYTE_RATE))
    declared = request.content_length
    if declared is not None and declared > hard_cap:
        raise AudioError(f"the audio is too large: {declared} bytes, at most {hard_cap} "
                         f"({max_seconds:.0f} s)", AudioError.TOO_LONG)
    head = await _read_up_to(request, HEADER_BYTES)
    fmt = parse_wav_header(head)
    if fmt.byte_rate > MAX_BYTE_RATE:
        raise AudioError(f"{fmt.channels} channels of {fmt.bits}-bit samples at {fmt.rate} Hz is "
                         f"not common audio: send mono or stereo 16-bit PCM", AudioError.UNSUPPORTED)
    limit = min(_body_limit(fmt, max_seconds), hard_cap)
    parts = [head]
    size = len(head)
    while True:
        chunk = await request.content.read(READ_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise AudioError(f"the audio is longer than {max_seconds:.0f} s or larger than "
                             f"{hard_cap} bytes", AudioError.TOO_LONG)
        parts.append(chunk)
    return b"".join(parts)


def _body_limit(fmt: WavFormat, max_seconds: float) -> int:
    allowed = int(max_seconds * fmt.byte_rate) + fmt.frame_bytes
    if fmt.data_size is not None:
        if fmt.data_size > allowed:
            raise AudioError(f"the audio is {fmt.data_size / fmt.byte_rate:.0f} s long; at most "
                             f"{max_seconds:.0f} s is accepted", AudioError.TOO_LONG)
        allowed = fmt.data_size
    return fmt.data_offset + allowed + TRAILER_BYTES


async def _read_up_to(request: web.Request, n: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size < n:
        chunk = await request.content.read(n - size)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)

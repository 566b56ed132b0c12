"""The voice engines in the gateway: their lifetime (cleanup_ctx), their /healthz
probes, and the app keys through which routes and channels reach them.

The engines themselves (voice/) know nothing of aiohttp; their HTTP routes are
in channels/api/voice.py, the dialogue every voice channel shares in
listening.py and speaking.py.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator

from aiohttp import web

from channels.gateway.keys import (ASR_ENGINE, ASR_READERS, ASR_SLOTS, HEALTH_PROBES, SETTINGS,
                                   TTS_ENGINE)
from voice.asr import AsrEngine
from voice.tts import TtsEngine

log = logging.getLogger("kaifong.speech")


def setup_speech(app: web.Application) -> None:
    """The engines live as long as the app; register before any channel uses them."""
    app.cleanup_ctx.append(_voice_engines)


async def _voice_engines(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    tts = TtsEngine(wpm={"cmn": settings.tts_wpm_cmn, "yue": settings.tts_wpm_yue},
                    slow_factor=settings.tts_slow_factor, cache_size=settings.tts_cache_size,
                    max_chars=settings.tts_max_chars, timeout=settings.tts_timeout,
                    cache_bytes=settings.tts_cache_bytes)
    asr = AsrEngine({"cmn": settings.asr_model_cmn, "yue": settings.asr_model_yue},
                    fallbacks={"yue": "cmn"}, workers=settings.asr_workers,
                    max_seconds=settings.asr_max_seconds,
                    end_silence=settings.asr_end_silence_seconds,
                    max_utterance=settings.asr_max_utterance_seconds)
    app[TTS_ENGINE] = tts
    app[ASR_ENGINE] = asr
    app[ASR_SLOTS] = asyncio.Semaphore(settings.asr_max_concurrent)
    # bodies arriving at once (read before a decoding slot is taken, so a slow sender
    # holds no slot): bounded too, each with a deadline (channels/api/voice.py)
    app[ASR_READERS] = asyncio.Semaphore(settings.asr_max_concurrent * 2)

    async def asr_probe() -> dict[str, Any]:
        return asr.status()

    app[HEALTH_PROBES].update(asr=asr_probe, tts=tts.probe)
    warm_up = asyncio.create_task(_warm_up(asr))  # load models without delaying start-up
    try:
        yield
    finally:
        warm_up.cancel()
        asr.close()
        tts.close()


async def _warm_up(asr: AsrEngine) -> None:
    try:
        await asr.warm_up()
    except asyncio.CancelledError:
        raise
    except Exception:  # a broken model shows on /healthz and as 503s; start-up goes on
        log.exception("loading the speech models failed")

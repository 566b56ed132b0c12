"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.fuzz.st_hooks): /api/asr takes audio/wav,
which Schemathesis cannot make by itself. Its bodies: real WAV files of every format a
header can claim (rates, channels, sample sizes, sizes said or unknown), the same cut
short or with a lying header, and plain random bytes."""
from __future__ import annotations

import struct

import schemathesis
from hypothesis import strategies as st


@st.composite
def wav_files(draw: st.DrawFn) -> bytes:
    code = draw(st.sampled_from([1, 3, 0xFFFE, 2, 0]))
    channels = draw(st.integers(0, 9))
    rate = draw(st.sampled_from([0, 7999, 8000, 16000, 44100, 48000, 192000, 2 ** 31]))
    bits = draw(st.sampled_from([0, 8, 16, 24, 32, 64, 12]))
    align = draw(st.one_of(st.just(channels * bits // 8), st.integers(0, 64)))
    frames = draw(st.integers(0, 4000))
    samples = draw(st.binary(min_size=0, max_size=256))
    payload = (samples * (frames * max(align, 1) // max(len(samples), 1) + 1))[:frames * max(align, 1)]
    data_size = draw(st.one_of(st.just(len(payload)), st.just(0xFFFFFFFF), st.integers(0, 2 ** 32 - 1)))
    fmt = struct.pack("<HHIIHH", code, channels, rate % 2 ** 32, (rate * align) % 2 ** 32, align, bits)
    body = (b"RIFF" + struct.pack("<I", 36 + len(payload)) + b"WAVE" + b"fmt " + struct.pack("<I", 16)
            + fmt + b"data" + struct.pack("<I", data_size) + payload)
    cut = draw(st.one_of(st.none(), st.integers(0, len(body))))
    return body if cut is None else body[:cut]


schemathesis.openapi.media_type("audio/wav", st.one_of(wav_files(), st.binary(max_size=2048)))

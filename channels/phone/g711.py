"""G.711 A-law (PCMA) and µ-law (PCMU), by lookup table.

Written here because aiortp 0.8.0's A-law inverts the sign bit (ITU-T G.711 sets
it for positive samples): its PCMA reaches a standard peer with the waveform
upside down and its silence as 0x55 instead of 0xD5. The conversions below are
the ITU reference ones (as in Sun's public-domain g711.c; RFC 3551 §4.5.14).
"""

from __future__ import annotations

from functools import cache

import numpy as np

PCMU, PCMA = 0, 8
_ALAW_SEGMENT_ENDS = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)
_ULAW_SEGMENT_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)


def _segment(value: int, ends: tuple[int, ...]) -> int:
    return next((i for i, end in enumerate(ends) if value <= end), len(ends))


def alaw_encode_sample(sample: int) -> int:
    pcm = sample >> 3  # 13 significant bits
    if pcm >= 0:
        mask = 0xD5  # sign bit set: positive
    else:
        mask, pcm = 0x55, -pcm - 1
    segment = _segment(pcm, _ALAW_SEGMENT_ENDS)
    if segment >= 8:
        return 0x7F ^ mask
    shift = 1 if segment < 2 else segment
    return ((segment << 4) | ((pcm >> shift) & 0x0F)) ^ mask


def alaw_decode_sample(code: int) -> int:
    code ^= 0x55
    value = (code & 0x0F) << 4
    segment = (code & 0x70) >> 4
    if segment == 0:
        value += 8
    else:
        value = (value + 0x108) << (segment - 1)
    return value if code & 0x80 else -value


def ulaw_encode_sample(sample: int) -> int:
    pcm = sample >> 2  # 14 significant bits
    if pcm < 0:
        pcm, mask = -pcm, 0x7F
    else:
        mask = 0xFF
    pcm = min(pcm, 8159) + (0x84 >> 2)
    segment = _segment(pcm, _ULAW_SEGMENT_ENDS)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((pcm >> (segment + 1)) & 0x0F)) ^ mask


def ulaw_decode_sample(code: int) -> int:
    code = ~code & 0xFF
    value = (((code & 0x0F) << 3) + 0x84) << ((code & 0x70) >> 4)
    return 0x84 - value if code & 0x80 else value - 0x84


@cache
def _tables(payload_type: int) -> tuple[np.ndarray, np.ndarray]:
    encode, decode = (
        (alaw_encode_sample, alaw_decode_sample) if payload_type == PCMA
        else (ulaw_encode_sample, ulaw_decode_sample)
    )
    samples = np.arange(65536, dtype=np.int64)
    samples = np.where(samples >= 32768, samples - 65536, samples)  # index = uint16 view of int16
    encode_table = np.array([encode(int(s)) for s in samples], dtype=np.uint8)
    decode_table = np.array([decode(c) for c in range(256)], dtype="<i2")
    return encode_table, decode_table


class G711:
    """Encode/decode 16-bit little-endian mono PCM for payload type 0 (PCMU) or 8 (PCMA)."""

    def __init__(self, payload_type: int) -> None:
        if payload_type not in (PCMU, PCMA):
            raise ValueError(f"not a G.711 payload type: {payload_type}")
        self.payload_type = payload_type
        self._encode, self._decode = _tables(payload_type)

    def encode(self, pcm: bytes) -> bytes:
        samples = np.frombuffer(pcm, dtype="<u2", count=len(pcm) // 2)
        return self._encode.take(samples).tobytes()

    def decode(self, payload: bytes) -> bytes:
        return self._decode.take(np.frombuffer(payload, dtype=np.uint8)).tobytes()

"""Audio as the engines need it: WAV in and out, mono, resampling, 16-bit, level.

Everything here is pure numpy and runs off the event loop (callers use an executor).
Samples travel as float32 in [-1, 1]; `to_pcm16` makes the 16-bit bytes vosk and
players want.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from voice.errors import AudioError

MIN_RATE, MAX_RATE = 8000, 192000
_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # streaming writers leave the size open


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono audio: float32 samples in [-1, 1] at `rate` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    def to_pcm16(self) -> bytes:
        return float_to_pcm16(self.samples)


@dataclass(frozen=True)
class WavFormat:
    encoding: str          # "pcm" or "float"
    channels: int
    rate: int
    bits: int
    data_offset: int       # where the samples start in the file
    data_size: Optional[int]  # None when the header leaves it open

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.bits // 8

    @property
    def byte_rate(self) -> int:
        return self.rate * self.frame_bytes

    def describe(self) -> str:
        kind = "float" if self.encoding == "float" else "PCM"
        return f"{self.bits}-bit {kind}, {self.channels} channel(s), {self.rate} Hz"


# --- reading WAV --------------------------------------------------------------

def parse_wav_header(head: bytes) -> WavFormat:
    """The format of a WAV file from its first bytes (through the 'data' chunk header)."""
    if len(head) < 12:
        if head and (b"RIFF".startswith(head[:4]) or b"RF64".startswith(head[:4])):
            raise AudioError("the WAV file is truncated (shorter than its header)")
        raise AudioError("the body is not a WAV file", AudioError.UNSUPPORTED)
    if head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise AudioError("the body is not a WAV file (no RIFF/WAVE header)", AudioError.UNSUPPORTED)
    fmt: Optional[tuple[str, int, int, int]] = None
    pos = 12
    while pos + 8 <= len(head):
        chunk_id, size = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(head[pos + 8:pos + 8 + size])
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioError("the WAV file has no 'fmt ' chunk before its data")
            encoding, channels, rate, bits = fmt
            data_size = None if size in _UNKNOWN_SIZES or head[:4] == b"RF64" else size
            return WavFormat(encoding, channels, rate, bits, pos + 8, data_size)
        pos += 8 + size + (size & 1)  # chunks are padded to an even length
    raise AudioError("the WAV file is truncated or has no 'data' chunk")


def _parse_fmt(body: bytes) -> tuple[str, int, int, int]:
    if len(body) < 16:
        raise AudioError("the WAV file's 'fmt ' chunk is truncated")
    code, channels, rate, _byte_rate, align, bits = struct.unpack_from("<HHIIHH", body)
    if code == _EXTENSIBLE and len(body) >= 26:
        code = struct.unpack_from("<H", body, 24)[0]  # first two bytes of the sub-format GUID
    if code == _PCM and bits in (8, 16, 24, 32):
        encoding = "pcm"
    elif code == _FLOAT and bits in (32, 64):
        encoding = "float"
    else:
        raise AudioError(f"WAV encoding {code:#06x} with {bits}-bit samples is not supported: "
                         "send 16-bit PCM (or 32-bit float)", AudioError.UNSUPPORTED)
    if not 1 <= channels <= 8:
        raise AudioError(f"WAV with {channels} channels is not supported", AudioError.UNSUPPORTED)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(f"sample rate {rate} Hz is not supported ({MIN_RATE}-{MAX_RATE} Hz)",
                         AudioError.UNSUPPORTED)
    if align != channels * bits // 8:
        raise AudioError("the WAV header is inconsistent (block align does not match)")
    return encoding, channels, rate, bits


def decode_wav(data: bytes, max_seconds: float) -> Audio:
    """A whole WAV file as mono float audio; AudioError when it cannot be used."""
    fmt = parse_wav_header(data[:65536])
    payload = memoryview(data)[fmt.data_offset:]
    if fmt.data_size is not None:
        if len(payload) < fmt.data_size:
            raise AudioError(f"the WAV file is truncated: its header announces {fmt.data_size} "
                             f"bytes of audio but only {len(payload)} arrived")
        payload = payload[:fmt.data_size]
    frames = len(payload) // fmt.frame_bytes
    if frames == 0:
        raise AudioError("the WAV file has no audio samples")
    seconds = frames / fmt.rate
    if seconds > max_seconds:
        raise AudioError(f"the audio is {seconds:.0f} s long; at most {max_seconds:.0f} s is accepted",
                         AudioError.TOO_LONG)
    samples = _to_float(payload[:frames * fmt.frame_bytes], fmt)
    return Audio(to_mono(samples, fmt.channels), fmt.rate)


def _to_float(raw: memoryview, fmt: WavFormat) -> np.ndarray:
    if fmt.encoding == "float":
        x = np.frombuffer(raw, dtype="<f4" if fmt.bits == 32 else "<f8").astype(np.float32)
        return np.clip(np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    if fmt.bits == 8:  # 8-bit WAV is unsigned
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    if fmt.bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        x = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = np.where(x >= 1 << 23, x - (1 << 24), x)
        return x.astype(np.float32) / float(1 << 23)
    dtype, scale = ("<i2", 32768.0) if fmt.bits == 16 else ("<i4", 2147483648.0)
    return np.frombuffer(raw, dtype=dtype).astype(np.float32) / scale


def to_mono(samples: np.ndarray, channels: int) -> np.ndarray:
    if channels == 1:
        return samples.astype(np.float32, copy=False)
    return samples.reshape(-1, channels).mean(axis=1, dtype=np.float32)


def pcm16_to_float(pcm: bytes) -> np.ndarray:
    usable = len(pcm) - len(pcm) % 2
    return np.frombuffer(pcm[:usable], dtype="<i2").astype(np.float32) / 32768.0


# --- writing ------------------------------------------------------------------

def float_to_pcm16(samples: np.ndarray) -> bytes:
    x = np.clip(samples, -1.0, 1.0) * 32767.0
    return np.rint(x).astype("<i2").tobytes()


def wav_bytes(pcm16: bytes, rate: int) -> bytes:
    """A 16-bit mono PCM WAV file."""
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm16), b"WAVE", b"fmt ", 16,
                         _PCM, 1, rate, rate * 2, 2, 16, b"data", len(pcm16))
    return header + pcm16


def silence(seconds: float, rate: int) -> np.ndarray:
    return np.zeros(int(round(seconds * rate)), dtype=np.float32)


# --- resampling ---------------------------------------------------------------

_HALF_TAPS = 12      # filter half-width in input samples at full bandwidth
_KAISER_BETA = 8.0
_BLOCK = 8192


@lru_cache(maxsize=32)
def _polyphase(up: int, down: int) -> tuple[np.ndarray, int]:
    """Windowed-sinc weights for each of the `up` output phases, and the half-width K."""
    cutoff = min(1.0, up / down) * 0.92  # a little under Nyquist: no aliasing at 8 kHz
    k = int(math.ceil(_HALF_TAPS / cutoff))
    offsets = np.arange(-k + 1, k + 1)
    phases = (np.arange(up) * down % up) / up          # fractional input position of each phase
    d = phases[:, None] - offsets[None, :]            # distance to each tap
    window = np.i0(_KAISER_BETA * np.sqrt(np.clip(1 - (d / k) ** 2, 0, 1))) / np.i0(_KAISER_BETA)
    weights = cutoff * np.sinc(cutoff * d) * window
    weights /= weights.sum(axis=1, keepdims=True)     # unity gain at DC
    return weights.astype(np.float32), k


def resample(samples: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Band-limited (windowed-sinc, polyphase) resampling from `src` to `dst` Hz."""
    if src == dst or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    g = math.gcd(src, dst)
    up, down = dst // g, src // g
    weights, k = _polyphase(up, down)
    padded = np.concatenate([np.zeros(k, np.float32), samples.astype(np.float32),
                             np.zeros(k + 1, np.float32)])
    n_out = len(samples) * up // down
    out = np.empty(n_out, dtype=np.float32)
    taps = np.arange(-k + 1, k + 1) + k
    for start in range(0, n_out, _BLOCK):
        n = np.arange(start, min(start + _BLOCK, n_out))
        base = n * down // up
        frames = padded[base[:, None] + taps[None, :]]
        out[start:start + len(n)] = np.einsum("ij,ij->i", frames, weights[n % up])
    return out


# --- level --------------------------------------------------------------------

def dbfs(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20 * math.log10(max(rms, 1e-6))


def peak_dbfs(samples: np.ndarray) -> float:
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return 20 * math.log10(max(peak, 1e-6))


def normalize_level(samples: np.ndarray, target_dbfs: float = -20.0, peak_limit_dbfs: float = -1.0,
                    max_gain_db: float = 30.0, reference_dbfs: Optional[float] = None) -> np.ndarray:
    """Scale toward `target_dbfs` (of `reference_dbfs`, default the RMS of the whole),
    never above `peak_limit_dbfs` and never by more than `max_gain_db`."""
    level = dbfs(samples) if reference_dbfs is None else reference_dbfs
    if level <= -100.0:
        return samples.astype(np.float32, copy=False)
    gain_db = min(target_dbfs - level, max_gain_db, peak_limit_dbfs - peak_dbfs(samples))
    return (samples * (10 ** (gain_db / 20))).astype(np.float32)

"""WeChat voice messages (AMR-NB, or Speex in Ogg) to 16-bit mono PCM at 16 kHz,
for the speech recogniser.

Decoded by Debian's ffmpeg in a subprocess: the decoder of an untrusted file runs
outside the gateway (a crash or a hang there is a killed process, not a dead
gateway), asynchronously, with a timeout, an input cap and an output cap. ffmpeg
may only read the pipe (no files, no network) and only the AMR and Ogg demuxers.
"""
from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass

RATE = 16000
MAX_INPUT_BYTES = 2 * 1024 * 1024   # WeChat voice is at most 60 s: ~100 KB of AMR
MAX_SECONDS = 120.0
TIMEOUT = 10.0
FORMATS = "amr,ogg"
CODECS = "amrnb,amrwb,speex,libspeex"


class VoiceError(Exception):
    """The voice message cannot be turned into audio."""


class VoiceTooLarge(VoiceError):
    pass


class VoiceDecodeError(VoiceError):
    """Not AMR or Speex, or corrupt: ffmpeg refused it or found no audio in it."""


class DecoderMissing(VoiceError):
    """ffmpeg is not installed (Debian package `ffmpeg`)."""


@dataclass(frozen=True)
class Pcm:
    samples: bytes          # 16-bit little-endian mono
    rate: int = RATE

    @property
    def seconds(self) -> float:
        return len(self.samples) / 2 / self.rate


async def decode_voice(data: bytes, *, ffmpeg: str = "ffmpeg", timeout: float = TIMEOUT,
                       max_input_bytes: int = MAX_INPUT_BYTES,
                       max_seconds: float = MAX_SECONDS) -> Pcm:
    if len(data) > max_input_bytes:
        raise VoiceTooLarge(f"voice is {len(data)} bytes; the limit is {max_input_bytes}")
    if not data:
        raise VoiceDecodeError("voice is empty")
    program = shutil.which(ffmpeg)
    if program is None:
        raise DecoderMissing(f"{ffmpeg} not found: install Debian's ffmpeg package")
    process = await asyncio.create_subprocess_exec(
        *_command(program, max_seconds), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(data), timeout)
    except asyncio.TimeoutError:
        raise VoiceDecodeError(f"ffmpeg took over {timeout:g} s") from None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        raise VoiceDecodeError("ffmpeg: " + _last_line(err))
    if len(out) < 2:
        raise VoiceDecodeError("no audio in the voice message")
    return Pcm(out[: len(out) // 2 * 2])


def _command(program: str, max_seconds: float) -> list[str]:
    return [program, "-hide_banner", "-nostats", "-loglevel", "error",
            "-protocol_whitelist", "pipe", "-format_whitelist", FORMATS,
            "-codec_whitelist", CODECS, "-i", "pipe:0",
            "-t", f"{max_seconds:g}", "-vn", "-ac", "1", "-ar", str(RATE),
            "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"]


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:200] if lines else "failed"

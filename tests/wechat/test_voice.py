"""Voice messages: real AMR-NB (3GPP encoder) and Speex files decoded by
Debian's ffmpeg to 16 kHz mono PCM, checked by duration and pitch."""
from __future__ import annotations

import asyncio
import os
import stat
import time

import pytest

from channels.wechat.voice import (RATE, DecoderMissing, VoiceDecodeError, VoiceTooLarge,
                                   decode_voice)
from tests.wechat.conftest import (amr_nb, dominant_frequency, require_ffmpeg, speex_ogg,
                                   tone)


@pytest.fixture(autouse=True)
def ffmpeg_present():
    require_ffmpeg()


async def test_amr_decodes_to_16k_pcm_with_the_same_tone():
    amr = amr_nb(tone(440, 2.0, 8000))
    assert amr.startswith(b"#!AMR\n") and len(amr) == 6 + 100 * 32     # 100 frames of 12.2k
    pcm = await decode_voice(amr)
    assert pcm.rate == RATE == 16000
    assert abs(pcm.seconds - 2.0) < 0.05
    assert abs(dominant_frequency(pcm.samples, RATE) - 440) < 10


async def test_speex_decodes():
    pcm = await decode_voice(speex_ogg(660, 1.5))
    assert abs(pcm.seconds - 1.5) < 0.1
    assert abs(dominant_frequency(pcm.samples, RATE) - 660) < 15


async def test_voice_from_the_api_to_pcm(make_api, fake_wechat):
    """A voice message without Recognition: download the media, decode it."""
    fake_wechat.media["VOICE_1"] = (amr_nb(tone(300, 1.0, 8000)), "audio/amr")
    media = await make_api().get_media("VOICE_1", max_bytes=2 * 1024 * 1024)
    pcm = await decode_voice(media.data)
    assert abs(pcm.seconds - 1.0) < 0.05
    assert abs(dominant_frequency(pcm.samples, RATE) - 300) < 10


@pytest.mark.parametrize("data", [os.urandom(3000), b"#!AMR\n", b"OggS" + os.urandom(500),
                                  b"RIFF\x24\x00\x00\x00WAVEfmt "],
                         ids=["noise", "header-only", "broken-ogg", "not-allowed-format"])
async def test_corrupt_voice_is_a_decode_error(data):
    with pytest.raises(VoiceDecodeError):
        await decode_voice(data)


async def test_empty_voice_is_a_decode_error():
    with pytest.raises(VoiceDecodeError):
        await decode_voice(b"")


async def test_oversize_voice_is_refused_unread():
    with pytest.raises(VoiceTooLarge):
        await decode_voice(b"#!AMR\n" + b"\x3c" * 1000, max_input_bytes=500, ffmpeg="no-such-ffmpeg")


async def test_missing_ffmpeg_is_named():
    with pytest.raises(DecoderMissing):
        await decode_voice(b"#!AMR\n", ffmpeg="no-such-ffmpeg-here")


async def test_a_hanging_decoder_is_killed_at_the_timeout(tmp_path):
    hang = tmp_path / "ffmpeg"
    hang.write_text("#!/bin/sh\nexec sleep 30\n")
    hang.chmod(hang.stat().st_mode | stat.S_IEXEC)
    start = time.monotonic()
    with pytest.raises(VoiceDecodeError, match="took over"):
        await decode_voice(b"#!AMR\n", ffmpeg=str(hang), timeout=0.5)
    assert time.monotonic() - start < 5


async def test_decoding_leaves_the_event_loop_free():
    amr = amr_nb(tone(440, 60.0, 8000))               # the longest WeChat voice message
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1
    task = asyncio.ensure_future(ticker())
    start = time.monotonic()
    pcm = await decode_voice(amr)
    elapsed = time.monotonic() - start
    task.cancel()
    assert abs(pcm.seconds - 60.0) < 0.1
    assert ticks >= elapsed / 0.005 * 0.3             # the loop kept running meanwhile

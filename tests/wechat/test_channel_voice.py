"""Voice messages: WeChat's own transcript (Recognition) when it sends one;
otherwise the file is downloaded through the API, decoded (real AMR-NB from the
3GPP encoder, Debian's ffmpeg) and heard by the gateway's recogniser (the real
vosk on the Korean test model, tests/voice); no model: the person is asked to
type. The answer to a voice message is text."""
from __future__ import annotations

import numpy as np
import pytest

from channels.wechat.voice import decode_voice
from tests.voice.conftest import KO_MODEL, espeak_audio
from tests.wechat.conftest import amr_nb, require_ffmpeg
from tests.wechat.gateway import Follower
from tests.wechat.test_channel_text import wait_for
from voice import audio as au
from voice.asr import AsrEngine
from voice.audio import Audio, pcm16_to_float

KO_WORD = "여보세요"   # espeak-ng says it clearly enough for the small Korean model


def korean_amr(text: str = KO_WORD) -> bytes:
    """espeak-ng Korean between silences, at 8 kHz, encoded as WeChat records: AMR-NB."""
    speech = espeak_audio(text)
    samples = au.resample(speech.samples, speech.rate, 8000)
    quiet = np.zeros(int(0.6 * 8000), dtype=np.float32)
    pcm = au.float_to_pcm16(np.concatenate([quiet, samples, quiet, quiet]))
    return amr_nb(np.frombuffer(pcm, dtype="<i2"))


async def test_recognition_is_used_when_wechat_sends_it(gateway, wechat_rasa, fake_wechat):
    answer = await Follower(gateway).voice("MEDIA_1", recognition="社保卡丢了怎么办")
    assert answer.content == "机器人回答：社保卡丢了怎么办"
    assert fake_wechat.calls("/cgi-bin/media/get") == []


async def what_the_recogniser_hears(amr: bytes) -> str:
    """The same file decoded and heard here, by the same model, for comparison."""
    engine = AsrEngine({"ko": KO_MODEL}, workers=1)
    try:
        pcm = await decode_voice(amr)
        return (await engine.transcribe(Audio(pcm16_to_float(pcm.samples), pcm.rate), "ko")).text
    finally:
        engine.close()


async def test_without_recognition_the_gateway_hears_it(gateway, wechat_rasa, fake_wechat):
    """AMR-NB is narrowband (8 kHz): the small Korean model does not hear espeak's
    여보세요 exactly through it, so the test checks that what reached the pipeline is
    what the real recogniser hears in that very file: Korean words, not nothing."""
    require_ffmpeg()
    amr = korean_amr()
    fake_wechat.media["MEDIA_KO"] = (amr, "audio/amr")
    answer = await Follower(gateway).voice("MEDIA_KO")
    if answer.content is None:              # a busy machine: the answer comes later
        await wait_for(lambda: fake_wechat.sent, timeout=60)
    said = answer.content or fake_wechat.sent[0][1]
    assert [c.query["media_id"] for c in fake_wechat.calls("/cgi-bin/media/get")] == ["MEDIA_KO"]
    heard = wechat_rasa.received[0]["message"]
    expected = await what_the_recogniser_hears(amr)
    assert any("\uac00" <= c <= "\ud7a3" for c in expected)          # Hangul was heard
    assert heard == expected
    assert said == f"机器人回答：{heard}"


async def test_without_a_model_the_person_is_asked_to_type(start_gateway, wechat_rasa,
                                                           fake_wechat, tmp_path):
    client = await start_gateway(asr_model_cmn=str(tmp_path / "no-model"))
    fake_wechat.media["MEDIA_KO"] = (b"#!AMR\n", "audio/amr")
    person = Follower(client)
    assert (await person.voice("MEDIA_KO")).content == "请打字，或者按0找工作人员。"
    await person.text("長者卡點樣申請")
    assert (await person.voice("MEDIA_KO")).content == "請打字，或者按0揾工作人員。"
    assert len(wechat_rasa.received) == 1


@pytest.mark.parametrize("media", [b"not audio at all", None])
async def test_unreadable_or_missing_voice_asks_again(gateway, wechat_rasa, fake_wechat, media):
    if media is not None:
        fake_wechat.media["BAD"] = (media, "audio/amr")
    answer = await Follower(gateway).voice("BAD")
    assert answer.content == "我没听清楚。请再说一次，或者打字。"
    assert wechat_rasa.received == []


async def test_silence_asks_again(gateway, wechat_rasa, fake_wechat):
    require_ffmpeg()
    fake_wechat.media["QUIET"] = (amr_nb(np.zeros(8000 * 2, dtype=np.int16)), "audio/amr")
    answer = await Follower(gateway).voice("QUIET")
    assert answer.content == "我没听清楚。请再说一次，或者打字。"
    assert wechat_rasa.received == []

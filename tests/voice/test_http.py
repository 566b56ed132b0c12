"""POST /api/tts and POST /api/asr through the real gateway app (shared/DESIGN.md
contracts): clear 4xx for bad input, 503 for a missing model, and the server keeps
serving after each. The Korean test model stands in the cmn slot: the HTTP layer
does not care which language a model hears."""
import asyncio
import io
import struct

import numpy as np
import pytest

from channels.gateway.app import create_app
from tests.voice.conftest import KO_MENU, gateway_settings, read_wav, wav_file
from tests.voice.test_asr import clip

WAV = {"Content-Type": "audio/wav"}


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    return await aiohttp_client(create_app(gateway_settings(tmp_path)))


@pytest.fixture
async def no_model_client(aiohttp_client, tmp_path):
    missing = tmp_path / "models" / "vosk-model-small-cn-0.22"
    return await aiohttp_client(create_app(gateway_settings(tmp_path, asr_model_cmn=str(missing))))


def speech_wav(*parts, rate=16000) -> bytes:
    audio = clip(*parts, rate=rate)
    return wav_file(audio.samples, rate)


async def tts(client, **body):
    return await client.post("/api/tts", json=body)


async def still_serving(client):
    """A normal request of each kind still works."""
    resp = await tts(client, text="好的。", language="cmn")
    assert resp.status == 200 and resp.content_type == "audio/wav"
    resp = await client.post("/api/asr?phrases=" + ",".join(KO_MENU), data=speech_wav(0.2, "네", 0.2),
                             headers=WAV)
    assert resp.status == 200 and (await resp.json())["choice"] == "네"


# --- /api/tts -----------------------------------------------------------------------

@pytest.mark.parametrize("language, sample_rate", [("cmn", 16000), ("yue", 8000), ("yue", 44100)])
async def test_tts_returns_16_bit_mono_wav_at_the_rate_asked(client, language, sample_rate):
    resp = await tts(client, text="您好，请问要办理什么业务？", language=language, sample_rate=sample_rate)
    assert resp.status == 200 and resp.content_type == "audio/wav"
    samples, rate = read_wav(await resp.read())
    assert rate == sample_rate and 1.0 < len(samples) / rate < 8.0


async def test_tts_slow_for_elders_who_ask(client):
    normal = read_wav(await (await tts(client, text="请带上身份证。", rate="normal")).read())[0]
    slow = read_wav(await (await tts(client, text="请带上身份证。", rate="slow")).read())[0]
    assert len(slow) > 1.25 * len(normal)


@pytest.mark.parametrize("body, status, words", [
    ({"text": ""}, 400, "empty"),
    ({"text": "   "}, 400, "empty"),
    ({}, 400, "required"),
    ({"text": 42}, 400, "string"),
    ({"text": "字" * 10000}, 413, "too long"),
    ({"text": "。。。"}, 400, "nothing"),
    ({"text": "你好", "language": "fr"}, 400, "language"),
    ({"text": "你好", "rate": "fast"}, 400, "rate"),
    ({"text": "你好", "sample_rate": 12345}, 400, "sample_rate"),
    ({"text": "你好", "sample_rate": "16000"}, 400, "sample_rate"),
])
async def test_tts_bad_requests_get_a_clear_4xx(client, body, status, words):
    resp = await client.post("/api/tts", json=body)
    assert resp.status == status
    assert words in (await resp.json())["error"]
    await still_serving(client)


async def test_tts_malformed_json_and_wrong_type(client):
    resp = await client.post("/api/tts", data=b"{text:", headers={"Content-Type": "application/json"})
    assert resp.status == 400 and "malformed JSON" in (await resp.json())["error"]
    resp = await client.post("/api/tts", data="你好", headers={"Content-Type": "text/plain"})
    assert resp.status == 415


def seconds(wav: bytes) -> float:
    samples, rate = read_wav(wav)
    return len(samples) / rate


async def test_twenty_tts_requests_at_once_each_get_their_own_speech(
        client, aiohttp_client, tmp_path):
    """Twenty people at once, in both voices: all are answered, and each hears their own
    sentence. Every sentence has a different length (one 八 more each, the Cantonese ones
    all longer than the Mandarin ones), so speech that went to the wrong request shows:
    the lengths must keep that order and match the sentence asked alone, on a fresh app."""
    asked = [(f"您的号码是{'八' * n}。", "cmn") for n in range(1, 11)] + \
            [(f"你嘅号码系{'八' * n}。", "yue") for n in range(12, 22)]
    at_once = asked[0::2] + asked[1::2]          # arriving mixed, not in length order
    responses = await asyncio.wait_for(asyncio.gather(*(
        tts(client, text=t, language=lang, sample_rate=8000) for t, lang in at_once)), 90)
    assert [r.status for r in responses] == [200] * 20
    heard = {request: seconds(await r.read()) for request, r in zip(at_once, responses)}
    together = [heard[request] for request in asked]
    assert all(a < b for a, b in zip(together, together[1:])), together

    (tmp_path / "alone").mkdir()
    alone_client = await aiohttp_client(create_app(gateway_settings(tmp_path / "alone")))
    for (text, language), got in zip(asked, together):
        resp = await tts(alone_client, text=text, language=language, sample_rate=8000)
        assert resp.status == 200
        alone = seconds(await resp.read())
        assert abs(got - alone) < 0.03 * alone, (text, got, alone)   # espeak varies a little
    health = await (await client.get("/healthz")).json()
    assert health["components"]["tts"]["ok"] is True


# --- /api/asr -----------------------------------------------------------------------

async def test_asr_recognises_speech(client):
    resp = await client.post("/api/asr", data=speech_wav(0.3, "여보세요", 0.3), headers=WAV)
    body = await resp.json()
    assert resp.status == 200 and "여보세요" in body["text"].split()
    assert body["language"] == "cmn" and 0 < body["confidence"] <= 1


async def test_asr_menu_mode(client):
    resp = await client.post("/api/asr?phrases=" + ",".join(KO_MENU),
                             data=speech_wav(0.3, "상담원", 0.3, rate=8000), headers=WAV)
    body = await resp.json()
    assert resp.status == 200 and body["choice"] == "상담원" and "상담원" in body["text"].split()


async def test_asr_cantonese_says_it_used_the_mandarin_model(client):
    resp = await client.post("/api/asr?language=yue&phrases=" + ",".join(KO_MENU),
                             data=speech_wav(0.2, "아니요", 0.2), headers={"Content-Type": "audio/x-wav"})
    body = await resp.json()
    assert resp.status == 200 and body["choice"] == "아니요"
    assert body["language"] == "cmn" and body["requested_language"] == "yue"
    assert "no yue speech model" in body["note"]


def truncated_wav() -> bytes:
    data = speech_wav(0.2, "네", 0.2)
    return data[: len(data) // 2]


def hour_long_header() -> bytes:
    """A WAV whose header claims an hour of 16 kHz audio; only a second follows."""
    second = wav_file(np.zeros(16000, np.float32), 16000)
    return second[:40] + struct.pack("<I", 3600 * 16000 * 2) + second[44:]


def mu_law_wav() -> bytes:
    data = bytearray(speech_wav(0.2, "네", 0.2))
    struct.pack_into("<HHIIHH", data, 20, 7, 1, 16000, 16000, 1, 8)  # format 7: mu-law, 8-bit
    return bytes(data)


def silence_wav() -> bytes:
    noise = np.random.default_rng(0).standard_normal(16000 * 3) * 0.0005  # a quiet room
    return wav_file(noise.astype(np.float32), 16000)


@pytest.mark.parametrize("make_body, content_type, status, words", [
    (truncated_wav, "audio/wav", 400, "truncated"),
    (lambda: b"ID3\x04\x00\x00 an mp3 file" + bytes(2000), "audio/wav", 415, "not a WAV"),
    (lambda: b"", "audio/wav", 415, "not a WAV"),
    (mu_law_wav, "audio/wav", 415, "16-bit PCM"),
    (lambda: speech_wav(0.2, "네", 0.2), "application/octet-stream", 415, "audio/wav"),
    (silence_wav, "audio/wav", 400, "silent"),
    (hour_long_header, "audio/wav", 413, "3600 s"),
    (lambda: io.BytesIO(wav_file(np.zeros(16000 * 61, np.float32), 16000)), "audio/wav", 413, "60 s"),
])
async def test_asr_bad_audio_gets_a_clear_4xx(client, make_body, content_type, status, words):
    resp = await client.post("/api/asr", data=make_body(), headers={"Content-Type": content_type})
    assert resp.status == status
    assert words in (await resp.json())["error"]
    await still_serving(client)


async def test_asr_endless_stream_is_cut_off_with_bounded_memory(client):
    """A client streams 'audio' forever (chunked, size left open): refused after 60 s worth."""
    header = bytearray(wav_file(np.zeros(0, np.float32), 16000))
    struct.pack_into("<I", header, 40, 0xFFFFFFFF)
    sent = 0

    async def endless():
        nonlocal sent
        yield bytes(header)
        for _ in range(8 * 16):  # up to 8 MB: four minutes of 16 kHz audio
            sent += 65536
            yield bytes(65536)

    resp = await client.post("/api/asr", data=endless(), headers=WAV)
    assert resp.status == 413 and "longer than 60 s" in (await resp.json())["error"]
    await still_serving(client)


async def test_asr_missing_model_is_a_503_that_says_make_model(no_model_client):
    resp = await no_model_client.post("/api/asr", data=speech_wav(0.2, "네", 0.2), headers=WAV)
    body = await resp.json()
    assert resp.status == 503
    assert "vosk-model-small-cn-0.22" in body["error"] and "make model" in body["error"]
    resp = await no_model_client.post("/api/asr?language=yue", data=b"RIFF", headers=WAV)
    assert resp.status == 503  # Cantonese needs the same Mandarin model
    health = await (await no_model_client.get("/healthz")).json()
    assert health["components"]["asr"]["ok"] is False
    assert "make model" in health["components"]["asr"]["error"]
    resp = await tts(no_model_client, text="好的。")  # speech output does not need the model
    assert resp.status == 200


async def test_asr_bad_query(client):
    resp = await client.post("/api/asr?language=ko", data=speech_wav(0.2, "네"), headers=WAV)
    assert resp.status == 400 and "language" in (await resp.json())["error"]
    resp = await client.post("/api/asr?phrases=,,", data=speech_wav(0.2, "네"), headers=WAV)
    assert resp.status == 400 and "phrases" in (await resp.json())["error"]
    resp = await client.post("/api/asr?phrases=xyzzy,plugh", data=speech_wav(0.2, "네"), headers=WAV)
    assert resp.status == 400 and "none of the menu phrases" in (await resp.json())["error"]


async def test_healthz_reports_voice(client):
    health = await (await client.get("/healthz")).json()
    assert health["components"]["tts"]["ok"] is True
    assert health["components"]["asr"]["ok"] is True
    assert health["components"]["asr"]["models"]["yue"] == {"state": "not configured", "uses": "cmn"}

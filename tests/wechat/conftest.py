"""WeChat tests: requests built by wechatpy, the WeChat HTTP API stood in for by
a local aiohttp server (fake_wechat.py), real audio through Debian's ffmpeg and
the 3GPP AMR-NB encoder (libopencore-amrnb)."""
from __future__ import annotations

import ctypes
import ctypes.util
import math
import shutil
import subprocess

import aiohttp
import numpy as np
import pytest

from channels.wechat.api import RetryPolicy, WeChatApi
from tests.wechat.fake_wechat import FakeWeChat
from tests.wechat.wechat_peer import APP_ID

SECRET = "s3cr3t-app-secret-value"
FAST_RETRY = RetryPolicy(attempts=3, first_delay=0.05, factor=2.0, max_delay=1.0)


@pytest.fixture
async def fake_wechat(aiohttp_server):
    fake = FakeWeChat(APP_ID, SECRET)
    server = await aiohttp_server(fake.app(), access_log=None)    # 127.0.0.1, a free port
    fake.base = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def http_session():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def make_api(fake_wechat, http_session):
    def make(**kwargs) -> WeChatApi:
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("timeout", 1.0)
        secret = kwargs.pop("secret", SECRET)
        return WeChatApi(http_session, APP_ID, secret, fake_wechat.base, **kwargs)
    return make


# --- audio ------------------------------------------------------------------------

def require_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is missing: apt-get install ffmpeg (Debian)")


def tone(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * math.pi * freq * t)).astype(np.int16)


def amr_nb(samples: np.ndarray) -> bytes:
    """An AMR-NB file (RFC 4867 storage format, 12.2 kbit/s) of 8 kHz samples,
    by the 3GPP reference encoder in Debian's libopencore-amrnb0. Debian's
    ffmpeg has AMR decoders but no AMR encoder."""
    name = ctypes.util.find_library("opencore-amrnb")
    if name is None:
        pytest.fail("libopencore-amrnb is missing: apt-get install libopencore-amrnb0 (Debian)")
    lib = ctypes.CDLL(name)
    lib.Encoder_Interface_init.restype = ctypes.c_void_p
    lib.Encoder_Interface_init.argtypes = [ctypes.c_int]
    lib.Encoder_Interface_Encode.restype = ctypes.c_int
    lib.Encoder_Interface_Encode.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                             ctypes.POINTER(ctypes.c_short),
                                             ctypes.POINTER(ctypes.c_ubyte), ctypes.c_int]
    lib.Encoder_Interface_exit.argtypes = [ctypes.c_void_p]
    state = lib.Encoder_Interface_init(0)
    out, frame_out = bytearray(b"#!AMR\n"), (ctypes.c_ubyte * 64)()
    mode_122 = 7
    try:
        for start in range(0, len(samples) - 159, 160):      # 20 ms frames
            frame = (ctypes.c_short * 160)(*samples[start:start + 160].tolist())
            size = lib.Encoder_Interface_Encode(state, mode_122, frame, frame_out, 0)
            out += bytes(frame_out[:size])
    finally:
        lib.Encoder_Interface_exit(state)
    return bytes(out)


def speex_ogg(freq: float, seconds: float) -> bytes:
    """Speex in Ogg (WeChat's other voice format), by ffmpeg's libspeex encoder."""
    require_ffmpeg()
    return subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
         "-i", f"sine=frequency={freq}:duration={seconds}", "-ar", "16000", "-ac", "1",
         "-c:a", "libspeex", "-f", "ogg", "pipe:1"],
        check=True, capture_output=True, timeout=30).stdout


def dominant_frequency(pcm: bytes, rate: int) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


# --- the gateway with the channel configured (stage 2) -------------------------------

@pytest.fixture
async def wechat_rasa(aiohttp_server):
    from tests.wechat.gateway import WeChatRasa
    fake = WeChatRasa()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def wechat_settings(tmp_path, wechat_rasa, fake_wechat):
    """Settings of a gateway whose WeChat channel talks to the stand-ins."""
    from bot.settings import load_settings
    from tests.voice.conftest import KO_MODEL
    from tests.wechat.wechat_peer import TOKEN

    def make(**overrides):
        values = dict(rasa_url=wechat_rasa.url, action_url=wechat_rasa.url, rasa_timeout=5,
                      data_dir=str(tmp_path), asr_model_cmn=KO_MODEL, wechat_token=TOKEN,
                      wechat_app_id=APP_ID, wechat_app_secret=SECRET,
                      wechat_api_base=fake_wechat.base)
        values.update(overrides)
        return load_settings(env={}, **values)
    return make


@pytest.fixture
def start_gateway(wechat_settings, aiohttp_client):
    """start_gateway(**settings) -> a test client of the gateway (access log off, as
    `python -m channels` runs it). The stand-ins are set up first, so they are torn
    down last: a gateway stopping still sends its late answers to them."""
    from channels.gateway.app import create_app

    async def start(**overrides):
        from aiohttp.test_utils import TestServer
        server = TestServer(create_app(wechat_settings(**overrides)))
        await server.start_server(access_log=None)   # TestServer drops constructor kwargs
        return await aiohttp_client(server)
    return start


@pytest.fixture
async def gateway(start_gateway):
    return await start_gateway()

"""Fixtures for the telephony tests: the endpoint under test and real peers around it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest

from channels.phone import Call, PhoneConfig, PhoneEndpoint

from .peers import BARESIP, ESPEAK, SIPP, Baresip, speech, write_wav

needs_baresip = pytest.mark.skipif(BARESIP is None, reason="baresip is not installed (Debian: baresip-core)")
needs_sipp = pytest.mark.skipif(SIPP is None, reason="SIPp is not installed (Debian: sip-tester)")

TEST_CONFIG = PhoneConfig(port=0, rtp_ports=(0, 0))


class Answering:
    """The tests' conversation: records what arrives and does what the test asks."""

    def __init__(self, behaviour: Callable[[Call], Awaitable[None]] | None = None) -> None:
        self.calls: list[Call] = []
        self.frames: dict[str, list[bytes]] = {}
        self.behaviour = behaviour

    async def __call__(self, call: Call) -> None:
        self.calls.append(call)
        frames = self.frames.setdefault(call.call_id, [])
        reader = asyncio.ensure_future(self._read(call, frames))
        try:
            if self.behaviour is not None:
                await self.behaviour(call)
            await call.ended.wait()
        finally:
            await reader

    async def _read(self, call: Call, frames: list[bytes]) -> None:
        async for frame in call.frames():
            frames.append(frame)

    @property
    def call(self) -> Call:
        assert self.calls, "no call arrived"
        return self.calls[-1]


@pytest.fixture
async def make_endpoint():
    started: list[PhoneEndpoint] = []

    async def make(answering: Answering, **settings: object) -> PhoneEndpoint:
        endpoint = PhoneEndpoint(dataclasses.replace(TEST_CONFIG, **settings), answering)
        await endpoint.start()
        started.append(endpoint)
        return endpoint

    yield make
    for endpoint in started:
        await endpoint.stop()


@pytest.fixture
async def make_baresip(tmp_path: Path):
    peers: list[Baresip] = []

    async def make(user: str, source_wav: Path, **kwargs: object) -> Baresip:
        home = tmp_path / f"baresip-{user}-{len(peers)}"
        peer = await Baresip(home, user=user, source_wav=source_wav, **kwargs).start()  # type: ignore[arg-type]
        peers.append(peer)
        return peer

    yield make
    for peer in peers:
        await peer.stop()


@pytest.fixture(scope="session")
def audio(tmp_path_factory) -> dict[str, object]:
    """What baresip says into the call, and what Kaifong plays to it (8 kHz)."""
    tmp = tmp_path_factory.mktemp("audio")
    if ESPEAK:
        caller = speech(tmp, "I would like to ask about my pension, please")
        prompt = speech(tmp, "Hello, this is the Kaifong hotline. Press one for Mandarin.")
    else:  # a tone sweep: as distinctive as speech for the correlation check
        t = np.arange(16000) / 8000
        caller = 12000 * np.sin(2 * np.pi * (300 + 200 * t) * t)
        prompt = 12000 * np.sin(2 * np.pi * (500 + 300 * t) * t)
    # baresip hangs up when its source ends: pad it with a minute of silence
    source = write_wav(tmp / "caller.wav", np.concatenate([np.zeros(4000), caller, np.zeros(8000 * 60)]))
    return {"caller": caller, "caller_wav": source, "prompt": prompt}


def pcm_chunks(samples: np.ndarray, size: int = 777):
    """The prompt as an async source of odd-sized chunks, like a TTS stream."""
    data = np.clip(samples, -32768, 32767).astype("<i2").tobytes()

    async def chunks():
        for i in range(0, len(data), size):
            yield data[i : i + size]
            await asyncio.sleep(0)

    return chunks()


# ---- the hotline in a real gateway (stage 2) ----------------------------------

@pytest.fixture
async def make_hotline(stack, tmp_path, aiohttp_client):
    """A gateway app (`create_app`) with the phone on a free port, talking to the real
    stack's Rasa and action server (tests/conftest.py), the Korean test model listening."""
    from .hotline import HotlineUnderTest, hotline_settings

    async def make(**overrides: object) -> HotlineUnderTest:
        from channels.gateway.app import create_app

        settings = hotline_settings(stack, tmp_path / f"gateway-{len(made)}", **overrides)
        client = await aiohttp_client(create_app(settings))
        hotline = HotlineUnderTest(client, settings)
        made.append(hotline)
        return hotline

    made: list[object] = []
    return make


@pytest.fixture(scope="session")
def quiet_wav(tmp_path_factory) -> Path:
    """A caller who says nothing (baresip hangs up when its source ends: two minutes)."""
    return write_wav(tmp_path_factory.mktemp("quiet") / "quiet.wav", np.zeros(8000 * 120))

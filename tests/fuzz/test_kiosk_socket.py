"""The kiosk's websocket fuzzed: thousands of frames no page would send — random and
truncated JSON, every message type with fields of every wrong kind, binary where text is
expected and text where audio is, frames too big, sockets dropped mid-turn — from many
pages at once. Afterwards the gateway is healthy, a new page is served as usual, and
nothing of the dropped pages is left behind."""
from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any

import aiohttp
import pytest

from bot.settings import load_settings
from channels.gateway.app import create_app
from channels.gateway.keys import LIMITS
from channels.kiosk.setup import KIOSK_HUB
from tests.voice.conftest import KO_MODEL

TYPES = ["start", "language", "script", "text", "menu", "human", "cancel", "activity",
         "mic_start", "mic_mode", "mic_stop", "mic_blocked", "nonsense", "", "__class__"]
FIELDS = ["language", "script", "text", "title", "name", "menu", "rate", "mode", "type"]


def odd_value(rng: random.Random) -> Any:
    return rng.choice([
        None, True, 0, -1, 2 ** 64, 1e308, float("nan") if False else 3.5, "", "cmn", "yue",
        "hans", "hant", "0", "取消", "/repeat", "救命", "x" * rng.randrange(1, 5000),
        "\x00\u2028\r\n", "\ud7ff" * 3, [], [1, [2, [3]]], {"a": {"b": None}}, "more",
        "services", "hold", "tap", 16000, 8000, 96001, 7999,
    ])


def message(rng: random.Random) -> str:
    body: dict[str, Any] = {"type": rng.choice(TYPES + [None, 7, [], {}])}
    for name in rng.sample(FIELDS, rng.randrange(0, len(FIELDS))):
        body[name] = odd_value(rng)
    text = json.dumps(body, ensure_ascii=rng.random() < 0.5)
    roll = rng.random()
    if roll < 0.2:
        return text[: rng.randrange(0, len(text))]            # cut short
    if roll < 0.25:
        return "".join(chr(rng.randrange(1, 0xD7FF)) for _ in range(rng.randrange(1, 200)))
    if roll < 0.3:
        return json.dumps([body, body])                        # JSON, not an object
    return text


async def one_page(client, rng: random.Random, frames: int) -> None:
    ws = await client.ws_connect("/kiosk/ws", headers={
        "Origin": f"http://{client.host}:{client.port}"}, max_msg_size=0)
    try:
        for _ in range(frames):
            if ws.closed:
                return
            roll = rng.random()
            if roll < 0.6:
                await ws.send_str(message(rng))
            elif roll < 0.85:
                size = rng.choice([0, 1, 3, 3200, 3201, 64 * 1024, 64 * 1024 + 2, 300 * 1024])
                await ws.send_bytes(rng.randbytes(size))
            elif roll < 0.9:
                await ws.ping(rng.randbytes(rng.randrange(0, 100)))
            elif roll < 0.95:
                await asyncio.sleep(rng.random() * 0.05)      # let turns start
            else:
                break                                          # the page goes mid-stream
            if rng.random() < 0.3:
                try:
                    await asyncio.wait_for(ws.receive(), 0.01)
                except asyncio.TimeoutError:
                    pass
    except (ConnectionResetError, aiohttp.ClientError):
        pass
    finally:
        await ws.close()


@pytest.fixture
async def client(aiohttp_client, tmp_path, fake_rasa):
    settings = load_settings(env={}, rasa_url=fake_rasa.url, action_url=fake_rasa.url,
                             rasa_timeout=5, data_dir=str(tmp_path), asr_model_cmn=KO_MODEL,
                             limit_kiosk_sockets_per_address=100, limit_kiosk_messages="0")
    return await aiohttp_client(create_app(settings))


async def test_a_flood_of_broken_frames_leaves_the_gateway_healthy(client, caplog):
    caplog.set_level(logging.INFO)
    rng = random.Random(20260613)
    for round_ in range(4):
        await asyncio.gather(*(one_page(client, random.Random(rng.random()), 120)
                               for _ in range(12)))
    # a new page is served as ever
    ws = await client.ws_connect("/kiosk/ws", headers={
        "Origin": f"http://{client.host}:{client.port}"})
    await ws.send_json({"type": "start", "language": "cmn"})
    await ws.send_json({"type": "text", "text": "社保卡"})
    async with asyncio.timeout(30):
        while True:
            frame = await ws.receive()
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            got = json.loads(frame.data)
            if got.get("type") == "reply" and "社保卡" in json.dumps(got, ensure_ascii=False):
                break
    await ws.close()
    health = await client.get("/healthz")
    assert health.status == 200
    # the dropped pages are gone: no socket held, none in the hub
    hub, limits = client.app[KIOSK_HUB], client.app[LIMITS]
    async with asyncio.timeout(30):
        while limits.kiosk_sockets.held() or hub.channel.visits:
            await asyncio.sleep(0.1)
    assert "unhandled error" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[-3000:]

"""An attacker's view of the gateway: each finding of issue 13 tried against a gateway
(in-process with the Rasa stand-in, or the real stack) the way an attacker would."""
from __future__ import annotations

from typing import Any

import pytest

from bot.settings import Settings, load_settings
from channels.gateway.app import create_app


@pytest.fixture
def make_settings(tmp_path, fake_rasa):
    def make(**overrides: Any) -> Settings:
        values = dict(rasa_url=fake_rasa.url, action_url=fake_rasa.url, rasa_timeout=5,
                      data_dir=str(tmp_path))
        return load_settings(env={}, **{**values, **overrides})
    return make


@pytest.fixture
def make_client(aiohttp_client, make_settings):
    async def make(**overrides: Any):
        return await aiohttp_client(create_app(make_settings(**overrides)))
    return make


async def open_conversation(client, address: str = "", **body: Any) -> dict[str, Any]:
    """POST /api/conversations (from `address`, when the gateway trusts 127.0.0.1 as a
    proxy); the answer, with the headers the conversation's later calls carry."""
    headers = {"X-Forwarded-For": address} if address else {}
    resp = await client.post("/api/conversations", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    opened = await resp.json()
    opened["headers"] = {"Authorization": f"Bearer {opened['token']}", **headers}
    return opened


async def say(client, opened: dict[str, Any], text: str, status: int = 200) -> dict[str, Any]:
    resp = await client.post("/api/chat", json={"text": text}, headers=opened["headers"])
    body = await resp.json()
    assert resp.status == status, body
    return body

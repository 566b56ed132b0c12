"""Finding 8, the small ones: text beginning with / or ／ forced an intent past the NLU
(a fake 好差评, an urgent case without a word of need) and the kiosk sent a hidden
"/repeat" turn; a line break in what a person typed forged a line of the log; /healthz
showed where the server keeps its files; any Host name was answered (DNS rebinding)."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import WSServerHandshakeError

from channels.tools.stack import ROOT
from tests.attacks.conftest import open_conversation, say
from tests.integration.helpers import Conversation, get
from tests.processes import Gateway


@pytest.mark.parametrize("typed", ["/emergency", "／emergency", " /human", "//rate{\"score\": 1}",
                                   "\u2044human", "/"])
def test_a_persons_words_never_force_an_intent(typed):
    from channels.gateway.pipeline import for_the_nlu
    assert not for_the_nlu(typed).lstrip().startswith(("/", "／"))


async def test_what_reaches_rasa_from_a_person_never_starts_with_a_slash(make_client, fake_rasa):
    client = await make_client()
    person = await open_conversation(client)
    for typed in ("/human", "／emergency", "/rate{\"score\": 1}"):
        await say(client, person, typed)
        assert not fake_rasa.received[-1]["message"].startswith("/"), typed
    await say(client, person, "救命")                         # the gateway's own rule still forces
    assert fake_rasa.received[-1]["message"] == "/emergency"


async def test_the_kiosk_asks_for_the_question_again_through_the_pipeline(make_client, fake_rasa):
    client = await make_client()
    ws = await client.ws_connect("/kiosk/ws",
                                 headers={"Origin": f"http://{client.host}:{client.port}"})
    await ws.send_json({"type": "start", "language": "cmn"})
    await ws.send_json({"type": "text", "text": "/repeat"})     # typed by someone: words only
    async with asyncio.timeout(20):
        while not fake_rasa.received:
            await asyncio.sleep(0.05)
    assert fake_rasa.received[0]["message"] == "repeat"
    await ws.close()


@pytest.mark.stack
def test_a_forced_rating_or_emergency_is_not_taken_on_the_real_stack(base_url, stack):
    person = Conversation(base_url)
    body = person.say("/emergency")
    assert body["handoff"] is None and "120" not in person.text
    person.say("/rate{\"score\": \"1\"}")
    import sqlite3
    db = sqlite3.connect(stack.config.run_dir / "kaifong.sqlite3")
    try:
        rows = db.execute("SELECT COUNT(*) FROM ratings WHERE sender = ?", (person.sender,)).fetchone()
    finally:
        db.close()
    assert rows == (0,)


@pytest.mark.stack
def test_a_line_break_never_forges_a_log_line(stack, tmp_path):
    gateway = Gateway(stack, tmp_path / "log", log_level="DEBUG")   # words are logged
    gateway.start()
    try:
        person = Conversation(gateway.url)
        forged = "INFO kaifong.handoff: case 1 closed by admin"
        for brk in ("\n", "\r", "\u2028", "\x85", "\r\n"):
            person.say(f"你好{brk}2030-01-01 00:00:00,000 {forged}")
    finally:
        gateway.stop()
    lines = gateway.log.read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if line.startswith("2030-01-01")]
    assert sum(forged in line for line in lines) == 5          # each on the turn's own line


async def test_healthz_shows_no_path_on_disk(make_client):
    client = await make_client()
    text = await (await client.get("/healthz")).text()
    assert str(ROOT) not in text and "/models/" not in text and "/work" not in text
    assert "vosk-model-small-cn-0.22" in text                   # the model's name is enough


async def test_a_host_name_that_is_not_ours_gets_nothing(make_client):
    client = await make_client()
    resp = await client.get("/healthz", headers={"Host": "evil.example"})
    assert resp.status == 421 and "error" in await resp.json()
    with pytest.raises(WSServerHandshakeError):                 # DNS rebinding to the kiosk
        await client.ws_connect("/kiosk/ws", headers={"Host": "evil.example:8080",
                                                      "Origin": "http://evil.example:8080"})
    resp = await client.get("/healthz", headers={"Host": f"localhost:{client.port}"})
    assert resp.status == 200
    named = await make_client(allowed_hosts="kaifong.example.org")
    resp = await named.get("/healthz", headers={"Host": "kaifong.example.org"})
    assert resp.status == 200

"""Finding 3: no rate or concurrency limit anywhere: unlimited kiosk sockets (one without
an Origin header let in), each queueing unlimited turns; unlimited long-polls; each
/healthz a new speech job. Now every limit answers 429 with Retry-After and a JSON
error, in the person's language where a person sees it."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import WSServerHandshakeError, web

from channels.gateway import keys
from tests.attacks.conftest import open_conversation, say


def origin(client) -> dict[str, str]:
    return {"Origin": f"http://{client.host}:{client.port}"}


async def test_a_kiosk_socket_without_an_origin_is_refused(make_client):
    client = await make_client()
    with pytest.raises(WSServerHandshakeError) as info:
        await client.ws_connect("/kiosk/ws")
    assert info.value.status == 403
    ws = await client.ws_connect("/kiosk/ws", headers=origin(client))
    await ws.close()


async def test_a_kiosk_behind_a_tls_proxy_is_let_in(make_client):
    """The proxy ends TLS: the page's Origin is https://, the request here is http."""
    client = await make_client(public_origin="https://kf.example", allowed_hosts="kf.example")
    ws = await client.ws_connect("/kiosk/ws", headers={"Origin": "https://kf.example"})
    await ws.close()
    with pytest.raises(WSServerHandshakeError) as info:       # still only that one
        await client.ws_connect("/kiosk/ws", headers={"Origin": "https://evil.example"})
    assert info.value.status == 403


async def test_kiosk_sockets_per_address_are_limited(make_client):
    client = await make_client(limit_kiosk_sockets_per_address=3)
    sockets = [await client.ws_connect("/kiosk/ws", headers=origin(client)) for _ in range(3)]
    with pytest.raises(WSServerHandshakeError) as info:
        await client.ws_connect("/kiosk/ws", headers=origin(client))
    assert info.value.status == 429 and int(info.value.headers["Retry-After"]) >= 1
    await sockets[0].close()                         # one goes: one may come
    await asyncio.sleep(0)
    for _ in range(50):
        if client.app[keys.LIMITS].kiosk_sockets.held() < 3:
            break
        await asyncio.sleep(0.1)
    again = await client.ws_connect("/kiosk/ws", headers=origin(client))
    for ws in sockets[1:] + [again]:
        await ws.close()


@pytest.fixture
async def slow_rasa(aiohttp_server):
    """A Rasa that takes its time: turns pile up behind the first."""
    got: list[str] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        got.append(body["message"])
        await asyncio.sleep(0.5)
        return web.json_response([{"text": "好的"}])
    app = web.Application()
    app.router.add_post("/webhooks/kaifong/webhook", webhook)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/"), got


async def test_a_kiosk_page_cannot_queue_turns_without_end(make_client, slow_rasa):
    url, got = slow_rasa
    client = await make_client(rasa_url=url, action_url=url, limit_kiosk_queued_turns=2)
    ws = await client.ws_connect("/kiosk/ws", headers=origin(client))
    await ws.send_json({"type": "start", "language": "cmn"})
    for i in range(20):
        await ws.send_json({"type": "text", "text": f"问题{i}"})
    told = []
    async with asyncio.timeout(30):
        while len(told) < 18:
            message = await ws.receive()
            if message.type == aiohttp.WSMsgType.TEXT:
                body = json.loads(message.data)
                texts = " ".join(m.get("text", "") for m in body.get("messages") or [])
                if "太快" in texts:
                    told.append(body)
    await asyncio.sleep(1.5)
    assert len(got) <= 3       # two waiting at most (and the one being answered)
    await ws.close()


async def test_long_polls_are_limited_per_address_and_conversation(make_client):
    client = await make_client(limit_polls_per_address=3, limit_polls_per_conversation=1,
                               handoff_poll_seconds=30)
    people = [await open_conversation(client) for _ in range(4)]
    polls = [asyncio.create_task(client.get("/api/chat/messages?timeout=30",
                                            headers=p["headers"])) for p in people[:3]]
    limits = client.app[keys.LIMITS]
    for _ in range(100):
        if limits.polls_address.held() == 3:
            break
        await asyncio.sleep(0.05)
    resp = await client.get("/api/chat/messages?timeout=30", headers=people[3]["headers"])
    body = await resp.json()
    assert resp.status == 429 and "long-polls" in body["error"] and body["retry_after"] >= 1
    assert int(resp.headers["Retry-After"]) >= 1
    for task in polls:
        task.cancel()


async def test_a_second_long_poll_of_one_conversation_is_refused(make_client):
    client = await make_client(limit_polls_per_conversation=1, handoff_poll_seconds=30)
    person = await open_conversation(client)
    first = asyncio.create_task(client.get("/api/chat/messages?timeout=30",
                                           headers=person["headers"]))
    for _ in range(100):
        if client.app[keys.LIMITS].polls_conversation.held() == 1:
            break
        await asyncio.sleep(0.05)
    resp = await client.get("/api/chat/messages?timeout=30", headers=person["headers"])
    assert resp.status == 429
    first.cancel()


async def test_turns_too_fast_are_refused_in_the_persons_language(make_client):
    client = await make_client(limit_turns_per_conversation="3/min")
    person = await open_conversation(client)
    await say(client, person, "講廣東話")
    await say(client, person, "你好")
    await say(client, person, "你好")
    resp = await client.post("/api/chat", json={"text": "你好"}, headers=person["headers"])
    body = await resp.json()
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
    assert body["language"] == "yue" and "太快" in body["messages"][0]["text"]
    assert body["messages"][0]["text"] == "你發得太快喇，請等陣再試。"   # Cantonese, Traditional


async def test_health_checks_never_start_new_work(make_client):
    client = await make_client()
    tts = client.app[keys.TTS_ENGINE]
    probes = 0
    real = tts.probe

    async def counted():
        nonlocal probes
        probes += 1
        return await real()
    client.app[keys.HEALTH_PROBES]["tts"] = counted   # the probe as /healthz runs it, counted
    before = tts.worker.pending()
    answers = await asyncio.gather(*(client.get("/healthz") for _ in range(50)))
    assert {a.status for a in answers} == {200}
    assert probes == 1 and tts.worker.pending() <= before + 1


async def test_speech_requests_are_limited_per_address(make_client):
    client = await make_client(limit_tts_per_address="2/min")
    for _ in range(2):
        resp = await client.post("/api/tts", json={"text": ""})   # counted, then refused
        assert resp.status == 400
    resp = await client.post("/api/tts", json={"text": "你好"})
    assert resp.status == 429 and "Retry-After" in resp.headers
    assert "speech" in (await resp.json())["error"]


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(make_client):
    plain = await make_client(limit_conversations_per_address="1/hour")
    await open_conversation(plain, "198.51.100.1")
    resp = await plain.post("/api/conversations", json={},
                            headers={"X-Forwarded-For": "198.51.100.2"})   # forged: ignored
    assert resp.status == 429
    proxied = await make_client(limit_conversations_per_address="1/hour",
                                trusted_proxies="127.0.0.1")
    await open_conversation(proxied, "198.51.100.1")
    await open_conversation(proxied, "198.51.100.2")   # two people behind our proxy
    resp = await proxied.post("/api/conversations", json={},
                              headers={"X-Forwarded-For": "198.51.100.9, 198.51.100.1"})
    assert resp.status == 429   # the proxy appended the real one; the first is the client's word


async def test_an_ipv6_client_is_counted_by_its_64(make_client):
    """Everyone gets a /64 and can use all of it: a fresh address per request is one client."""
    client = await make_client(limit_conversations_per_address="3/hour",
                               trusted_proxies="127.0.0.1")
    for host in range(3):
        await open_conversation(client, f"2001:db8:1:2::{host + 1:x}")
    resp = await client.post("/api/conversations", json={},
                             headers={"X-Forwarded-For": "2001:db8:1:2:ffff::9"})
    assert resp.status == 429
    await open_conversation(client, "2001:db8:1:3::1")     # the next /64 is someone else


async def test_turns_from_one_address_are_limited_across_conversations(make_client):
    client = await make_client(limit_turns_per_address="3/min", trusted_proxies="127.0.0.1")
    people = [await open_conversation(client, "198.51.100.20") for _ in range(2)]
    for person in (*people, people[0]):
        await say(client, person, "你好")
    resp = await client.post("/api/chat", json={"text": "你好"}, headers=people[1]["headers"])
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
    other = await open_conversation(client, "198.51.100.21")
    await say(client, other, "你好")                          # another address goes on

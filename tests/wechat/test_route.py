"""The layer over HTTP, behind a minimal route written the way stage 2 will
mount it in the gateway: errors become 400/403/413, a text gets a passive
reply (sealed in safe mode), anything else gets `success`."""
from __future__ import annotations

import time

import pytest
import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.parser import parse_message as wechatpy_parse

from channels.wechat.errors import RequestError
from channels.wechat.messages import Text
from channels.wechat.reply import SUCCESS, text_reply
from channels.wechat.request import RequestChecker, read_body
from tests.wechat.wechat_peer import (AES_KEY, APP_ID, TOKEN, config, encrypted_request,
                                      message_xml, signed_query)


def make_app(checker: RequestChecker) -> web.Application:
    limit = checker.config.max_body_bytes

    async def verify(request: web.Request) -> web.Response:
        try:
            return web.Response(text=checker.verify_url(request.query, time.time()))
        except RequestError as exc:
            return web.json_response({"error": str(exc)}, status=exc.status)

    async def receive(request: web.Request) -> web.Response:
        try:
            inbound = checker.open(request.query, await read_body(request, limit), time.time())
        except RequestError as exc:
            return web.json_response({"error": str(exc)}, status=exc.status)
        if not isinstance(inbound.message, Text):
            return web.Response(text=SUCCESS)
        now = time.time()
        reply = text_reply(inbound.message, "收到：" + inbound.message.content, now)
        return web.Response(text=checker.seal(inbound, reply, now), content_type="application/xml")

    app = web.Application(client_max_size=limit * 4)
    app.router.add_get(checker.config.path, verify)
    app.router.add_post(checker.config.path, receive)
    return app


@pytest.fixture
async def client(aiohttp_client):
    return await aiohttp_client(make_app(RequestChecker(config())))


async def test_url_check(client):
    response = await client.get("/wechat", params=signed_query(echostr="5837397520665436492"))
    assert response.status == 200 and await response.text() == "5837397520665436492"


async def test_wrong_signature_is_403(client):
    response = await client.get("/wechat", params=signed_query(token="wrongToken", echostr="1"))
    assert response.status == 403 and "signature" in (await response.json())["error"]


async def test_replayed_request_is_403(client):
    query = signed_query(timestamp=int(time.time()) - 3600)
    response = await client.post("/wechat", params=query, data=message_xml("text", Content="x"))
    assert response.status == 403


async def test_plain_text_gets_a_passive_reply(client):
    response = await client.post("/wechat", params=signed_query(),
                                 data=message_xml("text", Content="養老金"))
    assert response.status == 200
    assert wechatpy_parse(await response.text()).content == "收到：養老金"


async def test_safe_mode_over_http(client):
    query, body = encrypted_request(message_xml("text", Content="长者卡"))
    response = await client.post("/wechat", params=query, data=body)
    fields = xmltodict.parse(await response.text())["xml"]
    inner = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
        fields, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
    assert wechatpy_parse(inner).content == "收到：长者卡"


async def test_event_gets_success(client):
    body = message_xml("event", msg_id=None, Event="subscribe")
    response = await client.post("/wechat", params=signed_query(), data=body)
    assert await response.text() == "success"


async def test_oversize_body_is_413(client):
    response = await client.post("/wechat", params=signed_query(),
                                 data=message_xml("text", Content="长" * 30000))
    assert response.status == 413


async def test_oversize_chunked_body_is_413(client):
    async def chunks():
        for _ in range(100):
            yield b"<xml>" + b"x" * 1000

    response = await client.post("/wechat", params=signed_query(), data=chunks())
    assert response.status == 413


async def test_xxe_and_broken_xml_are_400(client):
    xxe = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>'
    for body in (xxe, b"<xml><Content>"):
        response = await client.post("/wechat", params=signed_query(), data=body)
        assert response.status == 400

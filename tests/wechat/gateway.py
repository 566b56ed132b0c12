"""The gateway with the WeChat channel configured, as the tests drive it: a
follower writing to the account the way WeChat's servers deliver it (requests
signed, and in safe mode sealed, by wechatpy), the account's HTTP API stood in
for by fake_wechat.py, and a Rasa stand-in for what the real bot cannot be made
to do on demand (options on cue, a very long answer, a slow turn)."""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any, Optional

import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.parser import parse_message as wechatpy_parse

from bot.texts import say
from tests.conftest import FakeRasa
from tests.wechat.wechat_peer import (AES_KEY, APP_ID, OPENID, TOKEN, encrypted_request,
                                      message_xml, signed_query)

_msg_ids = itertools.count(int(time.time()) * 1000)


def new_msg_id() -> str:
    return str(next(_msg_ids))


@dataclass
class Answer:
    status: int
    raw: str
    content: Optional[str]    # the passive reply's text; None for `success` or an error

    @property
    def success(self) -> bool:
        return self.status == 200 and self.raw == "success"


class Follower:
    """One person writing to the account."""

    def __init__(self, client: Any, openid: str = OPENID, encrypted: bool = False,
                 path: str = "/wechat") -> None:
        self.client, self.openid, self.encrypted, self.path = client, openid, encrypted, path

    async def post(self, xml: bytes) -> Answer:
        if self.encrypted:
            query, body = encrypted_request(xml)
        else:
            query, body = signed_query(openid=self.openid), xml
        response = await self.client.post(self.path, params=query, data=body,
                                          headers={"Content-Type": "text/xml"})
        raw = await response.text()
        if response.status != 200 or raw == "success":
            return Answer(response.status, raw, None)
        return Answer(response.status, raw, self.read_reply(raw))

    def read_reply(self, raw: str) -> str:
        if self.encrypted:
            fields = xmltodict.parse(raw)["xml"]
            raw = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
                fields, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
        reply = wechatpy_parse(raw)
        assert reply.type == "text" and reply.target == self.openid, raw
        return reply.content

    def xml(self, kind: str, msg_id: Optional[str] = None, **fields: str) -> bytes:
        return message_xml(kind, msg_id=msg_id or new_msg_id(), from_user=self.openid, **fields)

    async def text(self, content: str, msg_id: Optional[str] = None) -> Answer:
        return await self.post(self.xml("text", msg_id, Content=content))

    async def voice(self, media_id: str, recognition: Optional[str] = None) -> Answer:
        fields = {"MediaId": media_id, "Format": "amr"}
        if recognition is not None:
            fields["Recognition"] = recognition
        return await self.post(self.xml("voice", **fields))

    async def event(self, event: str, key: str = "", create_time: Optional[int] = None) -> Answer:
        return await self.post(message_xml("event", msg_id=None, from_user=self.openid,
                                           create_time=create_time, Event=event, EventKey=key))


class WeChatRasa(FakeRasa):
    """FakeRasa (tests/conftest.py) and, on cue: options (「长者卡」 brings four
    numbered buttons), a very long answer (「很长」), and slowness (`delay`)."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.started = asyncio.Event()   # a turn reached Rasa

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        text = body["message"]
        language = (body.get("metadata") or {}).get("language", "cmn")
        if "长者卡" in text and "真人" not in text:
            self.received.append(body)
            self.service[body["sender"]] = "senior_card"
            return web.json_response([
                {"text": "长者卡给65岁以上的人。"},
                {"text": say("options_prompt", language), "buttons": [
                    {"title": f"{n} " + say(key, language), "payload": str(n)}
                    for n, key in enumerate(("option_materials", "option_where",
                                             "option_online"), 1)]}])
        if "很长" in text:
            self.received.append(body)
            return web.json_response([{"text": "这是很长的回答的一句话。" * 200}])
        return await super().webhook(request)

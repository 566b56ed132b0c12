"""A local stand-in for WeChat's HTTP API (api.weixin.qq.com), written from the
public documentation of the calls Kaifong makes:

  GET  /cgi-bin/token?grant_type=client_credential&appid=&secret=
       -> {"access_token": "...", "expires_in": 7200} | {"errcode": 40013 / 40125, ...}
  POST /cgi-bin/message/custom/send?access_token=   {"touser", "msgtype": "text", "text": {"content"}}
       -> {"errcode": 0, "errmsg": "ok"} | 40001 / 42001 / 45015 / -1 ...
  GET  /cgi-bin/media/get?access_token=&media_id=
       -> the file (Content-Type audio/amr, Content-disposition) | {"errcode": 40007, ...}
  GET  /cgi-bin/user/info?access_token=&openid=&lang=zh_CN
       -> {"subscribe": 1, "openid": ..., "nickname": ...}
  POST /cgi-bin/menu/create?access_token=   {"button": [...]}  -> {"errcode": 0, "errmsg": "ok"}

It records what it received and can be told to answer the next calls with a
failure: a token expired (42001) or invalid (40001, 40014), system busy (-1),
HTTP 500, 45015 (outside the 48-hour window), or slowly.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from aiohttp import web

TOKEN_ERRMSG = {40001: "invalid credential, access_token is invalid or not latest",
                40014: "invalid access_token", 42001: "access_token expired"}


@dataclass
class Received:
    path: str
    query: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)


class FakeWeChat:
    def __init__(self, app_id: str, secret: str) -> None:
        self.app_id, self.secret = app_id, secret
        self.received: list[Received] = []
        self.tokens: dict[str, int] = {}          # token -> 0 (valid) or the errcode it now gets
        self.issued: list[str] = []
        self.sent: list[tuple[str, str]] = []     # (touser, content) accepted
        self.media: dict[str, tuple[bytes, str]] = {}
        self.nicknames: dict[str, str] = {}
        self.menus: list[Any] = []
        self.expires_in = 7200
        self.token_delay = 0.0                    # seconds before /cgi-bin/token answers
        self.slow_seconds = 2.0
        self.chunked_media = False
        self.new_token_state = 0                  # an errcode: every new token is refused
        self._next: dict[str, list[str]] = {}
        self.base = ""                            # http://127.0.0.1:<port>, set when started

    # --- what the test sets up ------------------------------------------------

    def fail_next(self, endpoint: str, *behaviours: str) -> None:
        """endpoint: token, send, media, user; behaviours: busy, http500, slow, 45015."""
        self._next.setdefault(endpoint, []).extend(behaviours)

    def expire_tokens(self, errcode: int = 42001) -> None:
        for token in self.tokens:
            self.tokens[token] = errcode

    def calls(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    # --- the server -------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self.token)
        app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
        app.router.add_get("/cgi-bin/media/get", self.media_get)
        app.router.add_get("/cgi-bin/user/info", self.user_info)
        app.router.add_post("/cgi-bin/menu/create", self.menu_create)
        return app

    async def _behaviour(self, endpoint: str) -> Optional[web.Response]:
        queue = self._next.get(endpoint)
        behaviour = queue.pop(0) if queue else None
        if behaviour == "busy":
            return web.json_response({"errcode": -1, "errmsg": "system error"})
        if behaviour == "http500":
            return web.Response(status=500, text="<html>500 Internal Server Error</html>")
        if behaviour == "slow":
            await asyncio.sleep(self.slow_seconds)
        if behaviour == "45015":
            return web.json_response({"errcode": 45015, "errmsg":
                                      "response out of time limit or subscription is canceled"})
        return None

    def _token_error(self, request: web.Request) -> Optional[web.Response]:
        token = request.query.get("access_token")
        if not token:
            return web.json_response({"errcode": 41001, "errmsg": "access_token missing"})
        errcode = self.tokens.get(token, 40001)
        if errcode:
            return web.json_response({"errcode": errcode, "errmsg": TOKEN_ERRMSG[errcode]})
        return None

    async def token(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.path, dict(request.query), None))
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        failure = await self._behaviour("token")
        if failure is not None:
            return failure
        q = request.query
        if q.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        if q.get("appid") != self.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = secrets.token_urlsafe(48)
        self.tokens[token] = self.new_token_state
        self.issued.append(token)
        return web.json_response({"access_token": token, "expires_in": self.expires_in})

    async def custom_send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self.received.append(Received(request.path, dict(request.query), body))
        failure = self._token_error(request) or await self._behaviour("send")
        if failure is not None:
            return failure
        if not isinstance(body, dict) or not body.get("touser"):
            return web.json_response({"errcode": 44002, "errmsg": "empty post data"})
        if body.get("msgtype") != "text" or not isinstance(body.get("text"), dict):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        content = body["text"].get("content", "")
        if len(content.encode("utf-8")) > 2048:
            return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        self.sent.append((body["touser"], content))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def media_get(self, request: web.Request) -> web.StreamResponse:
        self.received.append(Received(request.path, dict(request.query), None))
        failure = self._token_error(request) or await self._behaviour("media")
        if failure is not None:
            return failure
        media_id = request.query.get("media_id", "")
        if media_id not in self.media:
            # WeChat answers errors of this call as JSON with a text/plain type
            return web.Response(text=json.dumps({"errcode": 40007, "errmsg": "invalid media_id"}),
                                content_type="text/plain")
        data, content_type = self.media[media_id]
        headers = {"Content-disposition": f'attachment; filename="{media_id}.amr"'}
        if not self.chunked_media:
            return web.Response(body=data, content_type=content_type, headers=headers)
        response = web.StreamResponse(headers={**headers, "Content-Type": content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for i in range(0, len(data), 4096):
            await response.write(data[i:i + 4096])
        await response.write_eof()
        return response

    async def user_info(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.path, dict(request.query), None))
        failure = self._token_error(request) or await self._behaviour("user")
        if failure is not None:
            return failure
        openid = request.query.get("openid", "")
        if openid not in self.nicknames:
            return web.json_response({"errcode": 40003, "errmsg": "invalid openid"})
        return web.json_response({"subscribe": 1, "openid": openid, "language": "zh_CN",
                                  "nickname": self.nicknames[openid]})

    async def menu_create(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            body = None
        self.received.append(Received(request.path, dict(request.query), body))
        failure = self._token_error(request)
        if failure is not None:
            return failure
        buttons = body.get("button") if isinstance(body, dict) else None
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return web.json_response({"errcode": 40017, "errmsg": "invalid button size"})
        self.menus.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

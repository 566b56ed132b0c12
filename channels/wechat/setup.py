"""Wire WeChat into the gateway: the route WeChat calls, the channel that pushes
staff replies, and the account's HTTP API client. Off until configured: without
`wechat_token` there is no route (404) and no channel.

    GET  {wechat_path}   WeChat's URL check: the echostr back
    POST {wechat_path}   a message: the passive answer (XML, sealed in safe mode)
                         or `success`; refused requests get a JSON 400/403/413
"""
from __future__ import annotations

import logging
import time
from typing import AsyncIterator

import aiohttp
from aiohttp import web

from bot.settings import SettingsError
from channels.gateway.http import body_seconds, json_error
from channels.gateway.keys import (ASR_ENGINE, ASR_SLOTS, CATALOG, CHANNELS, DATABASE, HANDOFF,
                                   PIPELINE, SETTINGS)
from channels.wechat import dedupe, followers
from channels.wechat.api import WeChatApi
from channels.wechat.config import ConfigError, WeChatConfig
from channels.wechat.errors import RequestError
from channels.wechat.reply import SUCCESS, text_reply
from channels.wechat.request import read_body
from channels.wechat.service import WeChatService

log = logging.getLogger("kaifong.wechat")

WECHAT = web.AppKey("wechat", WeChatService)
SEND_MARGIN = 5.0    # seconds beyond Rasa's timeout for the last answers to go out at shutdown


def setup_wechat(app: web.Application) -> None:
    """Register after the core: the channel uses the database, the desk and the pipeline.
    A wrong wechat_* setting stops start-up with one line naming it."""
    settings = app[SETTINGS]
    if not settings.wechat_token:
        return
    try:
        config = WeChatConfig.from_settings(settings)
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None
    service = WeChatService(settings, config)
    app[WECHAT] = service
    app[CHANNELS].register(service.channel)
    app.router.add_get(config.path, verify)
    app.router.add_post(config.path, receive)
    app.cleanup_ctx.append(_running)


async def _running(app: web.Application) -> AsyncIterator[None]:
    service, db = app[WECHAT], app[DATABASE]
    await db.apply(dedupe.SCHEMA)
    await db.apply(followers.SCHEMA)
    turns = service.turns
    turns.pipeline, turns.services = app[PIPELINE], app[CATALOG]
    turns.asr, turns.asr_slots = app[ASR_ENGINE], app[ASR_SLOTS]
    async with aiohttp.ClientSession() as http:
        service.channel.attach(db, WeChatApi.from_config(http, service.config), app[HANDOFF])
        service.start(db)
        try:
            yield
        finally:   # turns still running get their answers out before anything closes
            await service.stop(app[SETTINGS].rasa_timeout + SEND_MARGIN)


async def verify(request: web.Request) -> web.Response:
    service = request.app[WECHAT]
    try:
        echostr = service.checker.verify_url(request.query, time.time())
    except RequestError as exc:
        return _refused(request, exc)
    return web.Response(text=echostr)


async def receive(request: web.Request) -> web.Response:
    service = request.app[WECHAT]
    try:
        body = await read_body(request, service.config.max_body_bytes, body_seconds(request))
        inbound = service.checker.open(request.query, body, time.time())
    except RequestError as exc:
        return _refused(request, exc)
    text = await service.handle(inbound)
    if not text:
        return web.Response(text=SUCCESS)
    now = time.time()
    reply = service.checker.seal(inbound, text_reply(inbound.message, text, now), now)
    return web.Response(text=reply, content_type="application/xml")


def _refused(request: web.Request, exc: RequestError) -> web.Response:
    # the path only: the query holds the signature and the person's OpenID
    log.warning("wechat: %s %s refused (%d): %s", request.method, request.path, exc.status, exc)
    return json_error(str(exc), exc.status)

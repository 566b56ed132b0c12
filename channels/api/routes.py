"""The public JSON API: /api/conversations, /api/chat, the long-poll, /api/understand,
/healthz and the API's own description (/api/openapi.json). See the main README.

A conversation belongs to whoever opened it: `POST /api/conversations` gives a token,
and every later call presents it (`Authorization: Bearer <token>`). Without the right
token the answer is 401, the same whether the conversation exists or not.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from aiohttp import web

from channels.api.channel import ApiChannel
from channels.gateway.conversations import Conversation
from channels.gateway.http import BadRequest, json_error, json_ok, read_json_object, text_field
from channels.gateway.keys import (CHANNELS, CLIENTS, CONVERSATIONS, HANDOFF, HEALTH, LIMITS,
                                   PIPELINE, SETTINGS)
from channels.gateway.limits import Limited, seconds
from channels.gateway.pipeline import TurnResult
from channels.gateway.rasa_client import AssistantUnavailable

OPENAPI = Path(__file__).with_name("openapi.json")
API_CHANNEL = web.AppKey("api_channel", ApiChannel)
_USER_RE = re.compile(r"[A-Za-z0-9_.:@\-]{1,128}")   # whole (fullmatch): no line break
MAX_ID = 2 ** 53   # ids the long-poll takes: what JSON numbers hold exactly
NO_TOKEN = ("a conversation token is required: open a conversation with POST /api/conversations"
            " and send its token as 'Authorization: Bearer <token>'")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kaifong"'}


# --- reading a request -----------------------------------------------------------------

async def conversation_of(request: web.Request) -> Conversation:
    """The conversation the request's token opens; 401 otherwise (the same answer for a
    missing token, a wrong one and one of a conversation that never existed)."""
    # a wrong token costs its address a request: guessing is limited like talking, and an
    # address over its limit is refused before any lookup
    address, rate = request.app[CLIENTS].address(request), request.app[LIMITS].turns_address
    wait = rate.wait(address)
    if wait:
        raise Limited("requests from this address", wait)
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    found = None
    if scheme.lower() == "bearer" and token.strip():
        found = await request.app[CONVERSATIONS].find(token.strip())
    if found is None:
        rate.take(address)
        raise BadRequest(NO_TOKEN, 401, CHALLENGE)
    request.app[API_CHANNEL].seen(found)   # the integrator's user id, for staff
    return found


def _number(request: web.Request, name: str, kind: type, default: Any, low: float,
            high: float = MAX_ID) -> Any:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a number") from None
    if not math.isfinite(value) or value < low:
        raise BadRequest(f"'{name}' must be at least {low}")
    if value > high:
        raise BadRequest(f"'{name}' must be at most {high}")
    return value


# --- the routes -------------------------------------------------------------------------

async def open_conversation(request: web.Request) -> web.Response:
    """POST /api/conversations {"user": "<your own id for the person>"} (optional) ->
    201 {"conversation", "token", "user"}."""
    address = request.app[CLIENTS].address(request)
    request.app[LIMITS].conversations_address.check(address, "new conversations from this address")
    body = await read_json_object(request, allow_empty=True)
    user = body.get("user")
    if user is not None and (not isinstance(user, str) or not _USER_RE.fullmatch(user)):
        raise BadRequest("'user' must be 1-128 letters, digits or . _ - : @")
    source = request.app[CLIENTS].address_source(address)
    conversation, token = await request.app[CONVERSATIONS].create(source, user)
    request.app[API_CHANNEL].seen(conversation)
    return json_ok({"conversation": conversation.id, "token": token, "user": user}, 201)


def chat_body(result: TurnResult) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": result.messages, "language": result.language,
                            "script": result.script, "handoff": result.handoff}
    if result.unavailable:
        body["error"] = f"the assistant is unavailable ({result.unavailable})"
    return body


async def chat(request: web.Request) -> web.Response:
    """POST /api/chat {"text"} with the conversation's token: one turn."""
    conversation = await conversation_of(request)
    body = await read_json_object(request)
    text = text_field(body, "text", request.app[SETTINGS].max_text_chars)
    address = request.app[CLIENTS].address(request)
    pipeline = request.app[PIPELINE]
    try:
        request.app[LIMITS].turn(address, conversation.id)
    except Limited as exc:   # the person is told too, in their own language
        return _too_many(pipeline.notice(conversation.id, "too_many_requests"), exc)
    result = await pipeline.chat(conversation.id, text, channel="api",
                                 source=request.app[CLIENTS].address_source(address))
    if result.limited:
        return _too_many(result, Limited("cases from this address", result.limited))
    return json_ok(chat_body(result), 503 if result.unavailable else 200)


def _too_many(result: TurnResult, exc: Limited) -> web.Response:
    body = chat_body(result)
    body.update(error=str(exc), retry_after=seconds(exc.retry_after))
    return json_ok(body, 429, exc.headers)


async def chat_messages(request: web.Request) -> web.Response:
    """Long-poll for messages from staff: GET /api/chat/messages?after=N&timeout=S with
    the conversation's token.

    Answers at once when there are messages, else after up to `timeout` seconds
    (default and maximum: the handoff_poll_seconds setting) with none. Pass the
    `last_id` of the previous answer as `after`: that acknowledges everything up
    to it, and unacknowledged messages come again (none lost if an answer is).
    Without `after`, undelivered messages come once. `handoff` is the state now.
    """
    conversation = await conversation_of(request)
    limit = request.app[SETTINGS].handoff_poll_seconds
    after = _number(request, "after", int, None, 0)
    timeout = min(_number(request, "timeout", float, limit, 0, math.inf), limit)
    address = request.app[CLIENTS].address(request)
    limits = request.app[LIMITS]
    with limits.polls_address.hold(address, "long-polls open from this address"), \
            limits.polls_conversation.hold(conversation.id,
                                           "long-polls open for this conversation"):
        return json_ok(await request.app[HANDOFF].poll(conversation.id, after, timeout))


async def understand(request: web.Request) -> web.Response:
    """Stateless: no conversation, no token; counted as turns of the address."""
    address = request.app[CLIENTS].address(request)
    request.app[LIMITS].turns_address.check(address, "requests from this address")
    body = await read_json_object(request)
    text = text_field(body, "text", request.app[SETTINGS].max_text_chars)
    try:
        result = await request.app[PIPELINE].understand(text)
    except AssistantUnavailable as exc:
        return json_error(f"language understanding is unavailable ({exc.part})", 503)
    return json_ok(result)


async def healthz(request: web.Request) -> web.Response:
    """The parts' state from probes at most health_cache_seconds old: a health check
    never starts work of its own (speech.py: the probes run one at a time)."""
    components = await request.app[HEALTH].components()
    required = [n for n in components if n in ("rasa", "actions")]
    ok = all(components[n].get("ok") for n in required)
    return json_ok({"status": "ok" if ok else "degraded", "components": components})


async def openapi(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(OPENAPI, headers={"Content-Type": "application/json; charset=utf-8"})


async def gone(request: web.Request) -> web.Response:
    """The old long-poll by a client-chosen id: the id is no key any more."""
    return json_error("this path is gone: open a conversation with POST /api/conversations and"
                      " poll GET /api/chat/messages with its token", 410)


def setup_api_routes(app: web.Application) -> None:
    channel = ApiChannel()
    app[CHANNELS].register(channel)
    app[API_CHANNEL] = channel
    app.router.add_post("/api/conversations", open_conversation)
    app.router.add_post("/api/understand", understand)
    app.router.add_post("/api/chat", chat)
    app.router.add_get("/api/chat/messages", chat_messages)
    app.router.add_get("/api/chat/{sender}/messages", gone)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/healthz", healthz)

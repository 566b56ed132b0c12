"""The public JSON API: /api/understand, /api/chat, /healthz (see shared/DESIGN.md)."""
from __future__ import annotations

import asyncio
import math
import re
from typing import Any

from aiohttp import web

from channels.gateway.http import BadRequest, json_error, json_ok, read_json_object, text_field
from channels.gateway.keys import HANDOFF, PIPELINE, SETTINGS, HEALTH_PROBES
from channels.gateway.pipeline import TurnResult
from channels.gateway.rasa_client import AssistantUnavailable

_SENDER_RE = re.compile(r"^[\w.:@\-]{1,128}$")


async def understand(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    text = text_field(body, "text", request.app[SETTINGS].max_text_chars)
    try:
        result = await request.app[PIPELINE].understand(text)
    except AssistantUnavailable as exc:
        return json_error(f"language understanding is unavailable ({exc.part})", 503)
    return json_ok(result)


def chat_body(result: TurnResult) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": result.messages, "language": result.language,
                            "script": result.script, "handoff": result.handoff}
    if result.unavailable:
        body["error"] = f"the assistant is unavailable ({result.unavailable})"
    return body


async def chat(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    sender = _sender(body.get("sender"))
    text = text_field(body, "text", request.app[SETTINGS].max_text_chars)
    result = await request.app[PIPELINE].chat(sender, text, channel="api")
    return json_ok(chat_body(result), 503 if result.unavailable else 200)


def _sender(value: Any) -> str:
    if not isinstance(value, str) or not _SENDER_RE.match(value):
        raise BadRequest("'sender' must be 1-128 letters, digits or . _ - : @")
    return value


def _number(request: web.Request, name: str, kind: type, default: Any, low: float) -> Any:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a number") from None
    if not math.isfinite(value) or value < low:
        raise BadRequest(f"'{name}' must be at least {low}")
    return value


async def chat_messages(request: web.Request) -> web.Response:
    """Long-poll for messages from staff: GET /api/chat/{sender}/messages?after=N&timeout=S.

    Answers at once when there are messages, else after up to `timeout` seconds
    (default and maximum: the handoff_poll_seconds setting) with none. Pass the
    `last_id` of the previous answer as `after`: that acknowledges everything up
    to it, and unacknowledged messages come again (none lost if an answer is).
    Without `after`, undelivered messages come once. `handoff` is the state now.
    """
    sender = _sender(request.match_info["sender"])
    limit = request.app[SETTINGS].handoff_poll_seconds
    after = _number(request, "after", int, None, 0)
    timeout = min(_number(request, "timeout", float, limit, 0), limit)
    return json_ok(await request.app[HANDOFF].poll(sender, after, timeout))


async def healthz(request: web.Request) -> web.Response:
    probes = request.app[HEALTH_PROBES]
    names = list(probes)
    states = await asyncio.gather(*(probes[n]() for n in names))
    components = dict(zip(names, states))
    required = [n for n in names if n in ("rasa", "actions")]
    ok = all(components[n].get("ok") for n in required)
    return json_ok({"status": "ok" if ok else "degraded", "components": components})


def setup_api_routes(app: web.Application) -> None:
    app.router.add_post("/api/understand", understand)
    app.router.add_post("/api/chat", chat)
    app.router.add_get("/api/chat/{sender}/messages", chat_messages)
    app.router.add_get("/healthz", healthz)

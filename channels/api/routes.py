"""The public JSON API: /api/understand, /api/chat, /healthz (see shared/DESIGN.md)."""
from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from channels.http import BadRequest, json_ok, read_json_object, text_field
from channels.keys import PIPELINE, SETTINGS, HEALTH_PROBES
from channels.pipeline import TurnResult
from channels.rasa_client import AssistantUnavailable

_SENDER_RE = re.compile(r"^[\w.:@\-]{1,128}$")


async def understand(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    text = text_field(body, "text", request.app[SETTINGS].max_text_chars)
    try:
        result = await request.app[PIPELINE].understand(text)
    except AssistantUnavailable as exc:
        return json_ok({"error": f"language understanding is unavailable ({exc.part})"}, 503)
    return json_ok(result)


def chat_body(result: TurnResult) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": result.messages, "language": result.language,
                            "script": result.script, "handoff": result.signals.get("handoff_state")}
    if result.unavailable:
        body["error"] = f"the assistant is unavailable ({result.unavailable})"
    return body


async def chat(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    sender = body.get("sender")
    if not isinstance(sender, str) or not _SENDER_RE.match(sender):
        raise BadRequest("'sender' must be 1-128 letters, digits or . _ - : @")
    text = text_field(body, "text", request.app[SETTINGS].max_text_chars)
    result = await request.app[PIPELINE].chat(sender, text, channel="api")
    return json_ok(chat_body(result), 503 if result.unavailable else 200)


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
    app.router.add_get("/healthz", healthz)

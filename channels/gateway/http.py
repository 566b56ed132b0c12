"""HTTP helpers shared by every channel: JSON errors, limits answered as 429, and safe
body reading (a hard byte cap whatever the headers say, and a deadline)."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Optional

from aiohttp import web

from channels.gateway.keys import CLIENTS, SETTINGS
from channels.gateway.limits import Limited

log = logging.getLogger("kaifong.http")

BODY_SECONDS = 30.0   # a body that has not arrived by then is not coming (setting body_read_seconds)


class BadRequest(Exception):
    """A client mistake; becomes a 4xx JSON error."""

    def __init__(self, message: str, status: int = 400,
                 headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers


def _dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)   # Chinese as UTF-8, never \u escapes


def json_ok(body: Any, status: int = 200, headers: Optional[dict[str, str]] = None
            ) -> web.Response:
    """Every JSON answer of the gateway goes out here (errors through json_error)."""
    return web.json_response(body, status=status, headers=headers, dumps=_dumps)


def json_error(message: str, status: int, headers: Optional[dict[str, str]] = None,
               **extra: Any) -> web.Response:
    return json_ok({"error": message, **extra}, status, headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every error answers as JSON {"error": ...}; never a stack trace."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return json_error(str(exc), exc.status, exc.headers)
    except Limited as exc:
        return json_error(str(exc), 429, exc.headers, retry_after=int(exc.headers["Retry-After"]))
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        reason = {413: "request body too large"}.get(exc.status, exc.reason)
        kept = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        return json_error(reason, exc.status, kept)   # 405 says what is allowed
    except Exception:  # the last guard: log it, answer plainly, keep serving
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_error("internal error", 500)


@web.middleware
async def host_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Only the Host names of the setting allowed_hosts (and localhost): a page on a
    stranger's name that resolves here (DNS rebinding) gets nothing."""
    clients = request.app.get(CLIENTS)
    if clients is not None and not clients.host_allowed(request):
        raise BadRequest("this server does not answer to that Host name", 421)
    return await handler(request)


async def read_json_object(request: web.Request, allow_empty: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, or a clear 4xx; with `allow_empty`, no body is {}."""
    wrong_type = request.content_type != "application/json"
    if wrong_type and not allow_empty:
        raise BadRequest("Content-Type must be application/json", 415)
    raw = await read_body(request)
    if allow_empty and not raw.strip():
        return {}
    if wrong_type:
        raise BadRequest("Content-Type must be application/json", 415)
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("body must be UTF-8 encoded JSON") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


async def read_body(request: web.Request, seconds: Optional[float] = None) -> bytes:
    """The whole body, at most the app's client_max_size (aiohttp counts what arrives,
    whatever Content-Length says), within `seconds` (408 after)."""
    try:
        return await asyncio.wait_for(request.read(), seconds or body_seconds(request))
    except asyncio.TimeoutError:
        raise BadRequest("the request body did not arrive in time", 408) from None


def public_origin(request: web.Request) -> str:
    """Where the gateway's own pages come from, as a browser names it in Origin: the
    setting public_origin behind a reverse proxy (which may end TLS: the request here
    is http), else the request's own scheme and host."""
    settings = request.app.get(SETTINGS)
    configured = settings.public_origin if settings is not None else ""
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.host}"


def body_seconds(request: web.Request) -> float:
    settings = request.app.get(SETTINGS)
    return settings.body_read_seconds if settings is not None else BODY_SECONDS


def text_field(body: dict[str, Any], name: str, max_chars: int) -> str:
    value = body.get(name)
    if value is None:
        raise BadRequest(f"'{name}' is required")
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string")
    if not value.strip():
        raise BadRequest(f"'{name}' is empty")
    if len(value) > max_chars:
        raise BadRequest(f"'{name}' is too long: {len(value)} characters, at most {max_chars}", 413)
    if "\x00" in value:
        raise BadRequest(f"'{name}' contains a NUL character")
    return value

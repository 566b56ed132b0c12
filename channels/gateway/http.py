"""HTTP helpers shared by every channel: JSON errors and safe body reading."""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

from aiohttp import web

log = logging.getLogger("kaifong.http")


class BadRequest(Exception):
    """A client mistake; becomes a 4xx JSON error."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


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
        return json_error(str(exc), exc.status)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        reason = {413: "request body too large"}.get(exc.status, exc.reason)
        return json_error(reason, exc.status)
    except Exception:  # the last guard: log it, answer plainly, keep serving
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_error("internal error", 500)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a clear 4xx."""
    if request.content_type != "application/json":
        raise BadRequest("Content-Type must be application/json", 415)
    raw = await request.read()
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("body must be UTF-8 encoded JSON") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


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

"""Opening a request from WeChat: signature, timestamp window, safe mode, safe
XML, the message — or an error type whose `status` the route answers with.

    GET  {path}?signature&timestamp&nonce&echostr        -> verify_url -> echo echostr
    POST {path}?signature&timestamp&nonce&openid          plain mode
    POST {path}?…&encrypt_type=aes&msg_signature          safe or compatible mode

In compatible mode the body holds the plain fields and Encrypt; only the
encrypted copy is signed (msg_signature), so that is the one read, and the
reply is sealed too. The URL signature signs no part of the body.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Mapping, Optional

from aiohttp import web

from channels.wechat.config import WeChatConfig, decode_aes_key
from channels.wechat.crypto import MessageCrypto
from channels.wechat.errors import BadRequest, BodyTooLarge, BodyTooSlow, SafeModeNotConfigured
from channels.wechat.messages import Message, parse_message
from channels.wechat.safexml import parse_fields
from channels.wechat.signature import check_signature, check_timestamp

MAX_PARAM = 256
READ_CHUNK = 16 * 1024


@dataclass(frozen=True)
class Inbound:
    """A checked message and how to answer it."""
    message: Message
    encrypted: bool        # the reply must be sealed (safe or compatible mode)
    timestamp: str
    nonce: str


class RequestChecker:
    """One account's request checks; build once at start."""

    def __init__(self, config: WeChatConfig) -> None:
        self.config = config
        self.crypto: Optional[MessageCrypto] = None
        if config.aes_key:
            self.crypto = MessageCrypto(config.token, decode_aes_key(config.aes_key),
                                        config.app_id)

    def verify_url(self, query: Mapping[str, str], now: float) -> str:
        """The echostr to answer WeChat's URL check with (plain text, status 200)."""
        self._check_signed(query, now)
        echostr = _param(query, "echostr")
        if not echostr:
            raise BadRequest("echostr missing")
        return echostr

    def open(self, query: Mapping[str, str], body: bytes, now: float) -> Inbound:
        """The checked message of a POST."""
        timestamp, nonce = self._check_signed(query, now)
        fields = parse_fields(body, self.config.max_body_bytes)
        encrypt_type = _param(query, "encrypt_type").lower()
        if encrypt_type in ("", "raw"):
            return Inbound(parse_message(fields), False, timestamp, nonce)
        if encrypt_type != "aes":
            raise BadRequest("unknown encrypt_type")
        if self.crypto is None:
            raise SafeModeNotConfigured("WeChat sent an encrypted message: set wechat_aes_key")
        if not fields.get("Encrypt"):
            raise BadRequest("encrypt_type=aes but no Encrypt field")
        inner = self.crypto.decrypt(fields["Encrypt"], _param(query, "msg_signature"),
                                    timestamp, nonce)
        message = parse_message(parse_fields(inner, self.config.max_body_bytes))
        return Inbound(message, True, timestamp, nonce)

    def seal(self, inbound: Inbound, reply_xml: str, now: float) -> str:
        """The reply body: as it is in plain mode, encrypted when the request was."""
        if not inbound.encrypted or self.crypto is None:
            return reply_xml
        return self.crypto.seal(reply_xml, str(int(now)))

    def _check_signed(self, query: Mapping[str, str], now: float) -> tuple[str, str]:
        timestamp, nonce = _param(query, "timestamp"), _param(query, "nonce")
        if not timestamp or not nonce:
            raise BadRequest("timestamp or nonce missing")
        check_signature((self.config.token, timestamp, nonce), _param(query, "signature"))
        check_timestamp(timestamp, now, self.config.max_clock_skew)
        return timestamp, nonce


async def read_body(request: web.BaseRequest, max_bytes: int,
                    seconds: Optional[float] = None) -> bytes:
    """The request body, refused (BodyTooLarge) without reading past max_bytes, and
    (BodyTooSlow) when it has not all arrived within `seconds` (a slow body holds
    nothing of ours for longer)."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise BodyTooLarge(f"body is {request.content_length} bytes; the limit is {max_bytes}")

    async def read() -> bytes:
        chunks, size = [], 0
        while chunk := await request.content.read(READ_CHUNK):
            size += len(chunk)
            if size > max_bytes:   # chunked bodies have no Content-Length
                raise BodyTooLarge(f"body is over the limit of {max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(read(), seconds)
    except asyncio.TimeoutError:
        raise BodyTooSlow(f"the body did not arrive within {seconds:g} s") from None


def _param(query: Mapping[str, str], name: str) -> str:
    value = query.get(name) or ""
    if len(value) > MAX_PARAM:
        raise BadRequest(f"{name} too long")
    return value

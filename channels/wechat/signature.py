"""WeChat's request signatures: SHA-1 of the sorted strings (wechatpy's
WeChatSigner), compared in constant time, and the timestamp window that
refuses replays.

  URL check and every POST:  signature     = sha1(sort(token, timestamp, nonce))
  safe mode:                 msg_signature = sha1(sort(token, timestamp, nonce, Encrypt))
"""
from __future__ import annotations

import hmac

from wechatpy.utils import WeChatSigner

from channels.wechat.errors import BadRequest, BadSignature, StaleTimestamp


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def check_signature(expected_parts: tuple[str, ...], signature: str) -> None:
    """BadSignature unless `signature` is the SHA-1 of the sorted parts.
    (wechatpy's own check compares with != ; this one does not leak timing.)"""
    if not signature or not hmac.compare_digest(sign(*expected_parts).encode(),
                                                signature.lower().encode("utf-8", "replace")):
        raise BadSignature("signature does not match the token")


def check_timestamp(timestamp: str, now: float, max_skew: float) -> int:
    """The timestamp as an int; StaleTimestamp when it is more than max_skew seconds off."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise BadRequest("timestamp is not a number")
    value = int(timestamp)
    if abs(now - value) > max_skew:
        raise StaleTimestamp(f"timestamp is {now - value:+.0f} s from now")
    return value

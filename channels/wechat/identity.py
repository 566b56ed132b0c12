"""The person's id in Kaifong, made from their OpenID so the OpenID itself is
never shown, logged, or sent to Rasa: "wx-" and 32 hex digits of an HMAC-SHA256
of the OpenID. Stable for as long as the key stays the same (setting
`wechat_id_key`, else the app secret: set the key before resetting the secret,
or ongoing conversations start afresh). The OpenID needed to write back is kept
in the gateway's database (followers.py)."""
from __future__ import annotations

import hashlib
import hmac

PREFIX = "wx-"
HEX_DIGITS = 32       # 128 bits: no two followers collide


def id_key(id_key_setting: str, app_secret: str) -> bytes:
    """The HMAC key: the setting, else one derived from the app secret (never the
    secret itself, so the key used here reveals nothing if it ever leaks)."""
    if id_key_setting:
        return id_key_setting.encode("utf-8")
    return hashlib.sha256(b"kaifong wechat sender id\0" + app_secret.encode("utf-8")).digest()


def sender_of(openid: str, key: bytes) -> str:
    digest = hmac.new(key, openid.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:HEX_DIGITS]

"""The account's settings, checked once at start.

Stage 2 builds this from the gateway settings (`wechat_token`, `wechat_app_id`,
`wechat_app_secret`, `wechat_aes_key`, `wechat_path`, `wechat_api_base`, …) with
`WeChatConfig.from_settings`. Secrets are left out of repr() so a logged config
shows none of them.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_BASE = "https://api.weixin.qq.com"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9]{3,32}")   # what the WeChat console accepts
AES_KEY_LENGTH = 43


class ConfigError(Exception):
    """One line naming the setting that is wrong."""


@dataclass(frozen=True)
class WeChatConfig:
    token: str = field(repr=False)
    app_id: str = ""
    app_secret: str = field(default="", repr=False)
    aes_key: str = field(default="", repr=False)     # EncodingAESKey; empty: plain mode only
    path: str = "/wechat"
    api_base: str = DEFAULT_API_BASE
    max_body_bytes: int = 64 * 1024
    max_clock_skew: float = 300.0                    # seconds a timestamp may be off
    media_max_bytes: int = 2 * 1024 * 1024           # a 60 s AMR clip is ~100 KB

    def __post_init__(self) -> None:
        check_config(self)

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_key)

    @property
    def api_enabled(self) -> bool:
        """Late replies (customer-service messages) and voice downloads need both."""
        return bool(self.app_id and self.app_secret)

    @classmethod
    def from_settings(cls, settings: Any) -> "WeChatConfig":
        """From any object with `wechat_*` attributes (the gateway's Settings)."""
        values = {}
        for name in ("token", "app_id", "app_secret", "aes_key", "path", "api_base",
                     "max_body_bytes", "max_clock_skew", "media_max_bytes"):
            value = getattr(settings, "wechat_" + name, None)
            if value is not None:
                values[name] = value
        if "token" not in values:
            raise ConfigError("wechat_token: missing")
        return cls(**values)


def decode_aes_key(aes_key: str) -> bytes:
    """The 32-byte AES key from WeChat's 43-character EncodingAESKey."""
    if len(aes_key) != AES_KEY_LENGTH:
        raise ConfigError(f"wechat_aes_key: must be {AES_KEY_LENGTH} characters, "
                          f"not {len(aes_key)}")
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except binascii.Error:
        raise ConfigError("wechat_aes_key: not the EncodingAESKey (letters and digits)") from None
    if len(key) != 32:
        raise ConfigError("wechat_aes_key: does not decode to a 32-byte key")
    return key


def check_config(config: WeChatConfig) -> None:
    if not TOKEN_PATTERN.fullmatch(config.token):
        raise ConfigError("wechat_token: 3-32 letters or digits, as set in the WeChat console")
    if config.aes_key:
        decode_aes_key(config.aes_key)
        if not config.app_id:
            raise ConfigError("wechat_app_id: needed in safe mode (wechat_aes_key is set)")
    if not config.path.startswith("/"):
        raise ConfigError("wechat_path: must start with /")
    if not config.api_base.startswith(("https://", "http://")):
        raise ConfigError("wechat_api_base: must be an http(s) URL")
    for name in ("max_body_bytes", "max_clock_skew", "media_max_bytes"):
        if not getattr(config, name) > 0:
            raise ConfigError(f"wechat_{name}: must be positive")

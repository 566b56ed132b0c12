"""The account's settings: checked at start, secrets out of repr()."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from channels.wechat.config import ConfigError, WeChatConfig
from tests.wechat.wechat_peer import AES_KEY, APP_ID, TOKEN, config


def test_defaults():
    cfg = WeChatConfig(token=TOKEN)
    assert (cfg.path, cfg.api_base, cfg.max_body_bytes, cfg.max_clock_skew) == \
        ("/wechat", "https://api.weixin.qq.com", 65536, 300.0)
    assert not cfg.safe_mode and not cfg.api_enabled


def test_repr_hides_secrets():
    text = repr(config())
    assert TOKEN not in text and AES_KEY not in text and "s3cr3t" not in text and APP_ID in text


@pytest.mark.parametrize("overrides,setting", [
    ({"token": "a b"}, "wechat_token"),
    ({"token": "x"}, "wechat_token"),
    ({"aes_key": AES_KEY[:-1]}, "wechat_aes_key"),
    ({"aes_key": AES_KEY[:-1] + "!"}, "wechat_aes_key"),
    ({"app_id": ""}, "wechat_app_id"),
    ({"path": "wechat"}, "wechat_path"),
    ({"api_base": "api.weixin.qq.com"}, "wechat_api_base"),
    ({"max_clock_skew": 0}, "wechat_max_clock_skew"),
])
def test_wrong_settings_name_themselves(overrides, setting):
    with pytest.raises(ConfigError) as caught:
        config(**overrides)
    assert str(caught.value).startswith(setting + ":")
    assert "\n" not in str(caught.value)


def test_from_gateway_settings():
    settings = SimpleNamespace(wechat_token=TOKEN, wechat_app_id=APP_ID, wechat_app_secret="sec",
                               wechat_aes_key=AES_KEY, wechat_path="/wx",
                               wechat_api_base="http://127.0.0.1:1")
    cfg = WeChatConfig.from_settings(settings)
    assert (cfg.path, cfg.api_base) == ("/wx", "http://127.0.0.1:1")
    assert cfg.safe_mode and cfg.api_enabled
    with pytest.raises(ConfigError, match="wechat_token"):
        WeChatConfig.from_settings(SimpleNamespace())

"""The WeChat HTTP API client against a local stand-in of WeChat's API."""
from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from channels.wechat.api import (ApiError, ApiUnavailable, MediaTooLarge, OutsideWindow,
                                 TokenUnavailable, WeChatApi)
from tests.wechat.conftest import FAST_RETRY, SECRET
from tests.wechat.wechat_peer import APP_ID, OPENID

SEND = "/cgi-bin/message/custom/send"
TOKEN = "/cgi-bin/token"


@pytest.fixture(autouse=True)
def no_secrets_in_logs(caplog, fake_wechat):
    """Whatever a test does, the app secret and the tokens never reach our log
    (the stand-in's access log is off: it is WeChat's side)."""
    caplog.set_level(logging.DEBUG)
    yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    text = "\n".join(r.getMessage() for r in records)
    for secret in [SECRET, *fake_wechat.issued]:
        assert secret not in text


async def test_token_request_is_as_documented(make_api, fake_wechat):
    token = await make_api().access_token()
    (call,) = fake_wechat.calls(TOKEN)
    assert call.query == {"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET}
    assert token == fake_wechat.issued[0]


async def test_send_text_posts_the_documented_json(make_api, fake_wechat):
    await make_api().send_text(OPENID, "您好，养老金认证要带身份证。")
    (call,) = fake_wechat.calls(SEND)
    assert call.query == {"access_token": fake_wechat.issued[0]}
    assert call.body == {"touser": OPENID, "msgtype": "text",
                         "text": {"content": "您好，养老金认证要带身份证。"}}
    assert fake_wechat.sent == [(OPENID, "您好，养老金认证要带身份证。")]


async def test_token_is_cached_and_shared(make_api, fake_wechat):
    api = make_api()
    for i in range(3):
        await api.send_text(OPENID, f"第{i}条")
    assert len(fake_wechat.calls(TOKEN)) == 1
    assert {c.query["access_token"] for c in fake_wechat.calls(SEND)} == {fake_wechat.issued[0]}


async def test_token_is_fetched_again_shortly_before_it_expires(make_api, fake_wechat):
    now = [1000.0]
    api = make_api(clock=lambda: now[0])
    await api.send_text(OPENID, "一")
    now[0] += 7200 - 301                 # still valid for five minutes and a second
    await api.send_text(OPENID, "二")
    assert len(fake_wechat.calls(TOKEN)) == 1
    now[0] += 2                          # inside the last five minutes: fetch early
    await api.send_text(OPENID, "三")
    assert len(fake_wechat.calls(TOKEN)) == 2


async def test_concurrent_callers_share_one_token_fetch(make_api, fake_wechat):
    fake_wechat.token_delay = 0.2
    api = make_api()
    await asyncio.gather(*(api.send_text(OPENID, f"第{i}条") for i in range(10)))
    assert len(fake_wechat.calls(TOKEN)) == 1
    assert len(fake_wechat.sent) == 10


async def test_a_failed_token_fetch_fails_every_waiter_once(make_api, fake_wechat):
    fake_wechat.token_delay = 0.1
    api = make_api(secret="wrong-secret-value")
    results = await asyncio.gather(*(api.access_token() for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, TokenUnavailable) and r.errcode == 40125 for r in results)
    assert len(fake_wechat.calls(TOKEN)) == 1
    assert "wrong-secret-value" not in str(results[0])


async def test_a_cancelled_caller_does_not_cancel_the_fetch(make_api, fake_wechat):
    fake_wechat.token_delay = 0.2
    api = make_api()
    first = asyncio.ensure_future(api.access_token())
    second = asyncio.ensure_future(api.access_token())
    await asyncio.sleep(0.05)
    first.cancel()
    assert await second == fake_wechat.issued[0]


@pytest.mark.parametrize("errcode", [40001, 42001, 40014])
async def test_refused_token_is_refreshed_once_and_the_call_retried(make_api, fake_wechat, errcode):
    api = make_api()
    await api.send_text(OPENID, "一")
    fake_wechat.expire_tokens(errcode)
    await api.send_text(OPENID, "二")
    assert len(fake_wechat.calls(TOKEN)) == 2
    sends = fake_wechat.calls(SEND)
    assert [c.query["access_token"] for c in sends] == [fake_wechat.issued[0], fake_wechat.issued[0],
                                                       fake_wechat.issued[1]]
    assert fake_wechat.sent == [(OPENID, "一"), (OPENID, "二")]


async def test_token_refused_twice_is_an_error(make_api, fake_wechat):
    api = make_api()
    await api.access_token()
    fake_wechat.expire_tokens(40001)
    fake_wechat.new_token_state = 40001         # the new token is refused too
    with pytest.raises(ApiError) as caught:
        await api.send_text(OPENID, "x")
    assert caught.value.errcode == 40001
    assert len(fake_wechat.calls(TOKEN)) == 2 and len(fake_wechat.calls(SEND)) == 2


async def test_busy_is_retried_with_backoff(make_api, fake_wechat):
    await make_api().send_text(OPENID, "预热")
    fake_wechat.sent.clear()
    fake_wechat.received.clear()
    fake_wechat.fail_next("send", "busy", "http500")
    await make_api().send_text(OPENID, "三次才到")
    sends = fake_wechat.calls(SEND)
    assert len(sends) == 3 and fake_wechat.sent == [(OPENID, "三次才到")]
    assert sends[1].at - sends[0].at >= FAST_RETRY.first_delay * 0.9
    assert sends[2].at - sends[1].at >= FAST_RETRY.first_delay * FAST_RETRY.factor * 0.9


async def test_send_gives_up_after_the_retries(make_api, fake_wechat):
    fake_wechat.fail_next("send", "busy", "busy", "busy", "busy")
    with pytest.raises(ApiUnavailable) as caught:
        await make_api().send_text(OPENID, "x")
    assert len(fake_wechat.calls(SEND)) == 3
    assert "errcode -1" in str(caught.value) and fake_wechat.sent == []


async def test_slow_answer_times_out_and_is_retried(make_api, fake_wechat):
    fake_wechat.slow_seconds = 1.0
    fake_wechat.fail_next("send", "slow")
    await make_api(timeout=0.3).send_text(OPENID, "慢")
    assert len(fake_wechat.calls(SEND)) == 2


async def test_unreachable_api_is_unavailable(http_session):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]             # closed again: nothing listens there
    api = WeChatApi(http_session, APP_ID, SECRET, f"http://127.0.0.1:{port}", retry=FAST_RETRY)
    with pytest.raises(ApiUnavailable) as caught:
        await api.send_text(OPENID, "x")
    assert "ClientConnectorError" in str(caught.value) or "ClientOSError" in str(caught.value)


async def test_outside_the_48_hour_window(make_api, fake_wechat):
    fake_wechat.fail_next("send", "45015")
    with pytest.raises(OutsideWindow) as caught:
        await make_api().send_text(OPENID, "工作人员回复")
    assert caught.value.errcode == 45015
    assert len(fake_wechat.calls(SEND)) == 1              # not retried


async def test_other_refusals_are_api_errors(make_api, fake_wechat):
    with pytest.raises(ApiError) as caught:
        await make_api().send_text(OPENID, "长" * 700)      # 2,100 bytes
    assert caught.value.errcode == 45002 and not isinstance(caught.value, ApiUnavailable)


async def test_wrong_app_secret_is_token_unavailable(make_api, fake_wechat):
    with pytest.raises(TokenUnavailable) as caught:
        await make_api(secret="not-the-secret").send_text(OPENID, "x")
    assert caught.value.errcode == 40125 and fake_wechat.calls(SEND) == []
    assert "not-the-secret" not in str(caught.value)


async def test_token_fetch_busy_is_retried(make_api, fake_wechat):
    fake_wechat.fail_next("token", "busy", "http500")
    await make_api().send_text(OPENID, "x")
    assert len(fake_wechat.calls(TOKEN)) == 3


@pytest.mark.parametrize("chunked", [False, True])
async def test_media_download(make_api, fake_wechat, chunked):
    fake_wechat.chunked_media = chunked
    fake_wechat.media["MEDIA_1"] = (b"#!AMR\n" + bytes(range(256)) * 40, "audio/amr")
    media = await make_api().get_media("MEDIA_1", max_bytes=64 * 1024)
    assert media.data == fake_wechat.media["MEDIA_1"][0] and media.content_type == "audio/amr"
    (call,) = fake_wechat.calls("/cgi-bin/media/get")
    assert call.query == {"access_token": fake_wechat.issued[0], "media_id": "MEDIA_1"}


@pytest.mark.parametrize("chunked", [False, True])
async def test_media_over_the_cap_is_refused(make_api, fake_wechat, chunked):
    fake_wechat.chunked_media = chunked
    fake_wechat.media["BIG"] = (b"#!AMR\n" + b"\x3c" * 100_000, "audio/amr")
    with pytest.raises(MediaTooLarge):
        await make_api().get_media("BIG", max_bytes=50_000)


async def test_unknown_media_is_an_api_error(make_api, fake_wechat):
    with pytest.raises(ApiError) as caught:
        await make_api().get_media("NOPE", max_bytes=1000)
    assert caught.value.errcode == 40007


async def test_media_with_an_expired_token(make_api, fake_wechat):
    fake_wechat.media["M"] = (b"#!AMR\n", "audio/amr")
    api = make_api()
    await api.access_token()
    fake_wechat.expire_tokens(42001)
    assert (await api.get_media("M", max_bytes=100)).data == b"#!AMR\n"


async def test_nickname(make_api, fake_wechat):
    fake_wechat.nicknames[OPENID] = "陈伯"
    fake_wechat.nicknames["oEmpty"] = ""
    api = make_api()
    assert await api.nickname(OPENID) == "陈伯"
    assert await api.nickname("oEmpty") is None
    with pytest.raises(ApiError):
        await api.nickname("oUnknown")


def test_repr_shows_no_secret(http_session):
    assert SECRET not in repr(WeChatApi(http_session, APP_ID, SECRET))


async def test_retries_are_logged_without_the_token(make_api, fake_wechat, caplog):
    fake_wechat.fail_next("send", "busy")
    await make_api().send_text(OPENID, "x")
    warnings = [r.getMessage() for r in caplog.records if r.name == "kaifong.wechat.api"
                and r.levelno == logging.WARNING]
    assert warnings == ["WeChat custom send: system busy (errcode -1) (try 1 of 3)"]

"""The OpenID, the app secret, the Token and access tokens never reach a log
(every logger, at DEBUG), the Rasa side, or the console; the person is known by
an id made from the OpenID."""
from __future__ import annotations

import json
import logging

from channels.wechat.identity import PREFIX, id_key, sender_of
from tests.wechat.conftest import SECRET
from tests.wechat.test_channel_staff import Case, with_staff
from tests.wechat.test_channel_text import eventually, wait_for
from tests.wechat.wechat_peer import OPENID, TOKEN, message_xml, signed_query


def test_the_id_is_stable_keyed_and_not_the_openid():
    key = id_key("", SECRET)
    sender = sender_of(OPENID, key)
    assert sender == sender_of(OPENID, key) and sender.startswith(PREFIX)
    assert len(sender) == len(PREFIX) + 32 and OPENID not in sender
    assert sender != sender_of(OPENID, id_key("", "another secret"))
    assert sender != sender_of(OPENID + "x", key)
    assert sender_of(OPENID, id_key("my own key", SECRET)) != sender
    assert SECRET.encode() not in key


async def test_nothing_secret_or_personal_reaches_the_logs(aiohttp_client, gateway, wechat_rasa,
                                                          fake_wechat, caplog):
    caplog.set_level(logging.DEBUG)
    fake_wechat.nicknames[OPENID] = "陈伯"
    person, case, _ = await with_staff(aiohttp_client, gateway, fake_wechat)
    await person.voice("NO_SUCH_MEDIA")                     # a failed download
    await person.post(person.xml("image"))
    fake_wechat.fail_next("send", "45015")
    await case.reply("还在吗？")                             # refused by WeChat
    await eventually(case.flagged)
    await person.text("在")
    await wait_for(lambda: len(fake_wechat.sent) == 2)
    fake_wechat.expire_tokens()
    fake_wechat.fail_next("send", "http500", "busy", "http500")
    await case.reply("再见。")                              # a new token, then failures
    await eventually(lambda: _flag_is(case, "失败"))
    bad = signed_query(openid=OPENID)                        # a forged request naming the person
    bad["signature"] = "0" * 40
    await gateway.post("/wechat", params=bad, data=message_xml("text", Content="x"))

    logged = caplog.text
    assert "wechat" in logged                                # the channel did log
    secrets = [OPENID, SECRET, TOKEN, *fake_wechat.issued]
    for secret in secrets:
        assert secret not in logged
    for body in wechat_rasa.received:
        assert OPENID not in json.dumps(body, ensure_ascii=False)
    shown = await case.json()
    assert OPENID not in json.dumps(shown, ensure_ascii=False)
    assert shown["sender"].startswith(PREFIX)


async def _flag_is(case: Case, word: str) -> bool:
    return word in (await case.flagged() or "")

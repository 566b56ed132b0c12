"""Staff and the person on WeChat: the case shows the channel and the nickname
(never the OpenID); staff replies reach the person as customer-service messages
in their script within a second; past WeChat's 48 hours (a clock the test sets,
or WeChat's own errcode 45015), after an unfollow, or when sending keeps
failing, the console says the person cannot be reached and to ring back; when
the person writes again (or sending works again), what waited is sent."""
from __future__ import annotations

import json
import time

from channels.wechat.setup import WECHAT
from tests.wechat.gateway import Follower
from tests.wechat.test_channel_events import staff_of
from tests.wechat.test_channel_text import eventually, wait_for
from tests.wechat.wechat_peer import OPENID

HOURS_49 = 49 * 3600
SEND = "/cgi-bin/message/custom/send"
WINDOW_NOTE = "（微信发不出去了：用户超过48小时没发消息。请打电话回访，或等用户再发消息。）"
FAILED_NOTE = "（微信消息发送失败，用户没收到。下次发送会再试，也可以打电话回访。）"
GONE_NOTE = "（用户取消关注了，微信发不出去了。请打电话回访。）"
REACHABLE_NOTE = "（微信又能发送了，没送到的消息现在补发。）"


class Case:
    """A case in the staff console, as one member of staff sees it."""

    def __init__(self, staff, case_id: int) -> None:
        self.staff, self.id = staff, case_id

    async def json(self) -> dict:
        status, body = await self.staff.get(f"/console/api/cases/{self.id}")
        assert status == 200, body
        return body

    async def reply(self, text: str) -> None:
        status, body = await self.staff.post(f"/console/api/cases/{self.id}/messages",
                                             {"text": text})
        assert status == 200, body

    async def flagged(self) -> str:
        return (await self.json())["unreachable"]

    async def notes(self, n: int = 2) -> list[str]:
        return [m["text"] for m in (await self.json())["transcript"]][-n:]


async def with_staff(aiohttp_client, gateway, fake_wechat, text: str = "我要搵真人"):
    """The person asks for a person and a member of staff takes the case."""
    person = Follower(gateway)
    answer = await person.text(text)
    staff = await staff_of(aiohttp_client, gateway)
    (summary,) = await staff.cases()
    status, body = await staff.post(f"/console/api/cases/{summary['id']}/claim")
    assert status == 200, body
    await wait_for(lambda: len(fake_wechat.sent) == 1)      # 「工作人员来了」
    return person, Case(staff, summary["id"]), answer


async def test_a_staff_reply_reaches_the_person_in_their_script_within_a_second(
        aiohttp_client, gateway, fake_wechat):
    person, case, answer = await with_staff(aiohttp_client, gateway, fake_wechat,
                                            "我想搵個真人同我講")
    assert answer.content.endswith("工作人員會喺呢度覆你。")   # staff answer in this chat
    started = time.monotonic()
    await case.reply("请带身份证来办理。")
    await wait_for(lambda: len(fake_wechat.sent) == 2, timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert fake_wechat.sent[-1] == (OPENID, "請帶身份證來辦理。")


async def test_the_case_shows_wechat_and_the_nickname_never_the_openid(aiohttp_client, gateway,
                                                                     fake_wechat):
    fake_wechat.nicknames[OPENID] = "陈伯"
    person = Follower(gateway)
    await person.text("社保卡丢了")
    await wait_for(lambda: fake_wechat.calls("/cgi-bin/user/info"))
    await person.text("我要找真人")
    staff = await staff_of(aiohttp_client, gateway)
    (summary,) = await staff.cases()
    case = await Case(staff, summary["id"]).json()
    assert case["channel"] == "wechat" and case["facts"]["微信昵称"] == "陈伯"
    assert case["unreachable"] is None
    for shown in (summary, case, await staff.cases("all")):
        assert OPENID not in json.dumps(shown, ensure_ascii=False)


async def test_after_48_hours_staff_are_told_and_the_message_waits(aiohttp_client, gateway,
                                                                   fake_wechat):
    person, case, _ = await with_staff(aiohttp_client, gateway, fake_wechat)
    gateway.server.app[WECHAT].channel.clock = lambda: time.time() + HOURS_49  # two days on
    await case.reply("还在吗？")
    assert await eventually(case.flagged) == WINDOW_NOTE
    assert await case.notes() == ["还在吗？", WINDOW_NOTE]
    assert (await case.staff.cases())[0]["unreachable"] == WINDOW_NOTE   # the queue shows it
    assert len(fake_wechat.calls(SEND)) == 1                  # WeChat was not even asked
    await case.reply("请回电话给我们。")                       # told once, not at every reply
    await settled(gateway)
    assert (await case.notes(3)).count(WINDOW_NOTE) == 1
    # the person writes again: the window opens, what waited goes, the warning goes
    await person.text("我喺度")
    await wait_for(lambda: len(fake_wechat.sent) == 3)
    assert fake_wechat.sent[1:] == [(OPENID, "還在嗎？"), (OPENID, "請回電話給我們。")]
    assert await eventually(lambda: _not(case.flagged))
    assert await case.notes() == ["我喺度", REACHABLE_NOTE]


async def _not(check) -> bool:
    return not await check()


async def settled(gateway) -> None:
    """The desk has no delivery under way (its pushes run in the background)."""
    from channels.gateway.keys import HANDOFF
    desk = gateway.server.app[HANDOFF]
    await wait_for(lambda: all(t.done() for t in desk._pushes.values()))


async def test_wechat_saying_45015_means_the_same(aiohttp_client, gateway, fake_wechat):
    person, case, _ = await with_staff(aiohttp_client, gateway, fake_wechat)
    fake_wechat.fail_next("send", "45015")
    await case.reply("还在吗？")
    assert await eventually(case.flagged) == WINDOW_NOTE
    assert len(fake_wechat.sent) == 1


async def test_after_unfollowing_staff_are_told(aiohttp_client, gateway, fake_wechat):
    person, case, _ = await with_staff(aiohttp_client, gateway, fake_wechat)
    await person.event("unsubscribe")
    await case.reply("还在吗？")
    assert await eventually(case.flagged) == GONE_NOTE
    assert len(fake_wechat.calls(SEND)) == 1


async def test_failed_sends_are_retried_then_reported_then_sent(aiohttp_client, gateway,
                                                                fake_wechat):
    person, case, _ = await with_staff(aiohttp_client, gateway, fake_wechat)
    fake_wechat.fail_next("send", "http500", "busy", "http500")     # every try of one send
    await case.reply("第一句。")
    assert await eventually(case.flagged) == FAILED_NOTE
    assert len(fake_wechat.calls(SEND)) == 1 + 3
    await case.reply("第二句。")                          # WeChat answers again
    await wait_for(lambda: len(fake_wechat.sent) == 3)
    assert [c for _, c in fake_wechat.sent[1:]] == ["第一句。", "第二句。"]
    assert await eventually(lambda: _not(case.flagged))
    assert REACHABLE_NOTE in await case.notes(3)


async def test_an_expired_token_is_fetched_again_during_a_send(aiohttp_client, gateway,
                                                               fake_wechat):
    person, case, _ = await with_staff(aiohttp_client, gateway, fake_wechat)
    tokens = len(fake_wechat.issued)
    fake_wechat.expire_tokens(42001)
    await case.reply("您好。")
    await wait_for(lambda: len(fake_wechat.sent) == 2)
    assert fake_wechat.sent[-1] == (OPENID, "您好。")
    assert len(fake_wechat.issued) == tokens + 1
    refused, accepted = fake_wechat.calls(SEND)[-2:]
    assert refused.query["access_token"] != accepted.query["access_token"]


async def test_staff_replies_reach_the_person_after_a_restart(aiohttp_client, start_gateway,
                                                              fake_wechat):
    client = await start_gateway()
    await Follower(client).text("我要找真人")
    await client.close()                                 # the gateway restarts
    client = await start_gateway()
    staff = await staff_of(aiohttp_client, client)
    (summary,) = await staff.cases()
    status, _ = await staff.post(f"/console/api/cases/{summary['id']}/claim")
    assert status == 200
    await Case(staff, summary["id"]).reply("您好。")
    await wait_for(lambda: len(fake_wechat.sent) == 2)   # 「工作人员来了」, then the reply
    assert fake_wechat.sent[-1] == (OPENID, "您好。")

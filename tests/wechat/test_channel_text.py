"""Text messages through the turn pipeline: the reply keeps the person's script,
options are numbered lines under 「回复数字：」 with 「0 找工作人员」 last, and a
reply over 2,048 bytes is split: the first part answered passively, the rest as
customer-service messages."""
from __future__ import annotations

import asyncio

from channels.wechat.identity import PREFIX
from tests.wechat.gateway import Follower
from tests.wechat.wechat_peer import OPENID


async def wait_for(condition, timeout: float = 15.0) -> None:
    """Wait for a condition (the machine is shared: generous deadline, no fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def eventually(check, timeout: float = 15.0):
    """Wait for an async check to give something truthy; that value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_simplified_text_gets_a_passive_answer(gateway, wechat_rasa):
    answer = await Follower(gateway).text("社保卡丢了怎么办")
    assert answer.content == "机器人回答：社保卡丢了怎么办"
    sent = wechat_rasa.received[0]
    assert sent["metadata"]["channel"] == "wechat" and sent["metadata"]["script"] == "hans"
    assert sent["sender"].startswith(PREFIX) and OPENID not in sent["sender"]


async def test_traditional_text_gets_a_traditional_answer_with_numbered_options(gateway,
                                                                               wechat_rasa):
    answer = await Follower(gateway).text("長者卡點樣申請")
    assert wechat_rasa.received[0]["metadata"] == {"language": "yue", "script": "hant",
                                                   "channel": "wechat", "choice": None}
    assert answer.content.splitlines() == [
        "長者卡給65歲以上的人。",      # the stand-in's words, in the person's script
        "",
        "你想知邊樣？講個數字就得。",
        "回覆數字就得：",
        "1 要帶咩嘢",
        "2 去邊度辦",
        "3 手機點樣辦",
        "0 揾工作人員",
    ]


async def test_simplified_mandarin_options(gateway):
    answer = await Follower(gateway).text("长者卡怎么办")
    lines = answer.content.splitlines()
    assert lines[-5:] == ["回复数字：", "1 要带什么材料", "2 去哪里办", "3 手机上怎么办",
                          "0 找工作人员"]


async def test_a_number_is_the_next_turn(gateway, wechat_rasa):
    person = Follower(gateway)
    await person.text("长者卡怎么办")
    await person.text("2")
    last = wechat_rasa.received[-1]
    assert (last["message"], last["metadata"]["choice"]) == ("/choose", 2)


async def test_a_long_answer_is_split_at_sentence_ends(gateway, wechat_rasa, fake_wechat):
    answer = await Follower(gateway).text("请给我很长的说明")
    whole = "这是很长的回答的一句话。" * 200
    assert answer.content and len(answer.content.encode()) <= 2048
    assert answer.content.endswith("。")
    await wait_for(lambda: "".join(c for _, c in fake_wechat.sent) + answer.content
                   == whole)
    assert all(to == OPENID for to, _ in fake_wechat.sent)
    assert all(len(c.encode()) <= 2048 and c.endswith("。") for _, c in fake_wechat.sent)


async def test_an_empty_text_gets_success(gateway, wechat_rasa):
    answer = await Follower(gateway).text("   ")
    assert answer.success and wechat_rasa.received == []


async def test_pictures_and_the_like_are_declined_kindly(gateway, wechat_rasa):
    person = Follower(gateway)
    answer = await person.post(person.xml("image", PicUrl="http://x/y.jpg", MediaId="m"))
    assert answer.content == "我只看得懂文字和语音。"
    await person.text("長者卡點樣申請")     # now the conversation is Cantonese, Traditional
    for kind in ("video", "location", "link", "file"):
        answer = await person.post(person.xml(kind))
        assert answer.content == "我只睇得明文字同語音。", kind
    assert len(wechat_rasa.received) == 1


async def test_rasa_down_gives_the_apology(start_gateway):
    from tests.processes import dead_url
    client = await start_gateway(rasa_url=dead_url(), action_url=dead_url())
    answer = await Follower(client).text("社保卡丢了")
    assert "12345" in answer.content

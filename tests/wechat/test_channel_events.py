"""Events: following the account, unfollowing it (a waiting case ends and staff
see a note), and the custom menu's keys (channels/wechat/menu.py)."""
from __future__ import annotations

import time

from channels.gateway.handoff import store
from channels.gateway.keys import SETTINGS
from tests.conftest import staff_queue
from tests.handoff.conftest import StaffClient, add_staff
from tests.wechat.gateway import Follower


async def staff_of(aiohttp_client, client, name: str = "chan") -> StaffClient:
    add_staff(client.server.app[SETTINGS], name)
    return await StaffClient(await aiohttp_client(client.server)).login(name)


async def test_following_gets_a_short_welcome_with_two_examples(gateway, wechat_rasa):
    answer = await Follower(gateway).event("subscribe")
    assert answer.content == ("您好，我是街坊助手。打字或者说话问我都行。"
                              "比如“养老金怎么认证”“长者卡怎么办”。")
    assert wechat_rasa.received == []


async def test_unfollowing_ends_a_waiting_case(aiohttp_client, gateway, wechat_rasa):
    person = Follower(gateway)
    answer = await person.text("我要找真人")
    assert "第1位" in answer.content
    (case,), _, _ = await staff_queue(gateway.server.app, store.LIVE)
    assert case.channel == "wechat" and case.state == "waiting"
    answer = await person.event("unsubscribe")
    assert answer.success
    staff = await staff_of(aiohttp_client, gateway)
    seen = await staff.case_of(case.sender)
    assert seen["state"] == "cancelled" and seen["channel"] == "wechat"
    assert seen["transcript"][-1]["text"] == "（用户取消关注了，微信发不出去了。请打电话回访。）"
    assert await staff_queue(gateway.server.app, store.LIVE) == ([], {}, {})


async def test_menu_service_key_says_the_service_name(gateway, wechat_rasa):
    person = Follower(gateway)
    answer = await person.event("CLICK", "svc:senior_card")
    assert wechat_rasa.received[-1]["message"] == "长者卡"
    assert answer.content.endswith("0 找工作人员")
    await person.text("養老金點樣認證")      # Cantonese, Traditional from now on
    await person.event("CLICK", "svc:social_security_card")
    assert wechat_rasa.received[-1]["metadata"]["script"] == "hant"   # the name kept the script


async def test_menu_human_key_is_zero(gateway, wechat_rasa):
    answer = await Follower(gateway).event("CLICK", "human")
    assert wechat_rasa.received[-1]["message"] == "/human"
    assert "第1位" in answer.content
    assert answer.content.endswith("工作人员会在这个聊天里回复您。")


async def test_menu_language_keys_switch(gateway, wechat_rasa):
    person = Follower(gateway)
    answer = await person.event("CLICK", "lang:yue")
    assert answer.content == "好，我之后同你讲广东话。你想办咩事？"
    await person.text("社保卡")
    assert wechat_rasa.received[-1]["metadata"]["language"] == "yue"
    answer = await person.event("CLICK", "lang:cmn")
    assert answer.content == "好的，我之后用普通话和您说。您想办什么事？"


async def test_unknown_keys_and_other_events_get_success(gateway, wechat_rasa):
    person = Follower(gateway)
    for event, key in (("CLICK", "svc:no_such_service"), ("CLICK", "what"),
                       ("VIEW", "https://example.org/"), ("SCAN", "1"), ("LOCATION", "")):
        assert (await person.event(event, key)).success, (event, key)
    assert wechat_rasa.received == []


async def test_two_taps_in_one_second_are_two_events(gateway, wechat_rasa):
    person = Follower(gateway)
    now = int(time.time())
    await person.event("CLICK", "svc:senior_card", create_time=now)
    await person.event("CLICK", "svc:social_security_card", create_time=now)
    assert [r["message"] for r in wechat_rasa.received] == ["长者卡", "社保卡"]

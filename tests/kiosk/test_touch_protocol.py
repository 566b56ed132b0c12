"""The kiosk by touch, in-process with a fake Rasa (issue 12): every answer leaves
something to tap; every service is reachable through kiosk menus; without a
microphone no prompt asks to say anything and numbers get a pad; a switch of script
draws everything on screen again; the banner's button leaves the queue; and a staff
message delivered twice (or a second case) never shows an old message again."""
from __future__ import annotations

from bot.catalog import catalog
from channels.gateway.contract import Outgoing
from channels.gateway.keys import CHANNELS, HANDOFF, SETTINGS
from channels.kiosk import ui
from tests.kiosk.test_gateway import client, connect, make_app, texts  # noqa: F401 (fixtures)
from tests.conftest import staff_queue

MORE = {"title": "更多服务", "menu": "more"}


def titles(reply):
    return [b["title"] for m in reply["messages"] for b in m.get("buttons") or []]


async def started(client, language="cmn", script="hans"):
    kiosk = await connect(client)
    await kiosk.send(type="start", language=language, script=script)
    await kiosk.next("reply")
    return kiosk


async def test_an_answer_with_nothing_to_tap_gets_the_common_services(client):
    kiosk = await started(client)
    await kiosk.send(type="text", text="社保卡")
    reply = await kiosk.next("reply")
    assert reply["messages"][0]["text"] == "机器人回答：社保卡"
    assert reply["messages"][-1]["text"] == "常问的事："
    assert titles(reply) == ["养老金资格认证", "长者卡", "社保卡", "医保报销", "更多服务"]
    assert reply["messages"][-1]["buttons"][-1] == MORE


async def test_every_service_is_reachable_through_the_kiosk_menus(client):
    kiosk = await started(client)
    reached = []
    await kiosk.send(type="menu", name="more", title="更多服务")
    assert (await kiosk.next("user"))["text"] == "更多服务"
    groups = (await kiosk.next("reply"))["messages"][-1]["buttons"]
    assert all(b["menu"].startswith("group:") for b in groups) and len(groups) == 6
    for group in groups:
        await kiosk.send(type="menu", name=group["menu"], title=group["title"])
        assert (await kiosk.next("user"))["text"] == group["title"]
        buttons = (await kiosk.next("reply"))["messages"][-1]["buttons"]
        assert len(buttons) <= 6 and buttons[-1] == {"title": "看别的类别", "menu": "more"}
        reached += [b["payload"] for b in buttons[:-1]]
    names = {s.text("name", "cmn") for s in catalog().values()}
    assert sorted(reached) == sorted(names) and len(reached) == 24
    await kiosk.send(type="menu", name="group:nothing")       # not a menu: ignored
    await kiosk.send(type="text", text="长者卡", title="长者卡")
    assert (await kiosk.next("user"))["text"] == "长者卡"


async def test_a_service_tapped_on_the_start_screen_starts_the_conversation(client, fake_rasa):
    kiosk = await connect(client)
    await kiosk.send(type="start", language="yue", script="hant", text="長者卡", title="長者卡")
    assert (await kiosk.next("ui"))["started"] is True
    assert (await kiosk.next("user"))["text"] == "長者卡"
    reply = await kiosk.next("reply")
    assert reply["messages"][0]["text"] == "機器人回答：長者卡"
    assert fake_rasa.received[-1]["metadata"]["language"] == "yue"


async def test_the_start_screen_says_what_the_kiosk_does_and_offers_services(client):
    kiosk = await connect(client)
    await kiosk.send(type="script", script="hant")
    shown = await kiosk.next("ui")
    assert shown["labels"]["intro"] == "我可以幫您問社保、醫保、長者卡這些事。"
    assert [b["title"] for b in shown["services"]] == ["養老金資格認證", "長者卡", "社保卡",
                                                         "醫保報銷", "更多服務"]


async def test_without_a_microphone_prompts_ask_for_a_tap_and_numbers_get_a_pad(
        aiohttp_client, make_app, tmp_path):
    client = await aiohttp_client(make_app(asr_model_cmn=str(tmp_path / "no-model")))
    kiosk = await started(client)
    # the fake Rasa says back what it is sent: the prompts voice channels use
    await kiosk.send(type="text", text="请说数字")
    reply = await kiosk.next("reply")
    assert reply["messages"][0]["text"] == "机器人回答：请点一个按钮"
    await kiosk.send(type="text", text="您也可以说电话号码")
    reply = await kiosk.next("reply")
    assert reply["messages"][0]["text"] == "机器人回答：您也可以留电话号码"
    assert reply["messages"][0]["keypad"] == "phone"
    # an age question (the catalog's own words) gets a pad beside its yes and no
    age = catalog()["senior_card"].rules[0].text("ask", "cmn")
    shown = ui.for_the_page([{"text": age, "buttons": [{"title": "1 是", "payload": "1"}]}],
                            "cmn", "hans", client.server.app[SETTINGS], False, catalog())
    assert shown[0]["keypad"] == "age"


async def test_a_number_from_the_pad_shows_masked_in_the_person_s_bubble(client):
    kiosk = await started(client)
    await kiosk.send(type="text", text="13812345678")
    assert (await kiosk.next("user"))["text"] == "138****5678"


async def test_a_switch_of_script_draws_everything_on_screen_again(client):
    kiosk = await started(client)
    await kiosk.send(type="text", text="长者卡", title="长者卡")
    await kiosk.next("reply")
    await kiosk.send(type="script", script="hant")
    redrawn = await kiosk.next("log")
    shown = [(i["kind"], i["text"], i["lang"]) for i in redrawn["items"]]
    assert ("user", "長者卡", "zh-Hant") in shown
    assert ("bot", "機器人回答：長者卡", "zh-Hant") in shown
    assert [b["title"] for b in redrawn["items"][-1]["buttons"]][:2] == ["養老金資格認證", "長者卡"]
    assert all("长" not in i["text"] for i in redrawn["items"])


async def test_a_switch_of_language_asks_again_for_the_choices_on_screen(client):
    kiosk = await started(client)
    await kiosk.send(type="language", language="yue")
    redrawn = await kiosk.next("log")
    assert all(not i.get("buttons") for i in redrawn["items"])   # the old choices go
    reply = await kiosk.next("reply")
    assert reply["messages"][0]["text"] == "好，我之后同你讲广东话。"
    assert reply["lang"] == "yue-Hans" and titles(reply)[-1] == "更多服务"


async def test_the_banner_button_leaves_the_queue_and_leaves_something_to_tap(client):
    kiosk = await started(client)
    await kiosk.send(type="human")
    await kiosk.next("user")
    await kiosk.next("reply")
    handoff = await kiosk.next("handoff")
    assert handoff["handoff"]["state"] == "waiting" and handoff["cancel"] == "取消等待"
    await kiosk.send(type="cancel")
    assert (await kiosk.next("user"))["text"] == "取消等待"
    reply = await kiosk.next("reply")
    assert reply["messages"][0]["text"].startswith("好的，不等了。")
    assert titles(reply)[-1] == "更多服务"
    assert (await kiosk.next("handoff"))["handoff"] is None


async def test_staff_messages_are_shown_once_and_a_second_case_replays_nothing(client):
    kiosk = await started(client)
    await kiosk.send(type="human")
    await kiosk.next("reply")
    await kiosk.next("handoff")
    desk = client.server.app[HANDOFF]
    (case,), _, _ = await staff_queue(client.server.app)
    await desk.claim(case.id, "chan")
    await desk.send(case.id, "chan", "您好，我是工作人员。")
    await desk.hand_back(case.id, "chan")
    for _ in range(3):
        await kiosk.next("staff")
    while (await kiosk.next("handoff"))["handoff"] is not None:
        pass

    # delivered again (a retry, a second push): nothing new on the page
    channel = client.server.app[CHANNELS].get("kiosk")
    sender = next(iter(channel.visits)).sender
    again = [Outgoing(1, "assistant", "工作人员来了，请说。"), Outgoing(2, "staff", "您好")]
    assert await channel.deliver(sender, again, None)

    # a new question, a second case: it waits, and nothing of the first case comes back
    await kiosk.send(type="text", text="长者卡")
    await kiosk.next("reply")
    await kiosk.send(type="human")
    assert (await kiosk.next("handoff"))["handoff"]["state"] == "waiting"
    await kiosk.send(type="text", text="我等一下")
    await kiosk.next("reply")
    await kiosk.send(type="text", text="还要等多久")
    await kiosk.next("reply")
    assert sum(1 for m in kiosk.seen if isinstance(m, dict) and m["type"] == "staff") == 3


async def test_a_page_whose_microphone_is_blocked_becomes_a_kiosk_for_a_finger(client):
    kiosk = await started(client)
    assert (await kiosk.next("ui"))["voice"] is True
    await kiosk.send(type="mic_blocked")
    assert (await kiosk.next("ui"))["voice"] is False
    await kiosk.send(type="text", text="请说数字")
    assert (await kiosk.next("reply"))["messages"][0]["text"] == "机器人回答：请点一个按钮"

"""The person's side: asking for a person, waiting, leaving, being rung back,
and staff messages arriving by long-poll — through /api/chat (fake Rasa)."""
import asyncio
import time
from datetime import datetime, timedelta, timezone

from bot.language import detect_script
from channels.gateway.handoff.hours import DAYS
from channels.gateway.app import create_app
from channels.gateway.keys import HANDOFF
from tests.handoff.conftest import (StaffClient, add_staff, chat, name_of, person, poll,
                                    sender_of, texts)


async def test_asking_for_a_person_queues_a_case_and_tells_the_place(client, staff_login):
    await chat(client, "u-yue", "社保卡唔見咗點算")          # a service first, then a person
    body = await chat(client, "u-yue", "我想搵個真人同我講")
    assert body["handoff"] == {"state": "waiting", "position": 1}
    assert (body["language"], body["script"]) == ("yue", "hant")
    words = texts(body)
    assert "工作人員" in words and "你排第1位" in words and "取消" in words
    assert "未有工作人員喺度" in words          # honest: nobody is logged in yet
    assert detect_script(words) == "hant"
    body = await chat(client, "u-cmn", "我要找工作人员")      # a person straight away
    assert body["handoff"] == {"state": "waiting", "position": 2}
    assert "您排在第2位" in texts(body)

    staff = await staff_login("chan")
    cases = await staff.cases()
    assert [(name_of(client, c["sender"]), c["position"], c["reason"], c["service"],
             c["service_name"]) for c in cases] == [("u-yue", 1, "asked", "social_security_card", "社保卡"),
                                ("u-cmn", 2, "asked", None, None)]


async def test_an_emergency_goes_to_the_head_of_the_queue_marked(client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    body = await chat(client, "u2", "我阿妈晕咗喺度")
    assert body["messages"][0]["text"].startswith("请即刻打120")
    assert body["handoff"] == {"state": "waiting", "position": 1}
    assert "优先" in texts(body)
    staff = await staff_login("chan")
    cases = await staff.cases()
    assert [(name_of(client, c["sender"]), c["urgent"], c["position"]) for c in cases] == [
        ("u2", True, 1), ("u1", False, 2)]
    assert (await chat(client, "u1", "仲要等几耐"))["handoff"]["position"] == 2


async def test_emergency_while_waiting_says_120_and_jumps_the_queue(client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    await chat(client, "u2", "我要找工作人员")
    body = await chat(client, "u2", "救命！我阿爸跌倒了")
    assert "120" in body["messages"][0]["text"] and body["handoff"]["position"] == 1


async def test_messages_while_waiting_are_kept_for_staff_not_answered_by_the_bot(
        client, fake_rasa, staff_login):
    await chat(client, "u1", "社保卡点办")
    await chat(client, "u1", "我想搵個真人同我講")
    asked = len(fake_rasa.received)
    body = await chat(client, "u1", "我身份證係440106195001011234，仲有張卡6222021234567890123")
    assert len(fake_rasa.received) == asked          # the bot never saw it
    assert body["handoff"]["state"] == "waiting" and "收到" in texts(body)
    staff = await staff_login("chan")
    case = await staff.case_of("u1")
    said = [(m["author"], m["text"]) for m in case["transcript"]]
    assert said[0] == ("user", "社保卡点办")              # the turns before the handoff
    assert said[1][0] == "bot" and said[2] == ("user", "我想搵個真人同我講")
    assert said[-1] == ("user", "我身份證係4401**********1234，仲有張卡6222***********0123")
    assert "440106195001011234" not in str(case)


async def test_the_person_can_cancel_and_return_to_the_bot(client, fake_rasa, staff_login):
    await chat(client, "u1", "我想搵個真人同我講")
    body = await chat(client, "u1", "唔等喇")
    assert body["handoff"] is None and "唔等" in texts(body)
    asked = len(fake_rasa.received)
    body = await chat(client, "u1", "長者卡點樣辦")
    assert len(fake_rasa.received) == asked + 1 and body["handoff"] is None
    staff = await staff_login("chan")
    assert await staff.cases() == []
    assert (await staff.cases("closed"))[0]["state"] == "cancelled"


async def test_not_understood_is_a_reason_too(client, staff_login):
    body = await chat(client, "u1", "乱码乱码")
    assert body["handoff"]["state"] == "waiting"
    staff = await staff_login("chan")
    assert (await staff.cases())[0]["reason"] == "not_understood"


async def test_a_callback_number_is_checked_and_masked_until_claimed(client, staff_login):
    await chat(client, "u1", "我想搵個真人同我講")
    body = await chat(client, "u1", "可唔可以打返俾我")
    assert "電話號碼" in texts(body)
    body = await chat(client, "u1", "12345")
    assert "唔啱" in texts(body)
    body = await chat(client, "u1", "我電話係 9123 4567")
    assert "****4567" in texts(body) and "91234567" not in texts(body)
    body = await chat(client, "u2", "我要找工作人员")
    body = await chat(client, "u2", "我的参考号是20240101")      # not a number to ring
    assert "记下" not in texts(body)

    chan, lee = await staff_login("chan"), await staff_login("lee")
    queued = (await chan.cases())[0]
    assert queued["callback"] == "****4567" and not queued["callback_full"]
    assert "91234567" not in str(await chan.case_of("u1"))
    status, claimed = await chan.post(f"/console/api/cases/{queued['id']}/claim")
    assert status == 200 and claimed["callback"] == "91234567" and claimed["callback_full"]
    assert (await lee.case_of("u1"))["callback"] == "****4567"

    status, figures_body = await chan.get("/console/api/figures")
    assert status == 403


async def wait_for_condition(condition, timeout: float = 30.0) -> None:
    """Until `condition()` holds (a generous deadline for a loaded machine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        await asyncio.sleep(0.01)


def _closed_hours_now() -> str:
    """Staff hours on a day that is not today (in +08:00): closed right now."""
    today = datetime.now(timezone(timedelta(hours=8))).weekday()
    return f"{DAYS[(today + 3) % 7]} 09:00-17:00"


async def test_outside_staff_hours_no_case_waits_and_a_callback_is_offered(
        aiohttp_client, make_settings, staff_login):
    settings = make_settings(staff_hours=_closed_hours_now())
    client = await aiohttp_client(create_app(settings))
    body = await chat(client, "u1", "我想搵個真人同我講")
    assert body["handoff"] == {"state": "off_hours", "position": None}
    assert "放咗工" in texts(body) and "9:00-17:00" in texts(body) and "電話號碼" in texts(body)
    body = await chat(client, "u1", "13812345678")
    assert body["handoff"]["state"] == "callback" and "138****5678" in texts(body)
    body = await chat(client, "u1", "長者卡點樣辦")
    assert body["handoff"] is None                       # back with the bot

    add_staff(settings, "chan")
    staff = await StaffClient(await aiohttp_client(client.server)).login("chan")
    (task,) = await staff.cases()
    assert (task["state"], task["kind"]) == ("callback", "callback")
    assert task["callback"] == "138****5678"
    status, body = await staff.post(f"/console/api/cases/{task['id']}/claim")
    assert status == 200 and body["callback"] == "13812345678"
    status, body = await staff.post(f"/console/api/cases/{task['id']}/close")
    assert status == 200 and body["state"] == "closed"


async def test_staff_reply_reaches_the_person_in_their_own_script(client, staff_login):
    await chat(client, "u-hant", "我想搵個真人同我講")
    await chat(client, "u-hans", "我要找工作人员")
    staff = await staff_login("chan")
    for sender, typed, expected in [
            ("u-hant", "您好，我是工作人员，请问有什么可以帮您？", "您好，我是工作人員，請問有什麼可以幫您？"),
            ("u-hans", "請問您的身份證帶了嗎？", "请问您的身份证带了吗？")]:
        case = await staff.case_of(sender)
        assert (await staff.post(f"/console/api/cases/{case['id']}/claim"))[0] == 200
        status, _ = await staff.post(f"/console/api/cases/{case['id']}/messages", {"text": typed})
        assert status == 200
        got = await poll(client, sender)
        assert [m["from"] for m in got["messages"]] == ["assistant", "staff"]
        assert got["messages"][1]["text"] == expected
        assert got["handoff"] == {"state": "with_staff", "position": None}


async def test_with_staff_the_person_talks_to_staff_then_back_to_the_bot(
        client, fake_rasa, staff_login):
    await chat(client, "u1", "我想搵個真人同我講")
    staff = await staff_login("chan")
    case = await staff.case_of("u1")
    await staff.post(f"/console/api/cases/{case['id']}/claim")
    asked = len(fake_rasa.received)
    body = await chat(client, "u1", "我想問長者卡")
    assert body == {"messages": [], "language": "yue", "script": "hant",
                    "handoff": {"state": "with_staff", "position": None}}
    assert len(fake_rasa.received) == asked
    case = await staff.case_of("u1")
    assert case["transcript"][-1]["text"] == "我想問長者卡"

    status, body = await staff.post(f"/console/api/cases/{case['id']}/handback")
    assert status == 200 and body["state"] == "returned"
    got = await poll(client, "u1")
    assert got["messages"][-1]["text"] == "你好，我係街坊助手。仲有咩事？"
    assert got["handoff"] is None
    body = await chat(client, "u1", "長者卡點樣辦")
    assert len(fake_rasa.received) == asked + 1 and body["handoff"] is None


async def test_closing_tells_the_person_and_frees_the_conversation(client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    staff = await staff_login("chan")
    case = await staff.case_of("u1")
    await staff.post(f"/console/api/cases/{case['id']}/claim")
    status, body = await staff.post(f"/console/api/cases/{case['id']}/close")
    assert status == 200 and body["state"] == "closed"
    got = await poll(client, "u1")
    assert got["messages"][-1]["text"] == "工作人员已经结束对话，谢谢您！"
    assert (await chat(client, "u1", "你好"))["handoff"] is None
    status, body = await staff.post(f"/console/api/cases/{case['id']}/messages", {"text": "在吗"})
    assert status == 409


async def test_long_poll_waits_for_the_staff_message_and_acknowledges_by_id(
        aiohttp_client, make_settings):
    settings = make_settings(handoff_poll_seconds=120)
    client = await aiohttp_client(create_app(settings))
    await chat(client, "u1", "我要找工作人员")
    add_staff(settings, "chan")
    staff = await StaffClient(await aiohttp_client(client.server)).login("chan")
    case = await staff.case_of("u1")
    await staff.post(f"/console/api/cases/{case['id']}/claim")
    first = await poll(client, "u1", after=0)
    assert len(first["messages"]) == 1               # 「工作人员来了」
    started = time.monotonic()
    assert (await poll(client, "u1", after=first["last_id"], timeout=1))["messages"] == []
    assert time.monotonic() - started > 0.9          # nothing new: it waited its full time

    waiting = asyncio.create_task(poll(client, "u1", after=first["last_id"], timeout=120))
    desk = client.app[HANDOFF]                        # parked: the desk has its wake-up
    u1 = sender_of(client, "u1")
    await wait_for_condition(lambda: u1 in desk._waiters)     # (no public view of that)
    assert not waiting.done()
    await staff.post(f"/console/api/cases/{case['id']}/messages", {"text": "您好"})
    got = await asyncio.wait_for(waiting, 60)         # woken by the message, not timed out
    assert [m["text"] for m in got["messages"]] == ["您好"]
    again = await poll(client, "u1", after=first["last_id"])   # not acknowledged yet: again
    assert [m["text"] for m in again["messages"]] == ["您好"]
    assert (await poll(client, "u1", after=again["last_id"]))["messages"] == []
    assert (await poll(client, "u1"))["messages"] == []        # all delivered


async def test_long_poll_checks_its_input(client):
    u1 = await person(client, "u1")
    for query in ("?after=-1", "?after=x", "?timeout=nan", "?timeout=-2"):
        resp = await client.get(f"/api/chat/messages{query}", headers=u1.headers)
        assert resp.status == 400, query
    resp = await client.get("/api/chat/messages")                 # no token: nothing
    assert resp.status == 401 and "token" in (await resp.json())["error"]
    resp = await client.get(f"/api/chat/{u1.sender}/messages")    # the old path is gone
    assert resp.status == 410
    assert (await poll(client, "nobody"))["messages"] == []

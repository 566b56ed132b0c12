"""The queue as a person meets it, on the real stack: the real Rasa with the trained model
decides when a person is needed (asked, not understood twice, an emergency) and which
service it is about; the gateway queues, routes and remembers.

Each gateway here is our own process (tests/processes.py) on the shared stack's Rasa and
action server, with its own run dir: its own queue, so places in line are exact."""
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest

from bot.catalog import load_catalog
from bot.language import to_script, to_simplified
from channels.gateway.handoff.hours import DAYS
from tests.integration.helpers import Console, Conversation, assert_traditional
from tests.processes import Gateway

pytestmark = pytest.mark.stack

CATALOG = load_catalog()
STAFF = "chan"


def hk(text: str) -> str:
    return to_script(text, "yue", "hant")


def start_gateway(stack, run_dir, **settings) -> Gateway:
    gateway = Gateway(stack, run_dir, **settings)
    gateway.start()
    try:
        gateway.add_staff(STAFF)
    except Exception:
        gateway.stop()
        raise
    return gateway


@pytest.fixture(scope="module")
def gateway(stack, tmp_path_factory) -> Iterator[Gateway]:
    gateway = start_gateway(stack, tmp_path_factory.mktemp("queue"))
    yield gateway
    gateway.stop()


@pytest.fixture
def staff(gateway) -> Console:
    """A member of staff, with nobody left in the queue from an earlier test."""
    console = Console(gateway.url, STAFF)
    for case in console.cases():
        console.act(case["id"], "close")
    assert console.cases() == []
    return console


def person(gateway: Gateway) -> Conversation:
    return Conversation(gateway.url)


def test_not_understood_twice_then_yes_to_a_person(gateway, staff):
    chat = person(gateway)
    chat.say("今日天氣點樣呀")
    body = chat.say("講個笑話俾我聽啦")
    assert body["handoff"] is None and "使唔使我幫你揾工作人員" in chat.text
    body = chat.say("1")
    assert body["handoff"] == {"state": "waiting", "position": 1}
    assert "你排第1位" in chat.text
    (case,) = staff.cases()
    assert (case["sender"], case["reason"], case["urgent"], case["service"]) == (
        chat.sender, "not_understood", False, None)


def test_an_emergency_jumps_the_queue_and_is_urgent(gateway, staff):
    first, second, fallen = person(gateway), person(gateway), person(gateway)
    assert first.say("我要找工作人员")["handoff"] == {"state": "waiting", "position": 1}
    assert second.say("我想搵個真人同我講")["handoff"] == {"state": "waiting", "position": 2}
    body = fallen.say("救命，我阿妈跌倒起唔到身")
    assert body["messages"][0]["text"].startswith("请即刻打120")
    assert body["handoff"] == {"state": "waiting", "position": 1} and "优先处理" in fallen.text
    assert first.say("还要等多久")["handoff"] == {"state": "waiting", "position": 2}
    assert "您排在第2位" in first.text
    assert [(c["sender"], c["urgent"], c["reason"], c["position"]) for c in staff.cases()] == [
        (fallen.sender, True, "emergency", 1), (first.sender, False, "asked", 2),
        (second.sender, False, "asked", 3)]

    body = second.say("救命！我阿爸暈咗")                 # while waiting: 120 first, then ahead
    assert body["messages"][0]["text"].startswith("請即刻打120")
    assert body["handoff"]["state"] == "waiting" and body["handoff"]["position"] in (1, 2)
    cases = staff.cases()
    assert [c["sender"] for c in cases][2] == first.sender
    assert {(c["sender"], c["urgent"]) for c in cases[:2]} == {
        (fallen.sender, True), (second.sender, True)}


@pytest.mark.parametrize("asked, then, service", [
    ("长者卡点样办", "找工作人员", "senior_card"),
    ("社保卡丢了怎么办", "3", "social_security_card"),      # 「3 找工作人员」 on the screen
], ids=["by-words", "by-number"])
def test_the_case_is_about_the_service_the_person_asked(gateway, staff, asked, then, service):
    chat = person(gateway)
    chat.say(asked)
    assert chat.last["messages"][0]["text"] == CATALOG[service].text(
        "summary", chat.last["language"])
    body = chat.say(then)
    assert body["handoff"] == {"state": "waiting", "position": 1}
    case = staff.case_of(chat.sender)
    assert (case["service"], case["service_name"], case["reason"]) == (
        service, CATALOG[service].text("name", "cmn"), "asked")
    assert CATALOG["senior_card"].text("name", "cmn") == "长者卡"   # what the console shows


def test_cancelling_by_words_returns_the_person_to_the_bot(gateway, staff):
    chat = person(gateway)
    assert chat.say("我想搵個真人同我講")["handoff"]["state"] == "waiting"
    body = chat.say("唔等喇")
    assert body["handoff"] is None and chat.text == "好，唔等喇。你想辦咩事？"
    body = chat.say("長者卡點樣辦")                        # the bot answers again
    assert body["handoff"] is None
    assert body["messages"][0]["text"] == hk(CATALOG["senior_card"].text("summary", "yue"))
    assert staff.cases() == []
    assert staff.case_of(chat.sender, "closed")["state"] == "cancelled"


def test_the_turns_before_the_handoff_are_on_the_case_masked(gateway, staff):
    chat = person(gateway)
    said = ["社保卡唔見咗點算", "我身份證號碼係440106195001011234", "我想搵個真人同我講"]
    answers = []
    for text in said:
        chat.say(text)
        answers.append(chat.text)
    case = staff.case_of(chat.sender)
    transcript = [(m["author"], m["text"]) for m in case["transcript"]]
    mine = [t for a, t in transcript if a == "user"]
    assert (mine[0], mine[2]) == (said[0], said[2])
    assert mine[1].startswith("我身份證號碼係") and mine[1].endswith("1234") and "*" in mine[1]
    assert "440106195001011234" not in str(case)             # masked for staff
    assert transcript[0] == ("user", said[0])
    assert transcript[1] == ("bot", to_simplified(answers[0]))   # the bot's answer, in full
    assert CATALOG["social_security_card"].text("summary", "yue") in transcript[1][1]


def test_places_in_line_are_live(gateway, staff):
    first, second = person(gateway), person(gateway)
    assert first.say("我要找工作人员")["handoff"]["position"] == 1
    body = second.say("我也要找工作人员")
    assert body["handoff"] == {"state": "waiting", "position": 2} and "您排在第2位" in second.text
    assert second.collect()["handoff"] == {"state": "waiting", "position": 2}
    staff.act(staff.case_of(first.sender)["id"], "claim")
    assert second.collect()["handoff"] == {"state": "waiting", "position": 1}
    got = first.collect(timeout=10)
    assert [m["text"] for m in got["messages"]] == ["工作人员来了，请说。"]
    assert got["handoff"] == {"state": "with_staff", "position": None}


def test_a_number_left_while_waiting_is_masked_until_claimed(gateway, staff):
    chat = person(gateway)
    chat.say("我想搵個真人同我講")
    chat.say("可唔可以打返俾我")
    assert "電話號碼" in chat.text
    body = chat.say("我嘅電話係 9123 4567")
    assert "記低咗" in chat.text and "67" in chat.text and "91234567" not in str(body)
    (case,) = staff.cases()
    assert case["callback"].endswith("67") and not case["callback_full"]
    assert "91234567" not in str(staff.case_of(chat.sender))
    claimed = staff.act(case["id"], "claim")                 # the one who rings sees it
    assert claimed["callback"] == "91234567" and claimed["callback_full"]


def _closed_all_day_today() -> str:
    """Staff hours on a day that is not today (+08:00): nobody is there now."""
    today = datetime.now(timezone(timedelta(hours=8))).weekday()
    return f"{DAYS[(today + 3) % 7]} 09:00-17:00"


def test_outside_staff_hours_a_callback_is_taken_instead(stack, tmp_path):
    closed = start_gateway(stack, tmp_path / "closed", staff_hours=_closed_all_day_today())
    try:
        staff = Console(closed.url, STAFF)
        chat = person(closed)
        chat.say("長者卡點樣辦")
        body = chat.say("我想搵個真人同我講")
        assert body["handoff"] == {"state": "off_hours", "position": None}
        assert "放咗工" in chat.text and "9:00-17:00" in chat.text and "電話號碼" in chat.text
        assert staff.cases() == []                          # nobody waits for no one
        body = chat.say("13812345678")
        assert body["handoff"] == {"state": "callback", "position": None}
        assert "記低咗" in chat.text and "78" in chat.text and "13812345678" not in str(body)
        body = chat.say("社保卡丢了怎么办")                   # the bot answers again
        assert body["handoff"] is None
        assert body["messages"][0]["text"] == CATALOG["social_security_card"].text("summary", "cmn")
        (task,) = staff.cases()
        assert (task["state"], task["kind"], task["service"]) == ("callback", "callback",
                                                                 "senior_card")
        assert task["callback"].endswith("78") and "13812345678" not in str(task)
        assert staff.act(task["id"], "claim")["callback"] == "13812345678"
        assert staff.act(task["id"], "close")["state"] == "closed"
    finally:
        closed.stop()


def test_a_gateway_restart_keeps_the_case_and_the_person_waiting(stack, tmp_path):
    gateway = start_gateway(stack, tmp_path / "restart")
    try:
        staff = Console(gateway.url, STAFF)
        waiting, talking = person(gateway), person(gateway)
        waiting.say("長者卡點樣辦")
        waiting.say("我想搵個真人同我講")
        talking.say("我要找工作人员")
        assert talking.last["handoff"]["position"] == 2
        staff.act(staff.case_of(talking.sender)["id"], "claim")
        staff.act(staff.case_of(talking.sender)["id"], "messages", {"text": "您好，请讲"})
        before = staff.case_of(waiting.sender)

        gateway.restart()                                   # mid-case
        for someone in (waiting, talking):   # the same port, unless someone took it meanwhile
            someone.base_url, someone.url = gateway.url, gateway.url + "/api/chat"
        staff = Console(gateway.url, STAFF)

        body = waiting.say("仲要等幾耐")                      # to the case, not to the bot
        assert body["handoff"] == {"state": "waiting", "position": 1}
        # nobody has the console open: no promise that staff come soon
        assert waiting.text == "收到，已經轉咗俾工作人員。你排第1位。而家未有工作人員喺度，請等一等。"
        assert_traditional(waiting.text)
        after = staff.case_of(waiting.sender)
        assert after["transcript"][:len(before["transcript"])] == before["transcript"]
        assert after["transcript"][-1]["text"] == "仲要等幾耐"
        assert after["service"] == "senior_card"

        body = talking.say("我的社保卡丢了")                   # with staff: staff read it
        assert body == {"messages": [], "language": "cmn", "script": "hans",
                        "handoff": {"state": "with_staff", "position": None}}
        got = talking.collect(timeout=10)
        assert [m["text"] for m in got["messages"]] == ["工作人员来了，请说。", "您好，请讲"]
        assert staff.case_of(talking.sender)["transcript"][-1]["text"] == "我的社保卡丢了"
    finally:
        gateway.stop()

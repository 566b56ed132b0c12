"""Conversations through POST /api/chat on the real stack (issues 2 and 4):
replies from the catalog, in the user's language and script, step by step."""
import re

import pytest

from bot.catalog import load_catalog
from bot.language import to_script
from tests.integration.helpers import (Console, Conversation, assert_simplified,
                                       assert_traditional)

CATALOG = load_catalog()
PENSION = CATALOG["pension_certification"]
SENIOR = CATALOG["senior_card"]


def hk(text: str) -> str:
    return to_script(text, "yue", "hant")


def assert_plain(chat: Conversation) -> None:
    """Every message: at most three sentences (the rating's five faces are buttons)."""
    for message in chat.last["messages"]:
        parts = [p for p in re.split(r"(?<=[。！？!?])", message["text"]) if p.strip()]
        assert len(parts) <= 3, message["text"]
        assert len(message.get("buttons", [])) <= 5


def test_cantonese_traditional_walk_with_controls(base_url):
    chat = Conversation(base_url)
    body = chat.say("養老金點樣認證")
    assert (body["language"], body["script"], body["handoff"]) == ("yue", "hant", None)
    assert body["messages"][0]["text"] == hk(PENSION.text("summary", "yue"))
    assert chat.buttons == ["1 幫自己辦", "2 幫屋企人辦", "3 揾工作人員"]

    chat.say("1")                                           # numbered choice by digit
    for item in PENSION.text("materials", "yue"):
        assert hk(item) in chat.text
    assert chat.buttons == ["1 去邊度辦", "2 手機點樣辦", "3 揾工作人員", "4 冇嘢喇，搞掂"]
    materials = chat.last["messages"]

    chat.say("去邊度辦")                                     # ... and by words
    assert hk(PENSION.text("hours", "yue")) in chat.text
    where = chat.last["messages"]
    chat.say("再講一次")                                     # repeat: exactly the last answer
    assert chat.last["messages"] == where
    chat.say("講慢啲")                                       # slower: flag, then the answer again
    assert chat.last["messages"][1:] == where
    chat.say("返回")                                         # back: the previous step
    assert chat.last["messages"] == materials
    chat.say("揀二")
    assert hk(PENSION.text("online", "yue")) in chat.text
    chat.say("9")                                            # out of range: the options again
    assert "冇呢個選項" in chat.text and len(chat.buttons) == 4

    chat.say("多謝晒")                                       # the end: rating, once
    assert "唔使客氣" in chat.text
    assert chat.buttons == ["5 非常滿意", "4 滿意", "3 基本滿意", "2 唔滿意", "1 非常唔滿意"]
    chat.say("好滿意")                                       # rating by words
    assert "多謝你嘅評價" in chat.text
    chat.say("多謝")
    assert chat.buttons == []                                # never asked twice
    assert_traditional(chat.all_text())


def test_mandarin_simplified_walk_for_a_parent(base_url):
    chat = Conversation(base_url)
    chat.say("长者卡怎么办")
    assert chat.last["messages"][0]["text"] == SENIOR.text("summary", "cmn")
    chat.say("帮我妈妈办")                                   # words answer the question on screen
    assert chat.text == "要办卡的人，满60岁了吗？" and chat.buttons == ["1 是", "2 不是"]
    chat.say("她今年78岁")                                   # an age answers the age rule
    assert "满60岁，可以办长者卡。" in chat.text
    for item in SENIOR.text("materials", "cmn") + SENIOR.optional("agent_materials", "cmn"):
        assert item in chat.text                             # the agent's papers too
    chat.say("第二个")
    assert SENIOR.text("online", "cmn") in chat.text
    chat.say("没有了，办完了")
    assert "祝您办事顺利" in chat.text and len(chat.buttons) == 5
    chat.say("2")                                            # rating by number
    assert chat.text == "可以讲讲原因吗？不想说也没关系。"
    chat.say("排队排了两个小时")
    assert "我们会改进" in chat.text
    assert_simplified(chat.all_text())
    assert_plain(chat)


def test_a_mandarin_speaker_who_waited_two_hours_is_answered_in_mandarin(base_url):
    chat = Conversation(base_url)
    chat.say("身份证过期了怎么换")
    chat.say("谢谢")
    chat.say("2")
    body = chat.say("排队排了两个钟头")
    assert body["language"] == "cmn" and "我们会改进" in chat.text


def test_too_young_for_the_senior_card(base_url):
    chat = Conversation(base_url)
    chat.say("我想办长者卡")
    chat.say("给自己办")
    chat.say("不是")
    assert "要满60岁才能办" in chat.text
    assert chat.buttons == ["1 问别的事", "2 找工作人员", "3 没有了，办完了"]


def test_restart_and_switching_service(base_url):
    chat = Conversation(base_url)
    chat.say("养老金点样认证")
    chat.say("1")
    chat.say("咁长者卡呢？点样办")                             # another service mid-conversation
    assert chat.last["messages"][0]["text"] == SENIOR.text("summary", "yue")
    chat.say("由头嚟过")
    assert "由头嚟过" in chat.text
    chat.say("2")                                            # nothing on screen after a restart
    assert "边件事" in chat.text


def test_two_failures_offer_a_person(base_url, stack_admin):
    staff = Console(base_url, stack_admin)
    for first, second, offer, place in [
            ("今日天氣點樣呀", "講個笑話俾我聽啦", "使唔使我幫你揾工作人員", "你排第{}位"),
            ("今天天气怎么样", "给我讲个笑话吧", "要不要我帮您找工作人员", "您排在第{}位")]:
        chat = Conversation(base_url)
        chat.say(first)
        assert len(chat.buttons) == 4 and chat.buttons[-1].endswith("工作人員" if "天氣" in first else "工作人员")
        assert chat.last["handoff"] is None
        chat.say(second)
        assert offer in chat.text
        assert len(chat.buttons) == 2 and chat.last["handoff"] is None   # only offered
        body = chat.say("1")                                 # yes, a person please
        assert body["handoff"]["state"] == "waiting"
        assert place.format(body["handoff"]["position"]) in chat.text
        case = staff.case_of(chat.sender)
        assert (case["state"], case["reason"], case["urgent"]) == ("waiting", "not_understood", False)
        said = [m["text"] for m in case["transcript"] if m["author"] == "user"]
        assert said == [first, second, "1"]                  # staff see what went wrong


def assert_urgent_and_ahead(staff: Console, sender: str) -> None:
    """The person's case is marked urgent and comes before every case that is not."""
    waiting = [c for c in staff.cases() if c["state"] == "waiting"]
    (mine,) = [c for c in waiting if c["sender"] == sender]
    assert (mine["urgent"], mine["reason"]) == (True, "emergency")
    assert all(mine["position"] < c["position"] for c in waiting if not c["urgent"])


def test_emergency_comes_first(base_url, stack_admin):
    staff = Console(base_url, stack_admin)
    queued = Conversation(base_url)
    queued.say("我想搵個真人同我講")                         # someone already waiting
    chat = Conversation(base_url)
    chat.say("長者卡點樣辦")
    body = chat.say("我阿媽暈咗喺度")
    assert body["messages"][0]["text"].startswith("請即刻打120")
    assert body["handoff"]["state"] == "waiting" and "優先處理" in chat.text
    assert_urgent_and_ahead(staff, chat.sender)
    assert queued.say("仲要等幾耐")["handoff"]["position"] > body["handoff"]["position"]
    chat = Conversation(base_url)
    body = chat.say("救命，我爸爸摔倒了")
    assert body["messages"][0]["text"].startswith("请马上打120")
    assert body["handoff"]["state"] == "waiting" and "优先处理" in chat.text
    assert_urgent_and_ahead(staff, chat.sender)


def test_greeting_help_goodbye_in_both_languages(base_url):
    yue = Conversation(base_url)
    assert "你想辦咩事" in yue.say("你好呀，我係陳伯")["messages"][0]["text"]
    assert "你可以講" in yue.say("你識做啲咩")["messages"][0]["text"]
    assert "拜拜" in yue.say("拜拜")["messages"][0]["text"]
    cmn = Conversation(base_url)
    assert "您想办什么事" in cmn.say("您好")["messages"][0]["text"]
    assert "您可以说" in cmn.say("你能帮我做什么")["messages"][0]["text"]
    assert "再见" in cmn.say("再见")["messages"][0]["text"]


def test_formal_news_is_out_of_scope(base_url):
    chat = Conversation(base_url)
    chat.say("国家统计局今日发布数据，上半年国内生产总值同比增长5.3%。")
    assert "帮不上忙" in chat.text


def test_explicit_cantonese_choice_sticks(base_url):
    chat = Conversation(base_url)
    chat.say("讲广东话")
    assert chat.last["language"] == "yue"
    body = chat.say("请问长者卡怎么办理")      # standard written Chinese, but Cantonese was asked for
    assert body["language"] == "yue" and "你系帮自己办" in chat.text
    chat.say("说普通话")
    body = chat.say("请问长者卡怎么办理")
    assert body["language"] == "cmn" and "您是给自己办" in chat.text


def test_explicit_traditional_choice_sticks(base_url):
    chat = Conversation(base_url)
    chat.say("用繁體字")
    body = chat.say("社保卡丢了怎么办")
    assert body["script"] == "hant"
    assert_traditional(chat.all_text())


def test_human_request_is_acknowledged_in_cantonese(base_url):
    chat = Conversation(base_url)
    chat.say("我想搵個真人同我講")
    assert "工作人員" in chat.text


def test_ratings_are_stored(base_url, stack):
    import sqlite3
    chat = Conversation(base_url)
    chat.say("身份证过期了怎么换")
    chat.say("谢谢")
    chat.say("1")
    chat.say("等太久了")
    db = sqlite3.connect(stack.config.run_dir / "kaifong.sqlite3")
    row = db.execute("SELECT score, reason, service, channel, language FROM ratings WHERE sender = ?",
                     (chat.sender,)).fetchone()
    assert row == (1, "等太久了", "id_card", "api", "cmn")

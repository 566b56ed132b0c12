"""Personal numbers never reach a log line, a case transcript, the last words shown
to staff or a stored rating reason in clear — through the real stack, in every form
a person types or the speech recogniser writes."""
from __future__ import annotations

import re
import sqlite3

from bot.textrules import read_digits
from tests.integration.helpers import Console, Conversation, wait_until

# (what the person says, the digits that must never be seen again)
FORMS = [
    ("我电话91234567, 020-12345678", ["91234567", "12345678"]),
    ("我手机8613812345678", ["13812345678"]),
    ("打俾我 +852 9123 4567 啦", ["91234567"]),
    ("我个电话系一三八一二三四五六七八", ["13812345678"]),
    ("一 三 九 二 二 三 三 四 四 五 五", ["13922334455"]),   # as the recogniser writes it
    ("身份证四四零一零六一九五零零一零一一二三四", ["440106195001011234"]),
    ("身份证 440106 19500101 123X", ["44010619500101123", "19500101123"]),
    ("卡号６２２２ ０２１２ ３４５６ ７８９０ １２３", ["6222021234567890123"]),
    ("香港身份证 A123456(7)", ["1234567"]),
    ("回乡证 H1234567890", ["1234567890"]),
]


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", read_digits(text, min_digits=1))


def assert_hidden(where: str, text: str) -> None:
    plain = digits_only(text)
    for _, secrets in FORMS:
        for secret in secrets:
            assert secret not in plain, f"{secret} in clear in {where}"


def test_numbers_are_masked_in_logs_transcripts_last_words_and_reasons(
        base_url, stack, stack_admin):
    chat = Conversation(base_url)
    chat.say("长者卡点样办")
    for text, _ in FORMS[:5]:
        chat.say(text)
    chat.say("我要找工作人员")
    for text, _ in FORMS[5:]:
        chat.say(text)   # while waiting: these go to the case, not to the bot
    staff = Console(base_url, stack_admin)
    case = staff.case_of(chat.sender)
    said = [m["text"] for m in case["transcript"] if m["author"] == "user"]
    assert len(said) >= len(FORMS) and "长者卡点样办" in said   # the transcript is really there
    for line in said:
        assert_hidden("the case transcript", line)
    assert_hidden("the last words", case["last_words"] or "")
    listed = next(c for c in staff.cases() if c["id"] == case["id"])
    assert_hidden("the queue's last words", listed["last_words"] or "")
    staff.act(case["id"], "claim")
    staff.act(case["id"], "close")

    # a low rating with a reason full of numbers
    rater = Conversation(base_url)
    rater.say("身份证过期了怎么换")
    rater.say("谢谢")
    rater.say("1")
    rater.say("等太久了，打我电话一三八一二三四五六七八或者 9123 4567")
    db = sqlite3.connect(stack.config.run_dir / "kaifong.sqlite3")
    row = wait_until(lambda: db.execute("SELECT reason FROM ratings WHERE sender = ?",
                                        (rater.sender,)).fetchone(), what="the rating")
    assert row[0] and "等太久了" in row[0]
    assert_hidden("a rating reason", row[0])

    logs = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in stack.config.run_dir.glob("*.log"))
    assert "长者卡点样办" in logs or "turn channel=api" in logs   # the gateway does log turns
    for line in logs.splitlines():
        assert_hidden("a log line", line)

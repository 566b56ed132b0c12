"""The case summary with the real dialogue (the real stack): a person walks the senior
card for a parent, answers the age question in words, presses 「3」 on the menu; staff
read who it is for, the answer and what it meant, and the words the person saw."""
from __future__ import annotations

import pytest

from tests.integration.helpers import Console, Conversation

pytestmark = pytest.mark.stack


def test_the_case_says_what_the_walk_established(base_url, stack_admin):
    person = Conversation(base_url)
    person.say("长者卡怎么办")
    assert "帮家人办" in person.all_text()
    person.say("2")                                   # for a family member
    assert "60岁" in person.text
    person.say("七十八岁")                              # the age, in words
    assert "满60岁" in person.text
    titles = person.buttons
    human = next(t for t in titles if "找工作人员" in t)
    body = person.say(human.split()[0])               # presses the number of 找工作人员
    assert body["handoff"]["state"] == "waiting"

    staff = Console(base_url, stack_admin)
    case = staff.case_of(person.sender)
    assert case["service"] == "senior_card"
    assert case["facts"]["for_whom"] == "family"
    (answer,) = case["facts"]["answers"]
    assert answer["answer"] == "yes" and "60岁" in answer["question"]
    assert case["last_words"] == human                # the words on screen, not the digit
    assert case["asked"] == "七十八岁"
    said = [m for m in case["transcript"] if m["author"] == "user"]
    assert said[1]["text"] == "2" and said[1]["shown"] == "2 帮家人办"
    staff.act(case["id"], "claim")
    staff.act(case["id"], "close")

"""When Rasa or the action server goes down the user hears an apology with the
hotline, /healthz names the part, and the gateway recovers by itself: a conversation
started before the outage carries on where it was (Rasa's tracker store is SQLite in
the run dir).

These tests stop and restart processes, so they have a stack of their own (its own
Rasa, action server, gateway and run dir): the shared one stays untouched whatever
order the tests run in."""
from typing import Iterator

import pytest

from bot.catalog import load_catalog
from bot.language import to_script
from channels.tools.stack import Stack
from tests.integration.helpers import Conversation, get, wait_until
from tests.processes import restart_and_wait, start_stack

pytestmark = pytest.mark.stack

PENSION = load_catalog()["pension_certification"]


@pytest.fixture(scope="module")
def own_stack(model, tmp_path_factory) -> Iterator[Stack]:
    stack = start_stack(model, tmp_path_factory.mktemp("resilience"))
    yield stack
    stack.stop()


def health(stack: Stack) -> dict:
    status, body = get(stack.gateway_url + "/healthz")
    assert status == 200
    return body


def test_action_server_down_and_back(own_stack):
    before = Conversation(own_stack.gateway_url)
    before.say("社保卡丢了怎么办")
    assert before.buttons == ["1 给自己办", "2 帮家人办", "3 找工作人员"]
    own_stack.stop_process("actions")
    try:
        body = before.say("第一个", expect_status=503)
        assert "12345" in before.text and "对不起" in before.text
        assert "Traceback" not in str(body)
        now = health(own_stack)
        assert now["status"] == "degraded"
        assert now["components"]["actions"]["ok"] is False
        assert now["components"]["rasa"]["ok"] is True
    finally:
        restart_and_wait(own_stack, "actions")
    body = before.say("第一个")                      # the same choice, now answered
    alone = Conversation(own_stack.gateway_url)     # as if nothing had happened
    alone.say("社保卡丢了怎么办")
    assert body["messages"] == alone.say("第一个")["messages"]
    wait_until(lambda: health(own_stack)["status"] == "ok", what="/healthz ok again")


def test_rasa_down_and_back_mid_walk(own_stack):
    walk = Conversation(own_stack.gateway_url)
    walk.say("養老金點樣認證")
    walk.say("1")
    assert walk.buttons == ["1 去邊度辦", "2 手機點樣辦", "3 揾工作人員", "4 冇嘢喇，搞掂"]
    own_stack.stop_process("rasa")
    try:
        body = walk.say("2", expect_status=503)
        assert "唔好意思" in walk.text and "12345" in walk.text
        assert body["language"] == "yue" and body["script"] == "hant"
        assert health(own_stack)["components"]["rasa"]["ok"] is False
    finally:
        restart_and_wait(own_stack, "rasa")
    walk.say("2")                                   # still the option on screen: 手機點樣辦
    assert to_script(PENSION.text("online", "yue"), "yue", "hant") in walk.text
    wait_until(lambda: health(own_stack)["status"] == "ok", what="/healthz ok again")

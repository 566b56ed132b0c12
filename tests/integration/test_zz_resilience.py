"""When Rasa or the action server goes down the user hears an apology with the
hotline, /healthz names the part, and the gateway recovers by itself.
(Runs last: it stops and restarts parts of the shared stack.)"""
from tests.integration.helpers import Conversation, get


def test_action_server_down_and_back(stack, base_url):
    chat = Conversation(base_url)
    chat.say("社保卡丢了怎么办")
    stack.stop_process("actions")
    try:
        body = chat.say("第一个", expect_status=503)
        assert "12345" in chat.text and "对不起" in chat.text
        assert "Traceback" not in str(body)
        _, health = get(base_url + "/healthz")
        assert health["status"] == "degraded"
        assert health["components"]["actions"]["ok"] is False
        assert health["components"]["rasa"]["ok"] is True
    finally:
        stack.restart_process("actions")
        stack.wait_ready("actions")
    chat.say("社保卡丢了怎么办")
    assert len(chat.buttons) == 3  # who it is for: self, family, staff
    _, health = get(base_url + "/healthz")
    assert health["status"] == "ok"


def test_rasa_down_and_back(stack, base_url):
    chat = Conversation(base_url)
    stack.stop_process("rasa")
    try:
        chat.say("養老金點樣認證", expect_status=503)
        assert "唔好意思" in chat.text and "12345" in chat.text
        _, health = get(base_url + "/healthz")
        assert health["components"]["rasa"]["ok"] is False
    finally:
        stack.restart_process("rasa")
        stack.wait_ready("rasa")
    chat.say("養老金點樣認證")
    assert len(chat.buttons) == 3  # who it is for: self, family, staff

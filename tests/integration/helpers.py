"""A tiny blocking JSON client for the integration tests."""
import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from bot.language import detect_script


def post(url: str, body: Any, timeout: float = 30) -> tuple[int, dict]:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def get(url: str, timeout: float = 10) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Conversation:
    """One user talking to /api/chat."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/api/chat"
        self.sender = "t-" + uuid.uuid4().hex[:10]
        self.last: dict = {}

    def say(self, text: str, expect_status: int = 200) -> dict:
        status, body = post(self.url, {"sender": self.sender, "text": text})
        assert status == expect_status, body
        self.last = body
        return body

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.last["messages"])

    @property
    def buttons(self) -> list[str]:
        return [b["title"] for m in self.last["messages"] for b in m.get("buttons", [])]

    def all_text(self) -> str:
        return self.text + "\n" + "\n".join(self.buttons)


def assert_traditional(text: str) -> None:
    assert detect_script(text) != "hans", f"Simplified characters in a Traditional reply: {text}"


def assert_simplified(text: str) -> None:
    assert detect_script(text) != "hant", f"Traditional characters in a Simplified reply: {text}"

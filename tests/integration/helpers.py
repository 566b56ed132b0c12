"""A tiny blocking JSON client for the integration tests: a person on /api/chat,
and a member of staff on the console API."""
import http.cookiejar
import json
import random
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Optional

from bot.language import detect_script
from tests.handoff.conftest import PASSWORD


def post(url: str, body: Any, timeout: float = 30,
         headers: Optional[dict[str, str]] = None) -> tuple[int, dict]:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json",
                                                          **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def get(url: str, timeout: float = 10,
        headers: Optional[dict[str, str]] = None) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def new_address() -> str:
    """A client address of its own for each person: the test stacks trust 127.0.0.1 as
    a reverse proxy (setting trusted_proxies), so the limits per address see people,
    not the test run."""
    return "10.%d.%d.%d" % tuple(random.SystemRandom().randrange(1, 255) for _ in range(3))


class Conversation:
    """One user talking to /api/chat: a conversation opened by the server, its token
    on every call."""

    def __init__(self, base_url: str, user: Optional[str] = None) -> None:
        self.url = base_url + "/api/chat"
        self.base_url = base_url
        self.address = new_address()
        self.open(user)
        self.last: dict = {}
        self.last_id = 0

    def open(self, user: Optional[str] = None) -> None:
        status, body = post(self.base_url + "/api/conversations",
                            {"user": user} if user else {},
                            headers={"X-Forwarded-For": self.address})
        assert status == 201, body
        self.sender, self.token = body["conversation"], body["token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Forwarded-For": self.address}

    def say(self, text: str, expect_status: Optional[int] = 200) -> dict:
        """One turn; `expect_status` None takes any answer (see `status`)."""
        status, body = post(self.url, {"text": text}, headers=self.headers)
        assert expect_status is None or status == expect_status, body
        self.status, self.last = status, body
        return body

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.last["messages"])

    @property
    def buttons(self) -> list[str]:
        return [b["title"] for m in self.last["messages"] for b in m.get("buttons", [])]

    def all_text(self) -> str:
        return self.text + "\n" + "\n".join(self.buttons)

    def collect(self, timeout: float = 0) -> dict:
        """GET /api/chat/messages, acknowledging what this person has already seen."""
        status, body = get(f"{self.base_url}/api/chat/messages"
                           f"?after={self.last_id}&timeout={timeout}", timeout=timeout + 30,
                           headers=self.headers)
        assert status == 200, body
        self.last_id = body["last_id"] or self.last_id
        return body


def wait_until(condition: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    """Poll `condition` until it returns something true; a generous deadline for a loaded
    machine, never a fixed sleep before an assertion."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.2)


class Console:
    """A member of staff on the console API (/console/api/...), logged in with a cookie."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        status, body = self._call("POST", "/console/login",
                                  {"username": username, "password": password})
        assert status == 200, body
        self.csrf = body["csrf"]

    def _call(self, method: str, path: str, body: Optional[dict] = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers={
            "Content-Type": "application/json", "Origin": self.base_url,
            "X-CSRF-Token": getattr(self, "csrf", "")})
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def get(self, path: str) -> tuple[int, Any]:
        return self._call("GET", path)

    def post(self, path: str, body: Optional[dict] = None) -> tuple[int, Any]:
        return self._call("POST", path, body or {})

    def cases(self, state: str = "open") -> list[dict]:
        status, body = self.get(f"/console/api/cases?state={state}")
        assert status == 200, body
        return body["cases"]

    def case_of(self, sender: str, state: str = "all") -> dict:
        """The sender's newest case, in full (summary, facts, transcript)."""
        found = [c for c in self.cases(state) if c["sender"] == sender]
        assert found, f"no case for {sender}"
        status, body = self.get(f"/console/api/cases/{max(c['id'] for c in found)}")
        assert status == 200, body
        return body

    def act(self, case_id: int, action: str, body: Optional[dict] = None) -> dict:
        status, reply = self.post(f"/console/api/cases/{case_id}/{action}", body)
        assert status == 200, (action, reply)
        return reply


def assert_traditional(text: str) -> None:
    assert detect_script(text) != "hans", f"Simplified characters in a Traditional reply: {text}"


def assert_simplified(text: str) -> None:
    assert detect_script(text) != "hant", f"Traditional characters in a Simplified reply: {text}"

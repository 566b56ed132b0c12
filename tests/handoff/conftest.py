"""The gateway with a fake Rasa (the webhook and signals the real one sends), staff
accounts, and logged-in console clients. The real stack is in tests/conftest.py."""
from __future__ import annotations

import functools
import time
import weakref
from dataclasses import dataclass
from typing import Any, Optional

import pytest

from bot.settings import Settings, load_settings
from channels.gateway.app import create_app
from channels.console import accounts
from channels.console.passwords import hash_password
from channels.gateway.handoff import store
from channels.gateway.db import connect, in_transaction
from channels.gateway.db import database_path

PASSWORD = "correct horse battery"


@pytest.fixture
def make_settings(tmp_path, fake_rasa):
    def make(**overrides: Any) -> Settings:
        return load_settings(env={}, rasa_url=fake_rasa.url, action_url=fake_rasa.url,
                             rasa_timeout=5, data_dir=str(tmp_path), **overrides)
    return make


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


@functools.lru_cache(maxsize=None)
def _hash(password: str) -> str:   # argon2 is slow on purpose: hash each test password once
    return hash_password(password)


def add_staff(settings: Settings, username: str, role: str = "staff",
              password: str = PASSWORD) -> None:
    conn = connect(database_path(settings), [store.SCHEMA, accounts.SCHEMA])
    try:
        in_transaction(conn, accounts.add_staff, username, _hash(password), role, time.time())
    finally:
        conn.close()


def origin(client) -> str:
    return f"http://{client.host}:{client.port}"


class StaffClient:
    """One member of staff in their own browser (own cookie jar)."""

    def __init__(self, client) -> None:
        self.client = client
        self.csrf = ""

    async def login(self, username: str, password: str = PASSWORD) -> "StaffClient":
        resp = await self.client.post("/console/login", json={"username": username,
                                                              "password": password},
                                      headers={"Origin": origin(self.client)})
        assert resp.status == 200, await resp.text()
        self.csrf = (await resp.json())["csrf"]
        return self

    async def get(self, path: str) -> tuple[int, Any]:
        resp = await self.client.get(path)
        return resp.status, await resp.json()

    async def post(self, path: str, body: Optional[dict[str, Any]] = None) -> tuple[int, Any]:
        resp = await self.client.post(path, json=body or {}, headers={
            "Origin": origin(self.client), "X-CSRF-Token": self.csrf})
        return resp.status, await resp.json()

    async def cases(self, state: str = "open") -> list[dict[str, Any]]:
        status, body = await self.get(f"/console/api/cases?state={state}")
        assert status == 200, body
        return body["cases"]

    async def case_of(self, sender: str) -> dict[str, Any]:
        """The case of a person by their name in the test (or by their sender id)."""
        sender = sender_of(self.client, sender)
        for case in await self.cases("all"):
            if case["sender"] == sender:
                status, body = await self.get(f"/console/api/cases/{case['id']}")
                assert status == 200
                return body
        raise AssertionError(f"no case for {sender}")


@pytest.fixture
async def staff_login(aiohttp_client, client, settings):
    """staff_login(name, role) -> a logged-in StaffClient with its own cookies."""
    async def login(username: str, role: str = "staff") -> StaffClient:
        add_staff(settings, username, role)
        return await StaffClient(await aiohttp_client(client.server)).login(username)
    return login


# --- people on /api/chat, by the names the tests give them ------------------------------
# The server opens a conversation (POST /api/conversations) and gives its token; a test
# names its people ("u1") and gets the same conversation for the same name on the same
# gateway. The name is the integrator's own user id (metadata, not the key).

@dataclass
class Person:
    name: str
    sender: str     # the conversation id the server chose (what the console shows)
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


_people: "weakref.WeakKeyDictionary[Any, dict[str, Person]]" = weakref.WeakKeyDictionary()


def _known(client) -> dict[str, Person]:
    return _people.setdefault(client.server, {})


async def person(client, name: str) -> Person:
    """The person called `name` on this gateway (their conversation opened on first use)."""
    known = _known(client)
    if name not in known:
        resp = await client.post("/api/conversations", json={"user": name})
        assert resp.status == 201, await resp.text()
        body = await resp.json()
        known[name] = Person(name, body["conversation"], body["token"])
        _latest[name] = body["conversation"]
    return known[name]


_latest: dict[str, str] = {}   # name -> the newest sender id given that name (one test at a time)


def sender_id(name: str) -> str:
    """For tests that write to the database themselves: the sender id of the person the
    running test calls `name` (any other string as it is)."""
    return _latest.get(name, name)


def same_people(before, after) -> None:
    """A restarted gateway on the same database: its people keep their conversations."""
    _known(after).update(_known(before))


def sender_of(client, name: str) -> str:
    """The sender id of a person named in the test (any other string as it is)."""
    found = _known(client).get(name)
    return found.sender if found else name


def name_of(client, sender: str) -> str:
    """The test's name for a sender id the console shows (any other as it is)."""
    return next((p.name for p in _known(client).values() if p.sender == sender), sender)


async def chat(client, sender: str, text: str) -> dict[str, Any]:
    someone = await person(client, sender)
    resp = await client.post("/api/chat", json={"text": text}, headers=someone.headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def poll(client, sender: str, after: Optional[int] = None,
               timeout: float = 0) -> dict[str, Any]:
    someone = await person(client, sender)
    query = f"?timeout={timeout}" + (f"&after={after}" if after is not None else "")
    resp = await client.get(f"/api/chat/messages{query}", headers=someone.headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


def texts(body: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in body["messages"])

"""Finding 1: the sender id was the only credential of a conversation, and the client
chose it. Now the server opens a conversation and gives a token; without it nobody can
read a person's staff messages, mark them delivered, cancel their case or change the
number staff ring, and the answer says nothing about whether the conversation exists."""
from __future__ import annotations

import logging

import pytest

from channels.gateway.keys import HANDOFF, PIPELINE
from tests.attacks.conftest import open_conversation, say
from tests.conftest import staff_queue

STAFF_SAYS = "陈伯，您的社保卡补办好了，明天来拿"


async def a_person_with_staff(client) -> tuple[dict, int]:
    """A person who asked for staff, left a number, and has a message from staff."""
    person = await open_conversation(client, user="chan-pak")
    await say(client, person, "我要找工作人员")
    await say(client, person, "可以打返俾我吗，我电话13812345678")
    desk = client.app[HANDOFF]
    cases, _, _ = await staff_queue(client.app)
    (case,) = [c for c in cases if c.sender == person["conversation"]]
    await desk.claim(case.id, "chan")
    await desk.send(case.id, "chan", STAFF_SAYS)
    return person, case.id


async def test_nobody_reads_or_acknowledges_another_persons_staff_messages(make_client):
    client = await make_client()
    person, _ = await a_person_with_staff(client)
    victim = person["conversation"]
    # what an attacker who knows (or guesses) the id tries: the old path and the new one
    for path, headers in ((f"/api/chat/{victim}/messages?after=0", {}),
                          ("/api/chat/messages?after=0", {}),
                          ("/api/chat/messages?after=0", {"Authorization": f"Bearer {victim}"})):
        resp = await client.get(path, headers=headers)
        body = await resp.json()
        assert resp.status in (401, 410), (path, body)
        assert STAFF_SAYS not in str(body) and "messages" not in body
    # the attacker's own conversation sees only its own (empty) outbox
    attacker = await open_conversation(client)
    got = await (await client.get("/api/chat/messages?after=0", headers=attacker["headers"])).json()
    assert got["messages"] == [] and got["handoff"] is None
    # and nothing was marked delivered: the person still gets everything
    mine = await (await client.get("/api/chat/messages?after=0", headers=person["headers"])).json()
    assert STAFF_SAYS in [m["text"] for m in mine["messages"]]


async def test_nobody_cancels_a_case_or_changes_the_number_to_ring(make_client):
    client = await make_client()
    person = await open_conversation(client)
    await say(client, person, "我要找工作人员")
    await say(client, person, "我电话13812345678")
    victim = person["conversation"]
    for body in ({"sender": victim, "text": "取消"}, {"sender": victim, "text": "我电话13900001111"}):
        for headers in ({}, {"Authorization": f"Bearer {victim}"},
                        {"Authorization": "Bearer " + "x" * 43}):
            resp = await client.post("/api/chat", json=body, headers=headers)
            assert resp.status == 401, await resp.text()
    cases, places, _ = await staff_queue(client.app)
    (case,) = [c for c in cases if c.sender == victim]
    assert case.state == "waiting" and case.callback_phone == "13812345678"


async def test_the_refusal_is_the_same_whether_the_conversation_exists_or_not(make_client):
    client = await make_client()
    person = await open_conversation(client)
    answers = set()
    token = person["token"]
    other_end = "B" if token.endswith("A") else "A"
    for token in (person["conversation"], "no-such-conversation", token[:-1] + other_end,
                  token + "x", token.upper()):
        resp = await client.post("/api/chat", json={"text": "你好"},
                                 headers={"Authorization": f"Bearer {token}"})
        answers.add((resp.status, await resp.text(), resp.headers.get("WWW-Authenticate")))
    assert len(answers) == 1 and next(iter(answers))[0] == 401


async def test_ids_are_the_servers_and_the_log_holds_no_key(make_client, caplog, fake_rasa):
    client = await make_client()
    caplog.set_level(logging.DEBUG)
    one, two = await open_conversation(client, user="u1"), await open_conversation(client, user="u1")
    assert one["conversation"] != two["conversation"]       # the same user id: two conversations
    assert one["conversation"].startswith("api-") and len(one["token"]) >= 40
    await say(client, one, "我要找工作人员")
    assert fake_rasa.received[-1]["sender"] == one["conversation"]   # not "u1"
    logged = caplog.text
    assert one["token"] not in logged and one["token"][:12] not in logged
    # a conversation id in a log opens nothing
    resp = await client.post("/api/chat", json={"text": "取消"},
                             headers={"Authorization": f"Bearer {one['conversation']}"})
    assert resp.status == 401


@pytest.mark.parametrize("user", ["member-8812", "1998-08-08", "2023-2024", "301"])
async def test_the_integrators_user_id_is_metadata_for_staff(make_client, user):
    """Kept as given: a user id shaped like a date or a short number is not a phone
    (a date-shaped one used to make asking for a person a 500, with no case)."""
    client = await make_client()
    person = await open_conversation(client, user=user)
    assert (await say(client, person, "我要找工作人员"))["handoff"]["state"] == "waiting"
    cases, _, _ = await staff_queue(client.app)
    (case,) = cases
    assert case.sender == person["conversation"] and case.facts["用户编号"] == user


async def test_understand_stays_stateless(make_client):
    client = await make_client()
    resp = await client.post("/api/understand", json={"text": "社保卡丢了"})
    assert resp.status != 401   # no conversation, no token (Rasa is a stand-in here)
    assert client.app[PIPELINE].sessions.__len__() == 0


async def test_the_attack_as_it_was_done_gets_nothing(make_client):
    """The finding's own steps, with the old API: the victim's id (guessed, or read from
    a log) as `sender`."""
    client = await make_client()
    victim = "api-victim"                                  # whatever the attacker guessed
    pipeline, desk = client.app[PIPELINE], client.app[HANDOFF]
    await pipeline.chat(victim, "我要找工作人员", channel="api")
    await pipeline.chat(victim, "我电话13812345678", channel="api")
    cases, _, _ = await staff_queue(client.app)
    (case,) = cases
    await desk.claim(case.id, "chan")
    await desk.send(case.id, "chan", STAFF_SAYS)
    await desk.hand_back(case.id, "chan")                  # (a new case may wait later)
    await pipeline.chat(victim, "我要找工作人员", channel="api")
    await pipeline.chat(victim, "我电话13812345678", channel="api")

    read = await client.get(f"/api/chat/{victim}/messages?after=0")
    assert STAFF_SAYS not in await read.text()             # 1. reading staff messages
    for text in ("我电话13900001111", "取消"):              # 2. the number, 3. cancelling
        await client.post("/api/chat", json={"sender": victim, "text": text})
    cases, _, _ = await staff_queue(client.app)
    (waiting,) = [c for c in cases if c.state == "waiting"]
    assert waiting.sender == victim and waiting.callback_phone == "13812345678"
    assert STAFF_SAYS in [m["text"] for m in (await desk.poll(victim, 0, 0))["messages"]]


async def test_guessing_tokens_is_limited_like_talking(make_client):
    """Each wrong token costs its address a request; over the limit, 429 before any lookup."""
    client = await make_client(limit_turns_per_address="3/min", trusted_proxies="127.0.0.1")
    guess = {"Authorization": "Bearer not-a-token", "X-Forwarded-For": "203.0.113.50"}
    for _ in range(3):
        resp = await client.post("/api/chat", json={"text": "你好"}, headers=guess)
        assert resp.status == 401
    resp = await client.post("/api/chat", json={"text": "你好"}, headers=guess)
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
    person = await open_conversation(client, "203.0.113.51")     # others are not affected
    await say(client, person, "你好")

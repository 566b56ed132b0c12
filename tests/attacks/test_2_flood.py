"""Finding 2: the queue could be flooded: fresh conversations without end, each made
urgent with 「救命」, pushed every real case off the staff's screen (the console lists
200 open cases, urgent first). Now each case has a source (a keyed hash of where it came
from); a source over its limit gets no new case, and an emergency from it is opened
but marked throttled and waits behind the others; the console can close a source's
cases at once (the desk's close_group)."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.settings import Settings
from bot.texts import say as say_text
from channels.console import queue
from channels.gateway.keys import CLIENTS, DATABASE, HANDOFF, PIPELINE
from tests.attacks.conftest import open_conversation, say
from tests.conftest import staff_queue

ATTACKER, ELDER = "203.0.113.66", "198.51.100.7"
FLOOD = 200


async def attacker_turn(client, name: str, text: str, address: str) -> int:
    """What an attacker does: a turn with a sender of their choosing (the first API), or,
    where that is refused, a conversation the server opens. The status."""
    xff = {"X-Forwarded-For": address}
    resp = await client.post("/api/chat", json={"sender": name, "text": text}, headers=xff)
    await resp.read()
    if resp.status != 401:
        return resp.status
    resp = await client.post("/api/conversations", json={}, headers=xff)
    if resp.status != 201:
        return resp.status
    token = (await resp.json())["token"]
    resp = await client.post("/api/chat", json={"text": text},
                             headers={"Authorization": f"Bearer {token}", **xff})
    await resp.read()
    return resp.status


async def flood(client, n: int = FLOOD) -> list[int]:
    """n fake emergencies from one address, each in a fresh conversation; the statuses."""
    statuses = []
    for start in range(0, n, 20):
        statuses += await asyncio.gather(*(
            attacker_turn(client, f"fake{i}", "救命", ATTACKER)
            for i in range(start, min(n, start + 20))))
    return statuses


async def test_a_flood_of_fake_emergencies_never_hides_a_real_case(make_client):
    # the attacker gets all the conversations they like: the cases' own limit holds
    # (only the settings this gateway knows: the same test runs on the code before the fix)
    known = {f.name for f in dataclasses.fields(Settings)}
    wanted = dict(trusted_proxies="127.0.0.1", limit_conversations_per_address="0",
                  limit_turns_per_address="0")
    client = await make_client(**{k: v for k, v in wanted.items() if k in known})
    assert await attacker_turn(client, "elder", "我要找工作人员", ELDER) == 200   # a real case
    desk = client.app[HANDOFF]
    (real,) = (await staff_queue(client.app))[0]
    statuses = await flood(client)
    assert set(statuses) == {200}          # every emergency still hears 「请即刻打120」
    cases, places, _ = await staff_queue(client.app)  # what the console lists (its first 200)
    mine = [c for c in cases if c.id == real.id]
    assert mine and places[real.id] <= 11             # behind at most the 10 let through
    flood_cases = [c for c in cases if c.id != real.id]
    assert len({c.source for c in flood_cases}) == 1
    assert sum(not c.throttled for c in flood_cases) == 10     # limit_cases_per_source 10/hour
    assert all(c.urgent for c in flood_cases)
    # the console sees one group (what its queue shows), and an admin closes it at once
    (group,) = await client.app[DATABASE].run(queue.groups, 2)
    assert group["cases"] == FLOOD and group["throttled"] == FLOOD - 10
    closed = await desk.close_group(group["source"], "admin")
    assert len(closed) == FLOOD
    cases, places, _ = await staff_queue(client.app)
    assert [c.id for c in cases] == [real.id] and places[real.id] == 1


async def test_a_source_over_its_limit_is_told_so_and_gets_no_new_case(make_client):
    client = await make_client(trusted_proxies="127.0.0.1", limit_cases_per_source="2/hour")
    for _ in range(2):
        person = await open_conversation(client, ATTACKER)
        await say(client, person, "我要找工作人员")
    third = await open_conversation(client, ATTACKER)
    resp = await client.post("/api/chat", json={"text": "我要找工作人员"}, headers=third["headers"])
    body = await resp.json()
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    assert body["retry_after"] >= 1 and body["handoff"] is None
    (refusal,) = body["messages"]       # not 「我帮您找工作人员」 beside the refusal
    assert refusal["text"] == say_text("handoff_too_many", "cmn", hotline="12345")
    assert len((await staff_queue(client.app))[0]) == 2
    elsewhere = await open_conversation(client, ELDER)  # another source is not affected
    assert (await say(client, elsewhere, "我要找工作人员"))["handoff"]["state"] == "waiting"


async def test_conversations_per_address_are_limited_too(make_client):
    client = await make_client(trusted_proxies="127.0.0.1", limit_conversations_per_address="5/hour")
    for _ in range(5):
        await open_conversation(client, ATTACKER)
    resp = await client.post("/api/conversations", json={}, headers={"X-Forwarded-For": ATTACKER})
    body = await resp.json()
    assert resp.status == 429 and "conversations" in body["error"]
    assert int(resp.headers["Retry-After"]) >= 1
    await open_conversation(client, ELDER)


async def test_a_throttled_emergency_is_told_120_but_not_promised_to_come_first(make_client):
    client = await make_client(trusted_proxies="127.0.0.1", limit_cases_per_source="1/hour")
    first = await open_conversation(client, ATTACKER)
    assert "优先处理" in " ".join(m["text"] for m in (await say(client, first, "救命"))["messages"])
    second = await open_conversation(client, ATTACKER)
    body = await say(client, second, "救命")
    said = " ".join(m["text"] for m in body["messages"])
    assert "120" in said and "优先处理" not in said        # it waits behind everyone else
    assert body["handoff"]["state"] == "waiting"


@pytest.mark.parametrize("exempt, opened", [("kiosk", 3), ("", 1)])
async def test_the_centres_own_kiosks_have_no_case_limit(make_client, exempt, opened):
    """Everyone at one kiosk is one source: a busy morning is not a flood."""
    client = await make_client(limit_cases_per_source="1/hour", limit_cases_exempt=exempt)
    pipeline, source = client.app[PIPELINE], client.app[CLIENTS].address_source("10.0.0.5")
    for person in range(3):
        sender = f"kiosk-{person}"
        pipeline.start(sender, source=source)
        await pipeline.chat(sender, "我要找工作人员", channel="kiosk")
    cases, _, _ = await staff_queue(client.app)
    assert len(cases) == opened

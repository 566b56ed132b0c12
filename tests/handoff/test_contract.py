"""The channel contract from a channel's side: a channel that pushes gets staff
messages at once through `deliver`, its facts reach the case, its `hand_over`
words replace the default ones, and nothing is lost when it fails."""
from __future__ import annotations

import asyncio
import time
from typing import Any, Mapping, Optional, Sequence

import pytest

from channels.gateway.app import create_app
from channels.gateway.contract import Channel, HandOver, Outgoing
from channels.gateway.handoff import store
from channels.gateway.keys import CHANNELS, DATABASE, HANDOFF, PIPELINE
from tests.handoff.conftest import StaffClient, add_staff

# Pushed at once: no poll happens in these tests, so a message that is not pushed never
# arrives; the deadline is generous for a loaded machine, far under a long-poll's 25 s.
ARRIVES = 10.0


async def until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        await asyncio.sleep(0.01)


class PushChannel:
    """What a phone line or WeChat does: push to the person, say its own words on handoff."""
    name = "push"

    def __init__(self) -> None:
        self.delivered: list[tuple[str, list[Outgoing], Optional[dict[str, Any]], float]] = []
        self.handed: list[HandOver] = []
        self.arrived = asyncio.Event()
        self.attempts = 0
        self.fail = False
        self.reachable = True

    def facts(self, sender: str) -> Mapping[str, Any]:
        return {"来电号码": "13812345678"}

    async def deliver(self, sender: str, messages: Sequence[Outgoing],
                      handoff: Optional[Mapping[str, Any]]) -> bool:
        self.attempts += 1
        if self.fail:
            raise ConnectionError("the line dropped")
        self.delivered.append((sender, list(messages), dict(handoff) if handoff else None,
                               time.monotonic()))
        self.arrived.set()
        return self.reachable

    async def hand_over(self, sender: str, case: HandOver) -> Optional[list[dict[str, Any]]]:
        self.handed.append(case)
        return [{"text": "正在为您转接工作人员，请稍等。"}]


@pytest.fixture
async def push_client(aiohttp_client, settings):
    app = create_app(settings)
    channel = PushChannel()
    app[CHANNELS].register(channel)
    client = await aiohttp_client(app)
    return client, channel


@pytest.fixture
async def staff(aiohttp_client, push_client, settings):
    """A member of staff logged in to the same gateway as the pushing channel."""
    add_staff(settings, "chan")
    return await StaffClient(await aiohttp_client(push_client[0].server)).login("chan")


async def outbox(client, sender: str) -> list[str]:
    """What waits undelivered for a person of a pushing channel (no API client can read
    it: the long-poll is for the API's own conversations)."""
    rows = await client.server.app[DATABASE].run(store.undelivered, sender)
    return [row["text"] for row in rows]


async def queue_a_case(client, sender: str) -> Any:
    pipeline = client.server.app[PIPELINE]
    return await pipeline.chat(sender, "我要揾真人", channel="push")


def test_a_channel_must_keep_the_contract():
    assert isinstance(PushChannel(), Channel)

    class NotAChannel:
        name = "broken"
    from channels.gateway.contract import Channels
    with pytest.raises(TypeError):
        Channels().register(NotAChannel())   # type: ignore[arg-type]


async def test_a_staff_message_reaches_a_pushing_channel_at_once(push_client, staff):
    client, channel = push_client
    result = await queue_a_case(client, "caller-1")
    assert result.handoff["state"] == "waiting"
    # the channel's own words replace the queue notice, and it knows the case
    assert [m["text"] for m in result.messages][-1].startswith("正在為您轉接") or \
        result.messages[-1]["text"].startswith("正在为您转接")
    [handed] = channel.handed
    assert handed.case_id and handed.state == "waiting" and handed.reason == "asked"

    [case] = await staff.cases()
    detail = await staff.case_of("caller-1")
    assert "13812345678" not in detail["facts"]["来电号码"] and "5678" in detail["facts"]["来电号码"]
    assert (await staff.post(f"/console/api/cases/{case['id']}/claim"))[0] == 200
    await asyncio.wait_for(channel.arrived.wait(), ARRIVES)   # the joined greeting
    channel.arrived.clear()
    sent_at = time.monotonic()
    status, _ = await staff.post(f"/console/api/cases/{case['id']}/messages",
                                 {"text": "你好，我系陈姑娘，有咩可以帮你？"})
    assert status == 200
    await asyncio.wait_for(channel.arrived.wait(), ARRIVES)
    sender, messages, handoff, at = channel.delivered[-1]
    assert sender == "caller-1" and at - sent_at < ARRIVES
    assert [m.author for m in messages] == ["staff"]
    assert messages[0].text == "你好，我系陈姑娘，有咩可以帮你？"
    assert handoff == {"state": "with_staff", "position": None}
    # delivered means delivered: nothing waits for the person any more
    assert await outbox(client, "caller-1") == []


async def test_a_channel_that_cannot_deliver_loses_nothing(push_client, staff):
    client, channel = push_client
    await queue_a_case(client, "caller-2")
    channel.fail = True
    [case] = await staff.cases()
    await staff.post(f"/console/api/cases/{case['id']}/claim")
    await staff.post(f"/console/api/cases/{case['id']}/messages", {"text": "请问您的电话？"})
    desk = client.server.app[HANDOFF]   # the failed pushes have run to their end
    await until(lambda: channel.attempts >= 2 and not desk._pushes)   # (no public view)
    assert (await outbox(client, "caller-2"))[-1] == "请问您的电话？"   # kept for later

    channel.fail, channel.reachable = False, False   # pushed, but the person did not get it
    await staff.post(f"/console/api/cases/{case['id']}/messages", {"text": "还在吗？"})
    await asyncio.wait_for(channel.arrived.wait(), ARRIVES)
    assert (await outbox(client, "caller-2"))[-1] == "还在吗？"

"""The five-second rule and WeChat's retries (channels/wechat/passive.py): a turn
that ends within `wechat_passive_seconds` is answered in the same request; a
slower one gets `success` and its answer as a customer-service message. The
same message delivered again is never processed again (also after a restart),
and every delivery of it gets a consistent answer. At shutdown, turns in flight
finish and their answers go out."""
from __future__ import annotations

import asyncio
import time

from channels.gateway.keys import DATABASE
from channels.wechat import dedupe
from tests.wechat.gateway import Follower, new_msg_id
from tests.wechat.test_channel_text import wait_for
from tests.wechat.wechat_peer import OPENID


async def test_three_deliveries_at_once_are_one_turn(gateway, wechat_rasa, fake_wechat):
    person, msg_id = Follower(gateway), new_msg_id()
    answers = await asyncio.gather(*(person.text("社保卡丢了", msg_id) for _ in range(3)))
    assert len(wechat_rasa.received) == 1
    (said,) = {a.content for a in answers}                 # the same answer, three times
    if said is None:                       # a very busy machine: `success`, then one message
        await wait_for(lambda: fake_wechat.sent)
        (said,) = [c for _, c in fake_wechat.sent]
    assert said == "机器人回答：社保卡丢了"


async def test_three_deliveries_one_after_another_are_one_turn(gateway, wechat_rasa):
    person, msg_id = Follower(gateway), new_msg_id()
    answers = [await person.text("社保卡丢了", msg_id) for _ in range(3)]
    assert len(wechat_rasa.received) == 1
    assert {a.content for a in answers} == {"机器人回答：社保卡丢了"}


async def test_a_slow_turn_gets_success_then_a_customer_service_message(start_gateway,
                                                                         wechat_rasa, fake_wechat):
    client = await start_gateway(wechat_passive_seconds=0.5)
    wechat_rasa.delay = 3.0
    person, msg_id = Follower(client), new_msg_id()
    started = time.monotonic()
    first = await person.text("社保卡丢了", msg_id)
    assert first.success and time.monotonic() - started < 2.9    # before the turn ended
    retry = await person.text("社保卡丢了", msg_id)        # WeChat's retry while it runs
    assert retry.success
    await wait_for(lambda: fake_wechat.sent == [(OPENID, "机器人回答：社保卡丢了")])
    assert (await person.text("社保卡丢了", msg_id)).success    # and after
    assert len(wechat_rasa.received) == 1
    assert len(fake_wechat.sent) == 1


async def test_a_retry_that_arrives_while_the_turn_runs_takes_the_answer(start_gateway,
                                                                        wechat_rasa, fake_wechat):
    """The first delivery's time runs out while a newer one still waits: WeChat has
    given up on the first (that is why it sent the second), so the second answers."""
    client = await start_gateway(wechat_passive_seconds=2.5)
    wechat_rasa.delay = 2.7       # longer than the first delivery's passive time
    person, msg_id = Follower(client), new_msg_id()
    first = asyncio.ensure_future(person.text("社保卡丢了", msg_id))
    await wechat_rasa.started.wait()
    await asyncio.sleep(1.0)      # WeChat retries after its own timeout; here, sooner
    second = await person.text("社保卡丢了", msg_id)
    assert (await first).success
    assert second.content == "机器人回答：社保卡丢了"
    assert len(wechat_rasa.received) == 1 and fake_wechat.sent == []


async def test_the_answer_survives_a_restart(start_gateway, wechat_rasa):
    client = await start_gateway()
    person, msg_id = Follower(client), new_msg_id()
    assert (await person.text("社保卡丢了", msg_id)).content == "机器人回答：社保卡丢了"
    await client.close()
    client = await start_gateway()                      # the same database
    again = await Follower(client).text("社保卡丢了", msg_id)
    assert again.content == "机器人回答：社保卡丢了"
    assert len(wechat_rasa.received) == 1


async def test_a_message_claimed_before_a_crash_is_not_processed_again(start_gateway,
                                                                      wechat_rasa):
    client = await start_gateway(wechat_passive_seconds=0.5)
    msg_id = new_msg_id()
    await client.server.app[DATABASE].run(dedupe.claim, "msg:" + msg_id, time.time())
    answer = await Follower(client).text("社保卡丢了", msg_id)
    assert answer.success and wechat_rasa.received == []


async def test_shutdown_lets_turns_finish_and_sends_their_answers(start_gateway, wechat_rasa,
                                                                  fake_wechat):
    client = await start_gateway(wechat_passive_seconds=0.3)
    wechat_rasa.delay = 1.5
    person = Follower(client)
    answers = await asyncio.gather(person.text("社保卡丢了"), person.text("长者卡"))
    assert all(a.success for a in answers)
    assert fake_wechat.sent == []
    await client.close()                                 # the gateway stops now
    assert sorted(c.split("\n")[0] for _, c in fake_wechat.sent) == \
        ["机器人回答：社保卡丢了", "长者卡给65岁以上的人。"]


async def test_old_message_keys_are_forgotten(gateway):
    db = gateway.server.app[DATABASE]
    now = time.time()
    await db.run(dedupe.claim, "msg:old", now - dedupe.RETENTION_SECONDS - 10)
    await db.run(dedupe.claim, "msg:new", now)
    from channels.wechat.setup import WECHAT
    await gateway.server.app[WECHAT].forget_old_keys_once()
    assert await db.run(dedupe.delivery, "msg:old") is None
    assert await db.run(dedupe.delivery, "msg:new") is not None

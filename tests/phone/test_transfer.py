"""Blind transfer: Kaifong (transferor) REFERs the caller (transferee) to an agent."""

from __future__ import annotations

import asyncio

from channels.phone import Call

from .conftest import Answering, needs_baresip, needs_sipp
from .peers import free_port, sipp, wait_for

pytestmark = needs_baresip


def transferring(target: str, results: list[bool]):
    async def behaviour(call: Call) -> None:
        await asyncio.sleep(0.3)
        results.append(await call.transfer(target, {"X-Kaifong-Case": "42"}))

    return behaviour


async def test_caller_reaches_the_agent_with_the_case_id(make_endpoint, make_baresip, audio):
    agent = await make_baresip("agent", source_wav=audio["caller_wav"])
    results: list[bool] = []
    answering = Answering(transferring(f"sip:agent@127.0.0.1:{agent.sip_port}", results))
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await caller.command("dial", f"sip:12345@127.0.0.1:{endpoint.address[1]}")

    await agent.wait_event("CALL_ESTABLISHED", direction="incoming")
    await wait_for(lambda: results, 20, "transfer result")
    assert results == [True]
    call = answering.call
    await wait_for(call.ended.is_set, what="original call ended")
    assert call.end_reason == "transferred"
    assert endpoint.active_calls == 0

    # The REFER the caller received carried the case: in the Refer-To URI and as a header
    caller_log, agent_log = await caller.final_log(), await agent.final_log()
    refer = caller_log.split("REFER sip:", 1)[1].split("\n\n", 1)[0]
    assert f"Refer-To: <sip:agent@127.0.0.1:{agent.sip_port}?X-Kaifong-Case=42>" in refer
    assert "X-Kaifong-Case: 42" in refer
    # The caller is now talking to the agent. baresip 1.0 dials the Refer-To URI as it is,
    # so the case id reaches the agent inside the Request-URI rather than as a header
    agent_uri = f"sip:agent@127.0.0.1:{agent.sip_port}?X-Kaifong-Case=42"
    assert caller.has_event("CALL_ESTABLISHED", peeruri=agent_uri)
    assert f"INVITE {agent_uri} SIP/2.0" in agent_log


@needs_sipp
async def test_refused_transfer_keeps_the_call(make_endpoint, make_baresip, audio, tmp_path):
    busy_port = free_port()
    busy = asyncio.ensure_future(
        sipp("uas_busy.xml", None, "-m", "1", cwd=tmp_path, timeout=30, port=busy_port)
    )
    results: list[bool] = []
    answering = Answering(transferring(f"sip:agent@127.0.0.1:{busy_port}", results))
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await caller.command("dial", f"sip:12345@127.0.0.1:{endpoint.address[1]}")
    await wait_for(lambda: results, 30, "transfer result")
    assert results == [False]
    call = answering.call
    assert not call.ended.is_set()  # the caller is still with Kaifong
    await call.hangup()
    assert call.end_reason == "we_hung_up"
    code, output = await busy
    assert code == 0, output

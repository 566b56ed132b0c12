"""baresip calls the endpoint: answer, audio both ways, keys, hang-up from either side."""

from __future__ import annotations

import asyncio

import pytest

from channels.phone import Call

from .conftest import Answering, needs_baresip, pcm_chunks
from .peers import active_span, best_correlation, pcm_to_array, read_wav, wait_for

pytestmark = needs_baresip


async def dial(peer, endpoint, user: str = "12345") -> None:
    await peer.command("dial", f"sip:{user}@127.0.0.1:{endpoint.address[1]}")
    await peer.wait_event("CALL_ESTABLISHED")


async def test_call_is_answered_and_audio_flows_both_ways(make_endpoint, make_baresip, audio):
    prompt = audio["prompt"]

    async def play_prompt(call: Call) -> None:
        call.play(pcm_chunks(prompt))
        assert await call.wait_played()

    answering = Answering(play_prompt)
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint, "12345")
    await wait_for(lambda: answering.calls, what="on_call")
    call = answering.call
    assert (call.dialled, call.caller) == ("12345", "caller")
    assert endpoint.active_calls == 1

    # What the caller says arrives as decoded 20 ms frames
    spoken = audio["caller"]
    needed = (len(spoken) + 8000) * 2 // 320
    await wait_for(lambda: len(answering.frames[call.call_id]) > needed, 30, "caller audio")
    frames = answering.frames[call.call_id]
    assert all(len(frame) == 320 for frame in frames)
    assert best_correlation(spoken, pcm_to_array(frames)) > 0.9

    # What we play reaches the caller: wait for it to end, then hang up from baresip
    await wait_for(lambda: not call.playing, 30, "prompt played")
    await caller.command("hangup")
    await wait_for(call.ended.is_set, what="call end")
    assert call.end_reason == "caller_hung_up"
    await wait_for(lambda: endpoint.active_calls == 0, what="call released")

    heard, rate = read_wav(caller.recordings()[0])
    assert rate == 8000
    assert best_correlation(prompt, heard) > 0.9
    start, end = active_span(heard)
    ref_start, ref_end = active_span(prompt)
    assert abs((end - start) - (ref_end - ref_start)) <= 0.15 * (ref_end - ref_start)


async def test_silence_is_not_the_prompt(make_endpoint, make_baresip, audio):
    """The correlation check cannot pass on silence: nothing played, nothing matches."""
    answering = Answering()
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await wait_for(lambda: answering.calls, what="on_call")
    await wait_for(lambda: answering.call._media.stats["tx"] > 50, what="silence sent")
    await caller.command("hangup")
    await wait_for(answering.call.ended.is_set, what="call end")
    heard, _ = read_wav(caller.recordings()[0])
    assert len(heard) > 8000 * 0.5  # RTP kept flowing: silence, not nothing
    assert best_correlation(audio["prompt"], heard) < 0.3


async def test_keys_from_rfc4733(make_endpoint, make_baresip, audio):
    answering = Answering()
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await wait_for(lambda: answering.calls, what="on_call")
    call = answering.call
    for key in "21":
        await caller.command("sndcode", key)
        await asyncio.sleep(0.3)  # a person presses keys one after the other
    async with asyncio.timeout(10):
        keys = [await call.keys.get(), await call.keys.get()]
    assert keys == ["2", "1"]
    await asyncio.sleep(0.5)
    assert call.keys.empty()  # the three end packets of each key count once


async def test_we_hang_up(make_endpoint, make_baresip, audio):
    async def say_bye(call: Call) -> None:
        await asyncio.sleep(0.5)
        await call.hangup()

    answering = Answering(say_bye)
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await caller.wait_event("CALL_CLOSED")
    call = answering.call
    assert call.end_reason == "we_hung_up"
    await wait_for(lambda: endpoint.active_calls == 0, what="call released")


async def test_barge_in_stops_playback_within_a_packet(make_endpoint, make_baresip, audio):
    started = asyncio.Event()

    async def long_prompt(call: Call) -> None:
        call.play(pcm_chunks(audio["prompt"]))
        started.set()

    answering = Answering(long_prompt)
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await started.wait()
    call = answering.call
    await wait_for(lambda: call._media.stats["tx"] > 25, what="prompt under way")
    finished = asyncio.ensure_future(call.wait_played())
    call.stop_playing()
    assert not call.playing
    assert call._playback.next_frame() is None  # the very next packet is silence
    assert await finished is False


async def test_stop_says_bye_to_every_call(make_endpoint, make_baresip, audio):
    answering = Answering()
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await wait_for(lambda: answering.calls, what="on_call")
    await endpoint.stop()
    await caller.wait_event("CALL_CLOSED")
    assert answering.call.end_reason == "we_hung_up"


@pytest.mark.parametrize("codec", ["pcmu", "pcma"])
async def test_both_g711_laws(make_endpoint, make_baresip, audio, codec):
    answering = Answering()
    endpoint = await make_endpoint(answering)
    caller = await make_baresip(f"caller-{codec}", source_wav=audio["caller_wav"], codecs=codec)
    await dial(caller, endpoint)
    await wait_for(lambda: answering.calls, what="on_call")
    call = answering.call
    assert call._media.payload_type == {"pcmu": 0, "pcma": 8}[codec]
    spoken = audio["caller"]
    await wait_for(lambda: len(answering.frames[call.call_id]) > (len(spoken) + 8000) * 2 // 320, 30,
                   "caller audio")
    assert best_correlation(spoken, pcm_to_array(answering.frames[call.call_id])) > 0.9


async def test_call_over_tcp(make_endpoint, make_baresip, audio):
    from .peers import free_tcp_and_udp_port

    answering = Answering()
    endpoint = await make_endpoint(answering, port=free_tcp_and_udp_port(), transports=("tcp",))
    caller = await make_baresip("tcp-caller", source_wav=audio["caller_wav"])
    await caller.command("dial", f"sip:12345@127.0.0.1:{endpoint.address[1]};transport=tcp")
    await caller.wait_event("CALL_ESTABLISHED")
    await wait_for(lambda: answering.calls, what="on_call")
    call = answering.call
    assert call._leg.tcp
    await caller.command("sndcode", "9")
    async with asyncio.timeout(10):
        assert await call.keys.get() == "9"
    await call.hangup()
    await caller.wait_event("CALL_CLOSED")
    assert call.end_reason == "we_hung_up"
    assert "UDP " not in await caller.final_log()  # every SIP message, the ACK too, went over TCP


async def test_hold_and_resume_by_reinvite(make_endpoint, make_baresip, audio):
    answering = Answering()
    endpoint = await make_endpoint(answering, rtp_timeout_seconds=1.0)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await wait_for(lambda: answering.calls, what="on_call")
    media = answering.call._media
    assert (await caller.command("hold"))["ok"]
    await wait_for(lambda: not media.sending and not media.expect_rtp, what="on hold")
    await asyncio.sleep(2.5)  # on hold the peer is silent: no RTP timeout
    assert not answering.call.ended.is_set()
    sent = media.stats["tx"]
    assert (await caller.command("resume"))["ok"]
    await wait_for(lambda: media.sending and media.expect_rtp, what="resumed")
    await wait_for(lambda: media.stats["tx"] > sent + 10, what="sending again")
    assert not answering.call.ended.is_set()
    assert (await caller.final_log()).count("SIP/2.0 200 OK") >= 3  # INVITE, hold and resume answered

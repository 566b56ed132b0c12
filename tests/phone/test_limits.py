"""What the endpoint refuses, ignores or ends by itself — and that it keeps serving after."""

from __future__ import annotations

import asyncio
import socket
import struct


from channels.phone import Call

from .conftest import Answering, needs_baresip, needs_sipp
from .peers import sipp, wait_for

pytestmark = needs_baresip


def crafted_invite(port: int, sdp: str, *, content_length: int | None = None, call_id: str = "bad-1") -> bytes:
    body = sdp.replace("\n", "\r\n")
    length = len(body) if content_length is None else content_length
    return (
        f"INVITE sip:12345@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{{local}};branch=z9hG4bK-{call_id}\r\n"
        "From: <sip:tester@127.0.0.1>;tag=t1\r\n"
        f"To: <sip:12345@127.0.0.1:{port}>\r\n"
        f"Call-ID: {call_id}\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:tester@127.0.0.1>\r\n"
        "Content-Type: application/sdp\r\n"
        f"Content-Length: {length}\r\n\r\n{body}"
    ).encode()


SDP_PCMA = """v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 49170 RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
"""


async def exchange(port: int, datagram: bytes, expect_reply: bool = True) -> str | None:
    """Send one datagram from a fresh socket; return the first final response, if any."""
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        local = sock.getsockname()[1]
        await loop.sock_sendto(sock, datagram.replace(b"{local}", str(local).encode()), ("127.0.0.1", port))
        if not expect_reply:
            return None
        async with asyncio.timeout(5):
            while True:
                data = (await loop.sock_recv(sock, 65535)).decode(errors="replace")
                if not data.startswith("SIP/2.0 1"):
                    return data


async def dial(peer, endpoint) -> None:
    await peer.command("dial", f"sip:12345@127.0.0.1:{endpoint.address[1]}")


async def test_garbage_and_truncated_sip_do_not_stop_the_endpoint(make_endpoint, make_baresip, audio):
    answering = Answering()
    endpoint = await make_endpoint(answering)
    port = endpoint.address[1]
    for junk in (b"\x00\xff" * 300, b"INVITE\r\n\r\n", b"SIP/2.0 200 OK\r\n\r\n", b"\r\n\r\n", b""):
        await exchange(port, junk, expect_reply=False)
    truncated = crafted_invite(port, SDP_PCMA, content_length=len(SDP_PCMA) + 80)
    assert (await exchange(port, truncated)).startswith("SIP/2.0 400")
    headless = b"INVITE sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKx\r\n\r\n"
    assert (await exchange(port, headless)).startswith("SIP/2.0 400")
    broken_sdp = crafted_invite(port, "m=audio not-a-port RTP/AVP\nc=IN\n", call_id="bad-2")
    assert (await exchange(port, broken_sdp))[:11] in ("SIP/2.0 400", "SIP/2.0 488")
    assert endpoint.active_calls == 0

    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await caller.wait_event("CALL_ESTABLISHED")


async def test_no_common_codec_is_488(make_endpoint, make_baresip, audio):
    endpoint = await make_endpoint(Answering())
    caller = await make_baresip("opus-only", source_wav=audio["caller_wav"], codecs="opus/48000/2")
    await dial(caller, endpoint)
    closed = await caller.wait_event("CALL_CLOSED")
    assert "488" in closed["param"]
    assert endpoint.active_calls == 0


async def test_caller_outside_the_allow_list_is_403(make_endpoint, make_baresip, audio):
    endpoint = await make_endpoint(Answering(), allow=("10.0.0.0/8",))
    caller = await make_baresip("stranger", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    closed = await caller.wait_event("CALL_CLOSED")
    assert "403" in closed["param"]
    assert endpoint.active_calls == 0


async def test_call_over_max_calls_is_486(make_endpoint, make_baresip, audio):
    answering = Answering()
    endpoint = await make_endpoint(answering, max_calls=2)
    callers = [await make_baresip(f"caller{i}", source_wav=audio["caller_wav"]) for i in range(3)]
    for caller in callers[:2]:
        await dial(caller, endpoint)
        await caller.wait_event("CALL_ESTABLISHED")
    await dial(callers[2], endpoint)
    closed = await callers[2].wait_event("CALL_CLOSED")
    assert "486" in closed["param"]
    assert endpoint.active_calls == 2
    # A line frees up: the next call gets in
    await callers[0].command("hangup")
    await wait_for(lambda: endpoint.active_calls == 1, what="line freed")
    callers[2].events.clear()
    await dial(callers[2], endpoint)
    await callers[2].wait_event("CALL_ESTABLISHED")


def rtp(payload_type: int, seq: int, ssrc: int, payload: bytes) -> bytes:
    return struct.pack("!BBHII", 0x80, payload_type, seq, seq * 160, ssrc) + payload


async def test_rtp_garbage_and_strangers_are_ignored(make_endpoint, make_baresip, audio):
    answering = Answering()
    endpoint = await make_endpoint(answering)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await wait_for(lambda: answering.calls, what="on_call")
    call = answering.call
    media = call._media
    await wait_for(lambda: media.stats["rx"] > 10, what="caller RTP")
    rtp_port = media.local_port
    sent_to = media.remote
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for datagram in (b"", b"\x80", b"\xff" * 1500, rtp(8, 1, 1234, b"\xd5" * 160),
                         rtp(101, 2, 1234, b"\x01"), rtp(101, 3, 1234, b"\x05\x80\x00\xa0")):
            sock.sendto(datagram, ("127.0.0.1", rtp_port))
    await wait_for(lambda: media.stats["ignored"] >= 6, what="stranger packets counted")
    assert media.remote == sent_to  # nobody took the stream over
    assert call.keys.empty()  # the stranger's "5" was not a key
    await caller.command("sndcode", "7")
    async with asyncio.timeout(10):
        assert await call.keys.get() == "7"
    assert not call.ended.is_set()


async def test_max_call_length(make_endpoint, make_baresip, audio):
    async def say_goodbye(call: Call) -> None:
        await call.time_up.wait()
        call.play(_silence(0.2))
        await call.wait_played()
        await call.hangup()

    answering = Answering(say_goodbye)
    endpoint = await make_endpoint(answering, max_call_seconds=1.0, max_call_grace_seconds=5.0)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await caller.wait_event("CALL_CLOSED", timeout=15)
    assert answering.call.end_reason == "max_length"


async def test_max_call_length_hangs_up_a_silent_conversation(make_endpoint, make_baresip, audio):
    answering = Answering()  # never says goodbye
    endpoint = await make_endpoint(answering, max_call_seconds=0.5, max_call_grace_seconds=0.5)
    caller = await make_baresip("caller", source_wav=audio["caller_wav"])
    await dial(caller, endpoint)
    await caller.wait_event("CALL_CLOSED", timeout=15)
    assert answering.call.end_reason == "max_length"


@needs_sipp
async def test_rtp_timeout_hangs_up(make_endpoint, tmp_path):
    answering = Answering()
    endpoint = await make_endpoint(answering, rtp_timeout_seconds=1.0)
    code, output = await sipp("uac_silent.xml", f"127.0.0.1:{endpoint.address[1]}", "-m", "1",
                              cwd=tmp_path, timeout=30)
    assert code == 0, output
    assert answering.call.end_reason == "rtp_timeout"


async def _silence(seconds: float):
    yield bytes(int(8000 * seconds) * 2)

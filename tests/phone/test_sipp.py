"""SIPp as the caller or the PBX: concurrent calls, INFO keys, REGISTER, the RTP on the wire."""

from __future__ import annotations

import asyncio
import socket
import struct

import numpy as np

from channels.phone import Call

from .conftest import Answering, needs_sipp, pcm_chunks
from .peers import free_port, pcm_to_array, sipp, wait_for

pytestmark = needs_sipp


async def test_concurrent_calls_with_audio(make_endpoint, audio, tmp_path):
    calls = 4

    async def greet(call: Call) -> None:
        call.play(pcm_chunks(audio["prompt"]))

    answering = Answering(greet)
    endpoint = await make_endpoint(answering, max_calls=calls)
    code, output = await sipp(
        "uac_audio.xml", f"127.0.0.1:{endpoint.address[1]}", "-s", "hotline",
        "-m", str(calls), "-l", str(calls), "-r", str(calls), "-mp", str(free_port(pair=True)),
        cwd=tmp_path, timeout=40,
    )
    assert code == 0, output
    assert len(answering.calls) == calls
    assert {c.end_reason for c in answering.calls} == {"caller_hung_up"}
    assert {c.dialled for c in answering.calls} == {"hotline"}
    for call in answering.calls:
        heard = pcm_to_array(answering.frames[call.call_id])
        assert len(heard) > 8000 * 2  # seconds of the caller's audio arrived
        assert np.sqrt((heard**2).mean()) > 100  # and it is not silence
        assert call._media.stats["tx"] > 100
    await wait_for(lambda: endpoint.active_calls == 0, what="all calls released")


async def test_keys_as_sip_info_and_caller_from_p_asserted_identity(make_endpoint, tmp_path):
    answering = Answering()
    endpoint = await make_endpoint(answering)
    code, output = await sipp("uac_info.xml", f"127.0.0.1:{endpoint.address[1]}", "-m", "1",
                              "-mp", str(free_port(pair=True)), cwd=tmp_path, timeout=20)
    assert code == 0, output
    call = answering.call
    assert call.caller == "+85291234567"
    keys = [call.keys.get_nowait() for _ in range(call.keys.qsize())]
    assert keys == ["5", "#"]


async def test_register_with_digest_auth(make_endpoint, tmp_path):
    registrar_port = free_port()
    registrar = asyncio.ensure_future(sipp(
        "registrar.xml", None, "-m", "1", cwd=tmp_path, timeout=30, port=registrar_port,
    ))
    await asyncio.sleep(0.5)  # SIPp binds its port
    endpoint = await make_endpoint(
        Answering(), register_uri=f"sip:kaifong@127.0.0.1:{registrar_port}",
        register_user="kaifong", register_password="s3cret",
    )
    await wait_for(lambda: endpoint.registered, 15, "registered")
    await endpoint.stop()  # unregisters
    code, output = await registrar
    assert code == 0, output
    assert "Expires: 0" in output or "expires=0" in output


async def test_rtp_on_the_wire(make_endpoint, tmp_path):
    """Packets every 20 ms, sequence +1, timestamp +160, marker on the first only, silence included;
    and symmetric RTP: once the peer sends from another port, our packets follow it."""
    loop = asyncio.get_running_loop()
    advertised = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    advertised.bind(("127.0.0.1", free_port(pair=True)))
    advertised.setblocking(False)
    actual = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    actual.bind(("127.0.0.1", 0))
    actual.setblocking(False)

    answering = Answering()
    endpoint = await make_endpoint(answering)
    caller = asyncio.ensure_future(sipp(
        "uac_watched.xml", f"127.0.0.1:{endpoint.address[1]}", "-s", "12345", "-m", "1",
        "-key", "rtp_port", str(advertised.getsockname()[1]), cwd=tmp_path, timeout=20,
    ))
    packets = []
    try:
        async with asyncio.timeout(10):
            while len(packets) < 60:
                data = await loop.sock_recv(advertised, 2048)
                packets.append((loop.time(), data))
        await wait_for(lambda: answering.calls, what="on_call")
        rtp_port = answering.call._media.local_port
        header = struct.pack("!BBHII", 0x80, 0, 1, 160, 99)
        await loop.sock_sendto(actual, header + b"\xff" * 160, ("127.0.0.1", rtp_port))
        async with asyncio.timeout(5):
            moved = await loop.sock_recv(actual, 2048)
    finally:
        advertised.close()
        actual.close()
    code, output = await caller
    assert code == 0, output

    headers = [struct.unpack("!BBHII", data[:12]) for _, data in packets]
    assert {h[0] for h in headers} == {0x80}
    assert headers[0][1] == 0x80  # marker, payload type 0
    assert {h[1] for h in headers[1:]} == {0}
    assert {h[4] for h in headers} == {headers[0][4]}  # one SSRC
    for (_, _, seq1, ts1, _), (_, _, seq2, ts2, _) in zip(headers, headers[1:]):
        assert (seq2 - seq1) % 65536 == 1
        assert (ts2 - ts1) % 2**32 == 160
    assert all(len(data) == 12 + 160 for _, data in packets)
    span = packets[-1][0] - packets[0][0]
    assert 0.8 * 59 * 0.02 < span < 1.5 * 59 * 0.02  # paced, not a burst
    assert struct.unpack("!BBHII", moved[:12])[4] == headers[0][4]  # same stream, now to the real source

"""The hand-written pieces, one by one: settings, SIP text, G.711, playback."""

from __future__ import annotations

import asyncio
import importlib
import struct
import warnings

import numpy as np
import pytest

from channels.phone import PhoneConfig, PhoneConfigError
from channels.phone.g711 import PCMA, PCMU, G711
from channels.phone.messages import caller_of, key_from_info, refer_to, user_of
from channels.phone.playback import Playback
from aiosipua import SipMessage


@pytest.mark.parametrize(("settings", "named"), [
    ({"host": "localhost"}, "host"),
    ({"port": 70000}, "port"),
    ({"transports": ("sctp",)}, "transports"),
    ({"allow": ("10.0.0.0/33",)}, "allow"),
    ({"max_calls": 0}, "max_calls"),
    ({"rtp_ports": (20000, 20010)}, "rtp_ports"),
    ({"rtp_ports": (80, 20000)}, "rtp_ports"),
    ({"host": "0.0.0.0"}, "public_address"),
    ({"register_user": "kaifong"}, "register_uri"),
    ({"register_uri": "http://pbx"}, "register_uri"),
])
def test_wrong_settings_name_the_setting(settings, named):
    with pytest.raises(PhoneConfigError, match=f"^{named}: "):
        PhoneConfig(**settings)


def test_allow_list():
    config = PhoneConfig(allow=("10.1.0.0/16", "192.0.2.7"))
    assert config.allows("10.1.2.3") and config.allows("192.0.2.7")
    assert not config.allows("127.0.0.1") and not config.allows("not-an-ip")
    assert PhoneConfig().allows("127.0.0.1") and PhoneConfig().allows("::1")


def test_refer_to_escapes_headers_in_the_uri():
    assert refer_to("sip:queue@pbx", {"X-Kaifong-Case": "123"}) == "<sip:queue@pbx?X-Kaifong-Case=123>"
    assert refer_to("sip:queue@pbx", {"X-Kaifong-Case": "a b&c=d;<>"}) == (
        "<sip:queue@pbx?X-Kaifong-Case=a%20b%26c%3Dd%3B%3C%3E>"
    )
    assert refer_to("sip:q@pbx?A=1", {"B": "街"}) == "<sip:q@pbx?A=1&B=%E8%A1%97>"
    assert refer_to("sip:q@pbx", {}) == "<sip:q@pbx>"
    for bad_target, bad_headers in (("tel:123", {}), ("sip:q@pbx>", {}), ("sip:q@pbx", {"X Bad": "1"})):
        with pytest.raises(ValueError):
            refer_to(bad_target, bad_headers)


def test_numbers_from_headers():
    assert user_of('"Chan" <sip:+85291234567@pbx;user=phone>;tag=1') == "+85291234567"
    assert user_of("<tel:+85291234567;phone-context=hk>") == "+85291234567"
    assert user_of("tel:12345") == "12345"
    assert user_of("sip:kaifong@10.0.0.1:5060") == "kaifong"
    assert user_of("garbage") == ""
    invite = SipMessage.parse(
        "INVITE sip:12345@k SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:100@pbx>;tag=a\r\n"
        "To: <sip:12345@k>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    )
    assert caller_of(invite) == "100"  # no P-Asserted-Identity: the From user


@pytest.mark.parametrize(("content_type", "body", "key"), [
    ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", "5"),
    ("application/dtmf-relay", "Signal= *\r\n", "*"),
    ("application/dtmf-relay", "Signal=11\r\n", "#"),
    ("application/dtmf-relay", "Duration=160\r\n", None),
    ("application/dtmf-relay", "Signal=A\r\n", None),
    ("application/dtmf; charset=x", "#", "#"),
    ("application/dtmf", "12", None),
    ("text/plain", "5", None),
])
def test_keys_from_info_bodies(content_type, body, key):
    assert key_from_info(content_type, body) == key


def _reference_g711():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return importlib.import_module("audioop")
        except ImportError:
            pytest.skip("audioop (the reference G.711) is gone from this Python")


def test_g711_matches_the_reference_on_every_sample():
    reference = _reference_g711()
    every = np.arange(-32768, 32768).astype("<i2").tobytes()
    codes = bytes(range(256))
    assert G711(PCMA).encode(every) == reference.lin2alaw(every, 2)
    assert G711(PCMU).encode(every) == reference.lin2ulaw(every, 2)
    assert G711(PCMA).decode(codes) == reference.alaw2lin(codes, 2)
    assert G711(PCMU).decode(codes) == reference.ulaw2lin(codes, 2)


def test_g711_polarity_and_silence():
    positive = np.full(8, 1000, dtype="<i2").tobytes()
    for law in (PCMA, PCMU):
        codec = G711(law)
        assert np.frombuffer(codec.decode(codec.encode(positive)), "<i2").min() > 900
    assert G711(PCMA).encode(bytes(2)) == b"\xd5" and G711(PCMU).encode(bytes(2)) == b"\xff"


async def test_playback_cuts_any_chunks_into_frames_and_pads_the_end():
    async def chunks():
        for size in (1, 333, 2, 500):  # 836 bytes, odd boundaries
            yield bytes([7]) * size

    playback = Playback()
    done = playback.play(chunks())
    await asyncio.sleep(0.01)
    frames = [playback.next_frame() for _ in range(4)]
    assert [len(f) for f in frames[:3]] == [320, 320, 320]
    assert frames[2][196:] == bytes(124)  # 836 = 2×320 + 196: the rest is silence
    assert frames[3] is None and not playback.playing
    assert await done is True


async def test_playback_replaced_and_failed_sources():
    async def endless():
        while True:
            yield bytes(320)
            await asyncio.sleep(0)

    async def broken():
        yield bytes(400)
        raise RuntimeError("TTS died")

    playback = Playback()
    first = playback.play(endless())
    second = playback.play(broken())
    assert await first is False  # replaced
    await asyncio.sleep(0.01)
    assert playback.next_frame() is not None and playback.next_frame() is not None
    assert playback.next_frame() is None
    assert await second is True  # what arrived before the failure was played


def rtp(payload_type: int, seq: int, ssrc: int, payload: bytes) -> bytes:
    return struct.pack("!BBHII", 0x80, payload_type, seq, seq * 160, ssrc) + payload


@pytest.mark.parametrize("datagram", [b"", b"\x80", b"\x80\x08", b"\x90\x08" + b"\x00" * 14,
                                      b"\xa0\x08" + b"\x00" * 10 + b"\xff", b"\x80\x65" + b"\x00" * 10 + b"\x01"])
async def test_rtp_garbage_from_the_peer_itself_never_raises(datagram):
    """Once latched, the peer's own broken packets are dropped, not raised into the loop."""
    from channels.phone.media import MediaStream

    media = MediaStream(payload_type=8, dtmf_payload_type=101, remote=("127.0.0.1", 9),
                        peer_ips=frozenset({"127.0.0.1"}))
    keys: list[str] = []
    media.on_key = keys.append
    media.datagram_received(rtp(8, 1, 7, b"\xd5" * 160), ("127.0.0.1", 9))
    media.datagram_received(datagram, ("127.0.0.1", 9))
    for seq in range(2, 8):
        media.datagram_received(rtp(8, seq, 7, b"\xd5" * 160), ("127.0.0.1", 9))
    assert keys == []
    assert media.inbound.qsize() >= 3  # audio after the garbage still decodes

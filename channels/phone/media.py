"""RTP for one call: G.711 in and out, RFC 4733 keys, one packet per 20 ms tick.

Built from aiortp's parts (packet parser, jitter buffer, RFC 4733 receiver, RTP
sender, loss concealer; G.711 is ours, see g711.py) rather than ``aiortp.RTPSession``, because
that session (a) follows every new source address when symmetric RTP is on, so
any host that reaches the port can take the stream over; (b) sends nothing while
its paced queue is empty, and PBXs hang up on RTP timeouts; (c) lets a short
telephone-event payload raise out of its datagram callback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiortp import DtmfReceiver, JitterBuffer, PcmConcealer, RtpPacket, is_rtcp
from aiortp.sender import RtpSender
from aiortp.transport import RtpTransport

from .g711 import G711

log = logging.getLogger(__name__)

FRAME_BYTES = 320  # 20 ms of 16-bit mono PCM at 8 kHz
SAMPLES_PER_FRAME = 160
INBOUND_FRAMES_MAX = 250  # 5 s: an idle reader loses the oldest audio, memory stays bounded
KEYS = frozenset("0123456789*#")
CN_PAYLOAD_TYPE = 13  # RFC 3389 comfort noise: accepted, carries no audio


class MediaStream(asyncio.DatagramProtocol):
    """The RTP socket of one call and what flows through it."""

    def __init__(
        self,
        *,
        payload_type: int,
        dtmf_payload_type: int | None,
        remote: tuple[str, int],
        peer_ips: frozenset[str],
    ) -> None:
        self.payload_type = payload_type
        self.dtmf_payload_type = dtmf_payload_type
        self.codec = G711(payload_type)
        self._silence = self.codec.encode(bytes(FRAME_BYTES))
        self.remote = remote  # where we send: the SDP address until a packet latches
        self._peer_ips = peer_ips  # RTP is accepted from these addresses only
        self._latched: tuple[str, int] | None = None
        self.on_key: Callable[[str], None] = lambda key: None
        self.inbound: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._pcm = bytearray()
        self._jitter = JitterBuffer(capacity=16, prefetch=2, skip_audio_gaps=True)
        self._concealer = PcmConcealer(sample_rate=8000)
        self._dtmf = DtmfReceiver(self._dtmf_event)
        self._transport: asyncio.DatagramTransport | None = None
        self._rtcp: asyncio.DatagramTransport | None = None
        self._sender: RtpSender | None = None
        self._first_packet = True
        self.local_port = 0
        self.last_rx = time.monotonic()
        self.sending = True  # False while the answer says we must not (peer offered recvonly/inactive)
        self.expect_rtp = True  # False while the peer says it sends nothing (hold): no RTP timeout
        self.stats = {"rx": 0, "tx": 0, "ignored": 0, "garbage": 0}

    # ---- sockets ------------------------------------------------------------

    async def open(self, host: str, ports: tuple[int, int]) -> int:
        """Bind RTP on an even port and RTCP on the odd one above it; return the RTP port."""
        loop = asyncio.get_running_loop()
        for port in _candidate_ports(ports):
            try:
                self._transport, _ = await loop.create_datagram_endpoint(
                    lambda: self, local_addr=(host, port)
                )
            except OSError:
                continue
            bound = self._transport.get_extra_info("sockname")[1]
            try:
                self._rtcp, _ = await loop.create_datagram_endpoint(
                    lambda: _RtcpSink(), local_addr=(host, bound + 1 if port else 0)
                )
            except OSError:
                self._transport.close()
                continue
            self._sender = _make_sender(self._transport, self.payload_type)
            self.local_port = int(bound)
            return self.local_port
        raise OSError(f"no free RTP port pair in {ports}")

    def close(self) -> None:
        for transport in (self._transport, self._rtcp):
            if transport is not None:
                transport.close()
        self._transport = self._rtcp = None
        self._push(None)

    # ---- sending ------------------------------------------------------------

    def send(self, pcm: bytes | None) -> None:
        """Send one 20 ms packet: *pcm* (320 bytes), or silence when None."""
        if self._sender is None or not self.sending:
            return
        payload = self._silence if pcm is None else self.codec.encode(pcm)
        # RFC 3551 §4.1: marker on the first packet of the stream
        marker = 1 if self._first_packet else 0
        self._first_packet = False
        self._sender.send_frame_auto(payload, marker=marker, addr=self.remote)
        self.stats["tx"] += 1

    def retarget(self, remote: tuple[str, int], peer_ips: frozenset[str]) -> None:
        """A re-INVITE moved the peer's media: forget the latch."""
        self.remote = remote
        self._peer_ips = peer_ips
        self._latched = None

    # ---- receiving ----------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        source = (str(addr[0]), int(addr[1]))
        if not self._from_peer(source):
            self.stats["ignored"] += 1
            return
        try:
            self._receive(data, source)
        except Exception:  # RTP garbage must never reach the event loop
            self.stats["garbage"] += 1
            log.debug("unusable RTP from %s", source, exc_info=True)

    def error_received(self, exc: Exception) -> None:
        log.debug("RTP socket error: %s", exc)

    def _from_peer(self, source: tuple[str, int]) -> bool:
        if self._latched is not None:
            return source == self._latched
        return source[0] in self._peer_ips

    def _receive(self, data: bytes, source: tuple[str, int]) -> None:
        if is_rtcp(data):
            return
        packet = RtpPacket.parse(data)
        if packet.payload_type not in self._accepted_types():
            self.stats["garbage"] += 1
            return
        if self._latched is None:
            # Symmetric RTP (RFC 4961): answer to where the peer really sends from
            self._latched = self.remote = source
        self.last_rx = time.monotonic()
        self.stats["rx"] += 1
        if packet.payload_type == self.dtmf_payload_type:
            self._dtmf.handle_packet(packet)
            self._deliver(self._jitter.mark_non_media(packet.sequence_number))
        elif packet.payload_type == self.payload_type:
            self._deliver(self._jitter.add(packet)[1])

    def _accepted_types(self) -> tuple[int | None, ...]:
        return (self.payload_type, self.dtmf_payload_type, CN_PAYLOAD_TYPE)

    def _deliver(self, frame: object) -> None:
        if frame is None:
            return
        pcm = self.codec.decode(frame.data)  # type: ignore[attr-defined]
        lost = frame.lost  # type: ignore[attr-defined]
        if lost and self._concealer.frame_samples:
            self._pcm += self._concealer.conceal(lost * self._concealer.frame_samples)
        self._concealer.update(pcm)
        self._pcm += pcm
        while len(self._pcm) >= FRAME_BYTES:
            self._push(bytes(self._pcm[:FRAME_BYTES]))
            del self._pcm[:FRAME_BYTES]

    def _push(self, frame: bytes | None) -> None:
        if self.inbound.qsize() >= INBOUND_FRAMES_MAX:
            self.inbound.get_nowait()
        self.inbound.put_nowait(frame)

    def _dtmf_event(self, digit: str, _duration: int) -> None:
        if digit in KEYS:
            self.on_key(digit)


class _RtcpSink(asyncio.DatagramProtocol):
    """Holds the RTCP port so the peer's reports do not bounce as ICMP errors."""

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        pass

    def error_received(self, exc: Exception) -> None:
        pass


class _SocketSink(RtpTransport):
    """aiortp's RtpSender writes through this onto our own socket."""

    def __init__(self, transport: asyncio.DatagramTransport) -> None:
        super().__init__(on_rtp=_ignore, on_rtcp=_ignore)
        self._transport = transport


def _ignore(_data: bytes, _addr: tuple[str, int]) -> None:
    pass


def _make_sender(transport: asyncio.DatagramTransport, payload_type: int) -> RtpSender:
    sender = RtpSender(
        transport=_SocketSink(transport),
        payload_type=payload_type,
        clock_rate=8000,
        enable_history=False,
    )
    sender.timestamp_increment = SAMPLES_PER_FRAME
    return sender


_next_port: dict[tuple[int, int], int] = {}


def _candidate_ports(ports: tuple[int, int]) -> list[int]:
    """Even ports of the range, starting after the last one handed out."""
    low, high = ports
    if (low, high) == (0, 0):
        return [0] * 8
    first = low + (low % 2)
    evens = list(range(first, high, 2))
    start = _next_port.get(ports, 0) % len(evens)
    _next_port[ports] = start + 1
    return evens[start:] + evens[:start]

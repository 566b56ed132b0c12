"""Call: one answered phone call, as the conversation layer sees it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import TYPE_CHECKING

from aiosipua import IncomingCall, SipRequest, SipResponse

from .messages import refer_to
from .playback import Playback

if TYPE_CHECKING:
    from .media import MediaStream
    from .sip import PhoneUAC, PhoneUAS

log = logging.getLogger(__name__)

END_REASONS = ("caller_hung_up", "we_hung_up", "transferred", "rtp_timeout", "max_length", "no_ack")
BYE_WAIT_SECONDS = 2.0  # hangup() waits this long for the BYE's answer; retransmission goes on


class Leg:
    """The SIP side of a call: its dialog and where in-dialog requests go."""

    def __init__(self, incoming: IncomingCall, uas: PhoneUAS, uac: PhoneUAC, signal_addr: tuple[str, int]):
        self.incoming = incoming
        self.uas = uas
        self.uac = uac
        self.signal_addr = signal_addr  # our host:port in Via and Contact
        self.tcp = uas.transport.reliable

    def new_request(self, method: str) -> SipRequest:
        host, port = self.signal_addr
        request = self.incoming.dialog.create_request(
            method, via_host=host, via_port=port, via_transport="TCP" if self.tcp else "UDP"
        )
        request.headers.set_single("Contact", f"<sip:{_hostport(host, port)}{';transport=tcp' if self.tcp else ''}>")
        return request

    def send(self, request: SipRequest) -> asyncio.Future[SipResponse | None]:
        # In-dialog requests go back where the INVITE came from (the PBX trunk; the TCP connection)
        return self.uac.request(request, self.incoming.source_addr)


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Call:
    """One answered call. Created by PhoneEndpoint and handed to its on_call."""

    def __init__(
        self,
        *,
        call_id: str,
        caller: str,
        dialled: str,
        leg: Leg,
        media: MediaStream,
        transfer_timeout: float,
        on_end: Callable[[Call], None],
    ) -> None:
        self.call_id = call_id
        self.caller = caller  # P-Asserted-Identity user, else From user
        self.dialled = dialled  # Request-URI user
        self.keys: asyncio.Queue[str] = asyncio.Queue()
        self.ended = asyncio.Event()
        self.end_reason = ""
        self.time_up = asyncio.Event()  # max_call_seconds reached: say goodbye, then hang up
        self._leg = leg
        self._media = media
        self._playback = Playback()
        self._transfer_timeout = transfer_timeout
        self._transfer_notify: asyncio.Future[int] | None = None
        self._transferred = False
        self._on_end = on_end

    def __repr__(self) -> str:
        return f"<Call {self.call_id} ended={self.ended.is_set()} reason={self.end_reason!r}>"

    # ---- audio --------------------------------------------------------------

    async def frames(self) -> AsyncIterator[bytes]:
        """Inbound audio: 20 ms of 16-bit mono PCM at 8 kHz per item, until the call ends."""
        queue = self._media.inbound
        while True:
            if self.ended.is_set() and queue.empty():
                return
            frame = await queue.get()
            if frame is None:
                queue.put_nowait(None)  # later readers stop too
                return
            yield frame

    def play(self, chunks: AsyncIterable[bytes]) -> None:
        """Play 16-bit mono PCM at 8 kHz (any chunk size), replacing what plays now."""
        if not self.ended.is_set():
            self._playback.play(chunks)

    def stop_playing(self) -> None:
        """Barge-in: the next packet (within 20 ms) is silence."""
        self._playback.stop()

    @property
    def playing(self) -> bool:
        return self._playback.playing

    def wait_played(self) -> asyncio.Future[bool]:
        """Await what plays now (as of this call): True if it played to its end, False if stopped or replaced."""
        return self._playback.wait()

    def tick(self) -> None:
        """One 20 ms packet: the next frame of what plays, or silence."""
        self._media.send(self._playback.next_frame())

    # ---- transfer and hang-up -------------------------------------------------

    async def transfer(self, target_uri: str, headers: dict[str, str]) -> bool:
        """Blind transfer (RFC 3515): True once the transferee reports 200 OK; then we hang up."""
        if self.ended.is_set():
            return False
        if self._transfer_notify is not None:
            raise RuntimeError("a transfer is already under way")
        request = self._leg.new_request("REFER")
        request.headers.set_single("Refer-To", refer_to(target_uri, headers))
        request.headers.set_single("Referred-By", f"<{self._leg.incoming.dialog.local_uri}>")
        for name, value in headers.items():
            request.headers.set_single(name, value)
        self._transfer_notify = asyncio.get_running_loop().create_future()
        try:
            ok = await self._await_transfer(self._leg.send(request), self._transfer_notify)
        finally:
            self._transfer_notify = None
        if ok and not self.ended.is_set():
            self._transferred = True
            await self._hangup("transferred")
        return ok

    async def _await_transfer(
        self, response: asyncio.Future[SipResponse | None], notify: asyncio.Future[int]
    ) -> bool:
        ended = asyncio.ensure_future(self.ended.wait())
        try:
            async with asyncio.timeout(self._transfer_timeout):
                await asyncio.wait({response, notify, ended}, return_when=asyncio.FIRST_COMPLETED)
                if not notify.done() and response.done():
                    answer = response.result()
                    if answer is None or answer.status_code >= 300:
                        log.info("REFER on %s refused: %s", self.call_id, answer and answer.status_code)
                        return False
                    await asyncio.wait({notify, ended}, return_when=asyncio.FIRST_COMPLETED)
                if not notify.done():
                    return False
                status = notify.result()
                log.info("transfer of %s: NOTIFY %s", self.call_id, status)
                return 200 <= status < 300
        except TimeoutError:
            log.info("transfer of %s: no final NOTIFY in time", self.call_id)
            return False
        finally:
            ended.cancel()

    def transfer_progress(self, status: int) -> None:
        """A NOTIFY sipfrag status for our REFER (100 Trying, 180, then the final one)."""
        notify = self._transfer_notify
        if status >= 200 and notify is not None and not notify.done():
            notify.set_result(status)
            if 200 <= status < 300:
                self._transferred = True  # a BYE from the transferee now means "transferred"

    async def hangup(self) -> None:
        """Send BYE; end_reason is max_length after time_up, else we_hung_up."""
        await self._hangup("max_length" if self.time_up.is_set() else "we_hung_up")

    async def _hangup(self, reason: str) -> None:
        if self.ended.is_set():
            return
        self.end(reason)
        bye = self._leg.new_request("BYE")
        self._leg.incoming.dialog.terminate()
        self._leg.uas.forget(self.call_id)
        answer = self._leg.send(bye)
        try:
            await asyncio.wait_for(asyncio.shield(answer), BYE_WAIT_SECONDS)
        except TimeoutError:
            log.info("no answer to BYE on %s yet", self.call_id)

    def peer_hung_up(self) -> None:
        self.end("transferred" if self._transferred else "caller_hung_up")

    def end(self, reason: str) -> None:
        """Mark the call over (once) and release its media."""
        if self.ended.is_set():
            return
        self.end_reason = reason
        self.ended.set()
        self._playback.stop()
        self._media.close()
        self._on_end(self)
        log.info("call %s ended: %s", self.call_id, reason)

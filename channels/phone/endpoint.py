"""PhoneEndpoint: Kaifong as a SIP trunk endpoint that answers hotline calls."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from aiortp import MediaClock
from aiosipua import IncomingCall, SdpMessage, SdpNegotiationError, SipRequest, SipResponse, parse_sdp
from aiosipua.dialog import dialog_matches
from aiosipua.transport import SipTransport

from .call import Call, Leg
from .config import PhoneConfig
from .g711 import PCMA, PCMU, G711
from .media import MediaStream
from .messages import INFO_TYPES, caller_of, key_from_info, user_of
from .registration import Registrar
from .sdp import Answer, answer_offer
from .sip import PhoneUAC, PhoneUAS, make_transport, stateless_response

log = logging.getLogger(__name__)

TICK_SECONDS = 0.02
HOUSEKEEPING_TICKS = 50  # RTP timeouts are checked once a second
CONVERSATION_GRACE_SECONDS = 5.0  # after the call ends, on_call gets this long to finish

OnCall = Callable[[Call], Awaitable[None]]


@dataclass
class _Stack:
    """One SIP transport with its server and client."""

    transport: SipTransport
    uas: PhoneUAS
    uac: PhoneUAC


@dataclass
class _Setup:
    """A call between INVITE and 200 OK."""

    cancelled: bool = False


@dataclass
class _Session:
    """What we answered last, for re-INVITEs (RFC 3264 §8: same session, version + 1)."""

    session_id: str
    rtp_port: int
    version: int = 1
    sdp: SdpMessage | None = None
    timers: list[asyncio.TimerHandle] = field(default_factory=list)


class PhoneEndpoint:
    """Answers INVITEs for any user part; one per gateway (start/stop in a cleanup_ctx)."""

    def __init__(self, config: PhoneConfig, on_call: OnCall) -> None:
        self.config = config
        self._on_call = on_call
        self._stacks: list[_Stack] = []
        self._calls: dict[str, Call] = {}
        self._sessions: dict[str, _Session] = {}
        self._setting_up: dict[str, _Setup] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._clock: MediaClock | None = None
        self._ticks = 0
        self._registrar: Registrar | None = None
        self._stopping = False

    # ---- public -------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        if not self._stacks:
            raise RuntimeError("PhoneEndpoint is not started")
        host, port = self._stacks[0].transport.local_addr
        return host, port

    @property
    def active_calls(self) -> int:
        return len(self._calls)

    @property
    def registered(self) -> bool:
        return self._registrar is not None and self._registrar.registered

    async def start(self) -> None:
        G711(PCMU), G711(PCMA)  # build the codec tables now, not during the first call
        port = self.config.port
        for kind in self.config.transports:
            stack = self._make_stack(kind, port)
            await stack.uas.start()
            port = stack.transport.local_addr[1]  # TCP shares the port UDP got
            advertised = (self.config.sdp_address, port)
            stack.uas.advertised_addr = stack.uac.advertised_addr = advertised
            inner = stack.transport.on_message
            assert inner is not None
            stack.transport.on_message = partial(self._guard, stack, inner)
            self._stacks.append(stack)
        self._clock = MediaClock(TICK_SECONDS, self._tick)
        self._clock.start()
        if self.config.register_uri:
            self._registrar = Registrar(self.config, self._stacks[0].uac)
            self._registrar.start()
        log.info("phone: listening on %s %s", self.address, "+".join(self.config.transports))

    async def stop(self) -> None:
        """BYE every call, unregister, close everything."""
        self._stopping = True
        await asyncio.gather(*(call.hangup() for call in list(self._calls.values())), return_exceptions=True)
        if self._registrar is not None:
            await self._registrar.stop()
        if self._clock is not None:
            await self._clock.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for stack in self._stacks:
            stack.uac.cancel_all()
            await stack.uas.stop()
        self._stacks.clear()

    # ---- SIP plumbing -------------------------------------------------------

    def _make_stack(self, kind: str, port: int) -> _Stack:
        transport = make_transport(kind, self.config.host, port)
        uac = PhoneUAC(transport)
        uas = PhoneUAS(transport, uac=uac, user_agent=self.config.user_agent)
        stack = _Stack(transport, uas, uac)
        uas.on_invite = partial(self._on_invite, stack)
        uas.on_reinvite = partial(self._on_reinvite, stack)
        uas.on_bye = self._on_bye
        uas.on_cancel = self._on_cancel
        uas.on_ack_timeout = self._on_ack_timeout
        uas.on_transfer_progress = self._on_transfer_progress
        uas.on_info = partial(self._on_info, stack)
        return stack

    def _guard(self, stack: _Stack, inner: Callable[..., None], msg: object, addr: tuple[str, int]) -> None:
        """Everything the library should not see: strangers, broken INVITEs, retransmissions."""
        try:
            if not self.config.allows(addr[0]):
                if isinstance(msg, SipRequest) and msg.method != "ACK":
                    self._reply(stack, stateless_response(msg, 403, "Forbidden"))
                return
            if isinstance(msg, SipRequest) and self._screen_request(stack, msg, addr):
                return
            inner(msg, addr)
        except Exception:  # a hostile message must never take the endpoint down
            log.warning("phone: dropped a SIP message from %s", addr, exc_info=True)

    def _screen_request(self, stack: _Stack, request: SipRequest, addr: tuple[str, int]) -> bool:
        """True when the request has been dealt with here."""
        if stack.transport.reliable:
            _pin_response_to_connection(request, addr)
        if request.method != "INVITE" or (request.to_addr and request.to_addr.tag):
            return False
        call_id = request.call_id or ""
        if call_id in self._calls or call_id in self._setting_up:
            return True  # RFC 3261 §17.2.1: a retransmitted INVITE; our answer is on its way
        declared = request.content_length
        if not stack.transport.reliable and declared > len(request.body):
            # RFC 3261 §18.3: a datagram shorter than its Content-Length is broken
            self._reply(stack, stateless_response(request, 400, "Truncated Message"))
            return True
        if request.body and request.content_type == "application/sdp":
            try:
                parse_sdp(request.text)
            except Exception:
                self._reply(stack, stateless_response(request, 400, "Bad SDP"))
                return True
        return False

    def _reply(self, stack: _Stack, response: SipResponse) -> None:
        response.headers.set_single("User-Agent", self.config.user_agent)
        try:
            stack.transport.send_reply(response)
        except (OSError, RuntimeError, ValueError):
            log.debug("phone: could not send %s", response.status_code)

    # ---- new calls ----------------------------------------------------------

    def _on_invite(self, stack: _Stack, incoming: IncomingCall) -> None:
        if self._stopping:
            incoming.reject(503, "Service Unavailable")
            return
        if len(self._calls) + len(self._setting_up) >= self.config.max_calls:
            incoming.reject(486, "Busy Here")
            return
        if incoming.sdp_offer is None:
            incoming.reject(488, "Not Acceptable Here")  # no late offer: PBX trunks offer in the INVITE
            return
        session = _Session(session_id=str(secrets.randbelow(10**9)), rtp_port=0)
        try:
            answer = answer_offer(incoming.sdp_offer, self.config.sdp_address, 9, session.session_id, 1)
        except SdpNegotiationError as exc:
            log.info("phone: 488 for %s: %s", incoming.call_id, exc)
            incoming.reject(488, "Not Acceptable Here")
            return
        setup = self._setting_up[incoming.call_id] = _Setup()
        self._spawn(self._answer(stack, incoming, answer, session, setup))

    async def _answer(
        self, stack: _Stack, incoming: IncomingCall, answer: Answer, session: _Session, setup: _Setup
    ) -> None:
        call_id = incoming.call_id
        media = MediaStream(
            payload_type=answer.payload_type,
            dtmf_payload_type=answer.dtmf_payload_type,
            remote=answer.remote,
            peer_ips=frozenset({answer.remote[0], incoming.source_addr[0]}),
        )
        try:
            session.rtp_port = await media.open(self.config.host, self.config.rtp_ports)
        except OSError:
            log.error("phone: no RTP port free for %s", call_id)
            self._setting_up.pop(call_id, None)
            incoming.reject(503, "Service Unavailable")
            return
        self._setting_up.pop(call_id, None)
        if setup.cancelled or self._stopping:
            media.close()
            return
        final = answer_offer(incoming.sdp_offer, self.config.sdp_address, session.rtp_port,  # type: ignore[arg-type]
                             session.session_id, session.version)
        media.sending = final.we_send
        media.expect_rtp = final.peer_sends
        session.sdp = final.sdp
        call = self._new_call(stack, incoming, media, final)
        incoming.accept(final.sdp)
        self._sessions[call_id] = session
        self._arm_max_length(call, session)
        self._spawn(self._converse(call))

    def _new_call(self, stack: _Stack, incoming: IncomingCall, media: MediaStream, answer: Answer) -> Call:
        leg = Leg(incoming, stack.uas, stack.uac, stack.uas.advertised_addr or stack.transport.local_addr)
        call = Call(
            call_id=incoming.call_id,
            caller=caller_of(incoming.invite),
            dialled=user_of(incoming.invite.uri),
            leg=leg,
            media=media,
            transfer_timeout=self.config.transfer_timeout_seconds,
            on_end=self._forget,
        )
        media.on_key = call.keys.put_nowait
        self._calls[call.call_id] = call
        log.info("phone: call %s answered (%s codec %d)", call.call_id, "dialled " + call.dialled, answer.payload_type)
        return call

    def _arm_max_length(self, call: Call, session: _Session) -> None:
        if not self.config.max_call_seconds:
            return
        loop = asyncio.get_running_loop()

        def time_up() -> None:
            call.time_up.set()
            session.timers.append(loop.call_later(self.config.max_call_grace_seconds, force_end))

        def force_end() -> None:
            if not call.ended.is_set():
                self._spawn(call.hangup())

        session.timers.append(loop.call_later(self.config.max_call_seconds, time_up))

    async def _converse(self, call: Call) -> None:
        conversation = asyncio.ensure_future(self._on_call(call))
        ended = asyncio.ensure_future(call.ended.wait())
        try:
            await asyncio.wait({conversation, ended}, return_when=asyncio.FIRST_COMPLETED)
            if not conversation.done():
                await asyncio.wait({conversation}, timeout=CONVERSATION_GRACE_SECONDS)
            if conversation.done() and not conversation.cancelled() and conversation.exception():
                log.error("phone: on_call failed for %s", call.call_id, exc_info=conversation.exception())
        finally:
            ended.cancel()
            conversation.cancel()
        if not call.ended.is_set():
            await call.hangup()  # the conversation is over: so is the call

    def _forget(self, call: Call) -> None:
        self._calls.pop(call.call_id, None)
        session = self._sessions.pop(call.call_id, None)
        for timer in session.timers if session else ():
            timer.cancel()

    # ---- in-dialog events ---------------------------------------------------

    def _on_bye(self, incoming: IncomingCall, _request: SipRequest) -> None:
        call = self._calls.get(incoming.call_id)
        if call is not None:
            call.peer_hung_up()

    def _on_cancel(self, request: SipRequest, _addr: tuple[str, int]) -> None:
        call_id = request.call_id or ""
        if call_id in self._setting_up:
            self._setting_up[call_id].cancelled = True
        elif call_id in self._calls:
            self._calls[call_id].peer_hung_up()

    def _on_ack_timeout(self, incoming: IncomingCall) -> None:
        call = self._calls.get(incoming.call_id)
        if call is not None:
            call.end("no_ack")

    def _on_transfer_progress(self, call_id: str, status: int, _reason: str) -> None:
        call = self._calls.get(call_id)
        if call is not None:
            call.transfer_progress(status)

    def _on_reinvite(self, stack: _Stack, incoming: IncomingCall) -> None:
        """Hold, resume, a media move or a session refresh (RFC 3264 §8)."""
        call, session = self._calls.get(incoming.call_id), self._sessions.get(incoming.call_id)
        if call is None or session is None:
            return
        media = call._media
        session.version += 1
        if not incoming.invite.body and session.sdp is not None:
            # An offer-less re-INVITE (a session refresh): our current SDP is the offer
            session.sdp.origin.session_version = str(session.version)
            incoming.accept(session.sdp)
            return
        try:
            answer = answer_offer(incoming.sdp_offer, self.config.sdp_address,  # type: ignore[arg-type]
                                  session.rtp_port, session.session_id, session.version)
        except SdpNegotiationError:
            self._reply(stack, _in_dialog(incoming, 488, "Not Acceptable Here"))
            return
        if answer.payload_type != media.payload_type or answer.dtmf_payload_type != media.dtmf_payload_type:
            self._reply(stack, _in_dialog(incoming, 488, "Not Acceptable Here"))
            return
        if answer.remote != media.remote:
            media.retarget(answer.remote, frozenset({answer.remote[0], incoming.source_addr[0]}))
        media.sending = answer.we_send
        if answer.peer_sends and not media.expect_rtp:
            media.last_rx = time.monotonic()  # resumed from hold: the RTP timeout starts again
        media.expect_rtp = answer.peer_sends
        session.sdp = answer.sdp
        incoming.accept(answer.sdp)

    def _on_info(self, stack: _Stack, request: SipRequest, _addr: tuple[str, int]) -> None:
        """Keys sent as SIP INFO (application/dtmf-relay, application/dtmf)."""
        call = self._calls.get(request.call_id or "")
        if call is None or not dialog_matches(call._leg.incoming.dialog, request):
            self._reply(stack, stateless_response(request, 481, "Call/Transaction Does Not Exist"))
            return
        dialog = call._leg.incoming.dialog
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if request.body and content_type not in INFO_TYPES:
            response = dialog.create_response(request, 415, "Unsupported Media Type")
            response.headers.set_single("Accept", ", ".join(INFO_TYPES))
            self._reply(stack, response)
            return
        cseq = request.cseq
        fresh = cseq is not None and cseq.seq > dialog.remote_cseq
        if fresh:
            dialog.remote_cseq = cseq.seq  # type: ignore[union-attr]
        self._reply(stack, dialog.create_response(request, 200, "OK"))
        key = key_from_info(content_type, request.text) if fresh else None
        if key is not None:
            call.keys.put_nowait(key)

    # ---- media clock --------------------------------------------------------

    def _tick(self) -> None:
        for call in list(self._calls.values()):
            call.tick()
        self._ticks += 1
        if self._ticks % HOUSEKEEPING_TICKS == 0:
            self._check_rtp_timeouts()

    def _check_rtp_timeouts(self) -> None:
        limit = self.config.rtp_timeout_seconds
        if not limit:
            return
        now = time.monotonic()
        for call in list(self._calls.values()):
            media = call._media
            if media.expect_rtp and now - media.last_rx > limit:
                log.info("phone: no RTP on %s for %.0f s", call.call_id, limit)
                self._spawn(call._hangup("rtp_timeout"))

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _in_dialog(incoming: IncomingCall, status: int, reason: str) -> SipResponse:
    """A response to a re-INVITE that leaves the dialog up (IncomingCall.reject would end it)."""
    return incoming.dialog.create_response(incoming.invite, status, reason)


def _pin_response_to_connection(request: SipRequest, addr: tuple[str, int]) -> None:
    """Over TCP, answer on the connection the request came in on (RFC 3261 §18.2.2).

    aiosipua routes responses by Via; a Via without rport names the peer's listening
    port, not the connection, so received/rport are filled in here.
    """
    vias = request.headers.get("via")
    if not vias:
        return
    top = vias[0]
    params = [p for p in top.split(";")[1:] if not p.strip().lower().startswith(("rport", "received"))]
    rewritten = ";".join([top.split(";")[0], *params, f"received={addr[0]}", f"rport={addr[1]}"])
    request.headers.remove("Via")
    for value in [rewritten, *vias[1:]]:
        request.headers.append("Via", value)

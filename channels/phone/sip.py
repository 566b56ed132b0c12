"""aiosipua, completed where the telephony layer needs more than it gives.

What is added here, each against its RFC:
- UDP transport start on Python 3.11 (aiosipua's UDP protocol asserts a class
  that 3.11's datagram transport does not derive from) and the bound port read
  back (port 0 in tests; Via and Contact must carry the real one);
- non-INVITE client transactions for the requests *we* send in a dialog (BYE,
  REFER): retransmission over UDP and matching of the response (RFC 3261 §17.1.2);
  aiosipua sends those once and drops their responses;
- INFO in the server's method table (aiosipua answers it 405);
- forgetting a call we hung up (aiosipua keeps it in its call table);
- ``;transport=tcp`` in the Contact we send over TCP.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiosipua import SipRequest, SipResponse, SipUAC, SipUAS
from aiosipua.transport import SipTransport, TcpSipTransport, UdpSipTransport

log = logging.getLogger(__name__)

T1 = 0.5  # RFC 3261 §17.1.1.1
T2 = 4.0
TIMER_F = 64 * T1


class UdpTransport(UdpSipTransport):
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._udp_transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpReceiver(self), local_addr=self.local_addr
        )
        host, port = self._udp_transport.get_extra_info("sockname")[:2]
        self.local_addr = (str(host), int(port))


class _UdpReceiver(asyncio.DatagramProtocol):
    def __init__(self, owner: UdpTransport) -> None:
        self._owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        self._owner._dispatch(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        log.debug("SIP UDP socket error: %s", exc)


class TcpTransport(TcpSipTransport):
    async def start(self) -> None:
        await super().start()
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        self.local_addr = (str(host), int(port))

    def send(self, message: SipRequest | SipResponse, addr: tuple[str, int]) -> None:
        # aiosipua writes Contact as <sip:host:port>: the peer would send the ACK and
        # its in-dialog requests over UDP. Name TCP (RFC 3261 §19.1.1 transport param).
        contact = message.headers.get_first("contact")
        if contact and contact.startswith("<sip:") and ";transport=" not in contact:
            message.headers.set_single("Contact", contact.replace(">", ";transport=tcp>", 1))
        super().send(message, addr)


def make_transport(kind: str, host: str, port: int) -> SipTransport:
    return TcpTransport(local_addr=(host, port)) if kind == "tcp" else UdpTransport(local_addr=(host, port))


@dataclass
class _ClientTransaction:
    request: SipRequest
    future: asyncio.Future[SipResponse | None]
    task: asyncio.Task[None] | None = None


class PhoneUAC(SipUAC):
    """SipUAC that also runs client transactions for in-dialog BYE and REFER."""

    def __init__(self, transport: SipTransport, **kwargs: object) -> None:
        super().__init__(transport, **kwargs)  # type: ignore[arg-type]
        self._pending: dict[tuple[str, str], _ClientTransaction] = {}

    def request(self, request: SipRequest, addr: tuple[str, int]) -> asyncio.Future[SipResponse | None]:
        """Send *request*; the future gets its final response, or None after Timer F (32 s)."""
        loop = asyncio.get_running_loop()
        txn = _ClientTransaction(request, loop.create_future())
        key = _key(request)
        self._pending[key] = txn
        txn.future.add_done_callback(lambda _f: self._finish(key))
        try:
            self.transport.send(request, addr)
        except (OSError, RuntimeError) as exc:  # e.g. the TCP connection is gone
            log.info("could not send %s: %s", request.method, exc)
            _resolve(txn.future, None)
            return txn.future
        if not self.transport.reliable:
            txn.task = loop.create_task(self._retransmit(txn, addr))
        else:
            txn.task = loop.create_task(self._expire(txn))
        return txn.future

    async def _retransmit(self, txn: _ClientTransaction, addr: tuple[str, int]) -> None:
        # RFC 3261 §17.1.2.2: Timer E doubles from T1 up to T2 until Timer F fires
        interval, waited = T1, 0.0
        while waited < TIMER_F:
            await asyncio.sleep(interval)
            waited += interval
            if txn.future.done():
                return
            try:
                self.transport.send(txn.request, addr)
            except (OSError, RuntimeError):
                break
            interval = min(interval * 2, T2)
        _resolve(txn.future, None)

    async def _expire(self, txn: _ClientTransaction) -> None:
        await asyncio.sleep(TIMER_F)
        _resolve(txn.future, None)

    def _finish(self, key: tuple[str, str]) -> None:
        txn = self._pending.pop(key, None)
        if txn is not None and txn.task is not None and not txn.task.done():
            txn.task.cancel()

    def handle_response(self, response: SipResponse, addr: tuple[str, int]) -> None:
        txn = self._pending.get(_key(response))
        if txn is None:
            super().handle_response(response, addr)
        elif response.status_code >= 200:
            _resolve(txn.future, response)

    def cancel_all(self) -> None:
        for txn in list(self._pending.values()):
            _resolve(txn.future, None)


def _key(message: SipRequest | SipResponse) -> tuple[str, str]:
    """Client transaction key: top Via branch and CSeq method (RFC 3261 §17.1.3)."""
    vias = message.via
    branch = (vias[0].branch or "") if vias else ""
    cseq = message.cseq
    return branch, cseq.method.upper() if cseq else ""


def _resolve(future: asyncio.Future[SipResponse | None], value: SipResponse | None) -> None:
    if not future.done():
        future.set_result(value)


class PhoneUAS(SipUAS):
    """SipUAS that hands INFO to a callback and can forget a finished call."""

    def __init__(self, transport: SipTransport, **kwargs: object) -> None:
        super().__init__(transport, **kwargs)  # type: ignore[arg-type]
        self.on_info: Callable[[SipRequest, tuple[str, int]], None] | None = None
        self._handlers["INFO"] = self._handle_info

    def _handle_info(self, request: SipRequest, addr: tuple[str, int]) -> None:
        if self.on_info is None:
            self._send_error(request, 405, "Method Not Allowed")
        else:
            self.on_info(request, addr)

    def forget(self, call_id: str) -> None:
        call = self._calls.pop(call_id, None)
        if call is not None:
            call._stop_retransmissions()
            self._remove_invite_transaction(call.invite)


def stateless_response(request: SipRequest, status: int, reason: str) -> SipResponse:
    """A final response outside any dialog (RFC 3261 §8.2.6)."""
    response = SipResponse(status_code=status, reason_phrase=reason)
    for via in request.headers.get("via"):
        response.headers.append("Via", via)
    for name in ("From", "Call-ID", "CSeq"):
        value = request.headers.get_first(name)
        if value:
            response.headers.set_single(name, value)
    to = request.headers.get_first("to")
    if to:
        response.headers.set_single("To", to if ";tag=" in to else f"{to};tag=kf{abs(hash(to)) % 10**8}")
    return response

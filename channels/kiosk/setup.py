"""Wire the kiosk into the gateway: the page at `/`, its static files, the websocket
`/kiosk/ws`, the kiosk's location on every case it hands to staff, live queue
places (told by the handoff desk), and safe headers on every kiosk response."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import AsyncIterator, Optional

from aiohttp import WSCloseCode, web

from bot.texts import say
from channels.gateway.handoff.desk import HandoffDesk
from channels.gateway.http import json_error, public_origin
from channels.gateway.keys import (ASR_ENGINE, CATALOG, CHANNELS, CLIENTS, HANDOFF, LIMITS,
                                   PIPELINE, SETTINGS, TTS_ENGINE)
from channels.kiosk import connection
from channels.kiosk.channel import LOCATION_FACT, KioskChannel
from channels.kiosk.connection import KioskSocket
from channels.kiosk.visit import KioskVisit

log = logging.getLogger("kaifong.kiosk")

STATIC = Path(__file__).with_name("static")
ASSETS = {"kiosk.css": "text/css; charset=utf-8", "kiosk.js": "text/javascript; charset=utf-8",
          "mic-worklet.js": "text/javascript; charset=utf-8"}
MAX_MESSAGE = 256 * 1024        # one websocket message from the page

# Everything the page needs comes from the gateway itself: it works offline.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'none'")

__all__ = ["LOCATION_FACT", "STATIC", "setup_kiosk"]


class KioskHub:
    """The connected pages: each hears when any case changes (queue places), and
    each is closed at shutdown after its person's queue place is given up."""

    def __init__(self, channel: KioskChannel) -> None:
        self.channel = channel
        self.desk: Optional[HandoffDesk] = None
        self._pending: Optional[asyncio.Task[None]] = None
        self._closing: set[asyncio.Task[None]] = set()
        self._sockets: dict[KioskVisit, web.WebSocketResponse] = {}

    def join(self, visit: KioskVisit, ws: web.WebSocketResponse) -> None:
        self.channel.visits.add(visit)
        self._sockets[visit] = ws

    def finish(self, visit: KioskVisit) -> None:
        """The page went away: end its person in the background."""
        self.channel.visits.discard(visit)
        self._sockets.pop(visit, None)
        task = asyncio.get_running_loop().create_task(visit.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def changed(self, case_id: Optional[int]) -> None:
        if self._pending is None or self._pending.done():
            self._pending = asyncio.get_running_loop().create_task(self._tell())

    async def _tell(self) -> None:
        await asyncio.sleep(0.05)   # a burst of changes: one look
        for visit in list(self.channel.visits):
            try:
                await self._place(visit)
            except Exception:
                log.exception("kiosk queue update failed")

    async def _place(self, visit: KioskVisit) -> None:
        """Our place in the queue may have moved."""
        sender = visit.sender
        if sender is None or visit.handoff is None or self.desk is None:
            return
        state = await self.desk.state_of(sender)
        if sender == visit.sender:
            await visit.set_handoff(state)

    async def close_all(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        for ws in list(self._sockets.values()):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        if self._closing:   # people leaving queues: let them finish while the database is open
            await asyncio.wait(list(self._closing), timeout=5)


KIOSK_HUB = web.AppKey("kiosk_hub", KioskHub)


def setup_kiosk(app: web.Application) -> None:
    """Register after the core: the kiosk uses the desk, the pipeline and the voice engines."""
    channel = KioskChannel(app[SETTINGS])
    app[CHANNELS].register(channel)
    app[KIOSK_HUB] = KioskHub(channel)
    app.router.add_get("/", page)
    app.router.add_get("/kiosk/static/{name}", static_file)
    app.router.add_get("/kiosk/ws", websocket)
    app.cleanup_ctx.append(_hub)
    app.on_shutdown.append(_close_sockets)
    app.on_response_prepare.append(_security_headers)


async def _hub(app: web.Application) -> AsyncIterator[None]:
    hub = app[KIOSK_HUB]
    hub.desk = hub.channel.desk = app[HANDOFF]
    app[HANDOFF].subscribe(hub.changed)
    try:
        yield
    finally:
        await hub.close_all()


async def _close_sockets(app: web.Application) -> None:
    await app[KIOSK_HUB].close_all()


async def page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html",
                            headers={"Content-Type": "text/html; charset=utf-8"})


async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": ASSETS[name]})


def _same_origin(request: web.Request) -> bool:
    """A page from another site must not drive the kiosk (and hear its microphone). A
    browser always says where its page came from; a client that does not is no kiosk.
    (The Host name itself is checked for every request: gateway/clients.py.)"""
    origin = request.headers.get("Origin")
    return origin is not None and origin == public_origin(request)


async def websocket(request: web.Request) -> web.StreamResponse:
    if not _same_origin(request):
        return json_error(say("kiosk_wrong_origin", "cmn"), 403)
    app = request.app
    address = app[CLIENTS].address(request)
    limits = app[LIMITS]
    with limits.kiosk_sockets.hold(address, "kiosk pages open from this address", 10):
        return await _serve(request, address)


async def _serve(request: web.Request, address: str) -> web.WebSocketResponse:
    app = request.app
    hub = app[KIOSK_HUB]
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_MESSAGE, compress=False)
    await ws.prepare(request)
    guard = connection.Guard(app[LIMITS], address, app[SETTINGS].limit_kiosk_queued_turns)
    visit = KioskVisit(KioskSocket(ws), app[SETTINGS], app[PIPELINE], app[TTS_ENGINE],
                       app[ASR_ENGINE], app[CATALOG], staff_online=hub.channel.staff_online,
                       source=app[CLIENTS].address_source(address), guard=guard)
    hub.join(visit, ws)
    await visit.send_ui("hello")
    watcher = asyncio.get_running_loop().create_task(visit.watch_idle())
    try:
        await connection.receive(ws, visit, guard)
    finally:
        watcher.cancel()
        hub.finish(visit)
    return ws


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == "/" or request.path.startswith("/kiosk/"):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "microphone=(self)")
        response.headers.setdefault("Cache-Control", "no-store")

"""Wire the kiosk into the gateway: the page at `/`, its static files, the websocket
`/kiosk/ws`, the kiosk's location on every case it hands to staff, live queue
places (told by the handoff desk), and safe headers on every kiosk response."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import AsyncIterator, Optional

from aiohttp import WSCloseCode, web

from bot.catalog import Service, load_catalog
from channels.keys import HANDOFF, PIPELINE, SETTINGS
from channels.kiosk.connection import KioskConnection
from voice.http import ASR_ENGINE, TTS_ENGINE

log = logging.getLogger("kaifong.kiosk")

STATIC = Path(__file__).with_name("static")
ASSETS = {"kiosk.css": "text/css; charset=utf-8", "kiosk.js": "text/javascript; charset=utf-8",
          "mic-worklet.js": "text/javascript; charset=utf-8"}
LOCATION_FACT = "自助机地点"   # the console shows a case's facts by their names
MAX_MESSAGE = 256 * 1024        # one websocket message from the page

# Everything the page needs comes from the gateway itself: it works offline.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'none'")


class KioskHub:
    """The connected kiosk pages; each hears when any case changes (queue places)."""

    def __init__(self, services: dict[str, Service]) -> None:
        self.services = services   # the catalog, for the service buttons
        self.connections: set[KioskConnection] = set()
        self._pending: Optional[asyncio.Task[None]] = None
        self._closing: set[asyncio.Task[None]] = set()

    def finish(self, connection: KioskConnection) -> None:
        """The page went away: end its person in the background."""
        self.connections.discard(connection)
        task = asyncio.get_running_loop().create_task(connection.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def changed(self, case_id: Optional[int]) -> None:
        if self._pending is None or self._pending.done():
            self._pending = asyncio.get_running_loop().create_task(self._tell())

    async def _tell(self) -> None:
        await asyncio.sleep(0.05)   # a burst of changes: one look
        for connection in list(self.connections):
            try:
                await connection.queue_changed()
            except Exception:
                log.exception("kiosk queue update failed")

    async def close_all(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        for connection in list(self.connections):
            await connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        if self._closing:   # people leaving queues: let them finish while the database is open
            await asyncio.wait(list(self._closing), timeout=5)


KIOSK_HUB = web.AppKey("kiosk_hub", KioskHub)


def setup_kiosk(app: web.Application) -> None:
    """Register after setup_handoff and setup_voice: the kiosk uses the desk and the engines."""
    app.router.add_get("/", page)
    app.router.add_get("/kiosk/static/{name}", static_file)
    app.router.add_get("/kiosk/ws", websocket)
    app.cleanup_ctx.append(_hub)
    app.on_shutdown.append(_close_sockets)
    app.on_response_prepare.append(_security_headers)


async def _hub(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    hub = KioskHub(load_catalog(settings.catalog_dir))
    app[KIOSK_HUB] = hub
    desk = app[HANDOFF]
    desk.subscribe(hub.changed)
    if settings.kiosk_location:
        desk.channel_facts["kiosk"] = {LOCATION_FACT: settings.kiosk_location}
    try:
        yield
    finally:
        await hub.close_all()


async def _close_sockets(app: web.Application) -> None:
    if KIOSK_HUB in app:
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
    """A page from another site must not drive the kiosk (and hear its microphone)."""
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


async def websocket(request: web.Request) -> web.StreamResponse:
    if not _same_origin(request):
        return web.json_response({"error": "请求被拒绝：来源不对。"}, status=403)
    app = request.app
    hub = app[KIOSK_HUB]
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_MESSAGE, compress=False)
    await ws.prepare(request)
    connection = KioskConnection(ws, app[SETTINGS], app[PIPELINE], app[HANDOFF],
                                 app[TTS_ENGINE], app[ASR_ENGINE], hub.services)
    hub.connections.add(connection)
    try:
        await connection.run()
    finally:
        hub.finish(connection)
    return ws


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == "/" or request.path.startswith("/kiosk/"):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "microphone=(self)")
        response.headers.setdefault("Cache-Control", "no-store")

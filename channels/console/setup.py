"""Wire the staff console into the gateway: routes, the websocket hub (told of
every case change by the handoff desk), and safe headers on every console page."""
from __future__ import annotations

import asyncio
import contextlib
import time
from typing import AsyncIterator

from aiohttp import web

from channels.console import accounts, canned
from channels.console.auth import PASSWORD_CHECKS
from channels.console.casework import CENTRE_CLOCK
from channels.console.hub import CONSOLE_HUB, ConsoleHub
from channels.console.passwords import PasswordChecks
from channels.console.routes import add_console_routes, queue_view
from channels.gateway.handoff.hours import LocalClock
from channels.gateway.keys import DATABASE, HANDOFF, SETTINGS

# Everything the page needs comes from the gateway itself: it works offline.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def setup_console(app: web.Application) -> None:
    """Register after setup_handoff: the console needs the database and the desk."""
    app[CENTRE_CLOCK] = LocalClock.of(app[SETTINGS].staff_utc_offset)
    add_console_routes(app)
    app.cleanup_ctx.append(_hub)
    app.on_shutdown.append(_close_sockets)
    app.on_response_prepare.append(_security_headers)


async def _hub(app: web.Application) -> AsyncIterator[None]:
    db, settings = app[DATABASE], app[SETTINGS]
    await db.apply(accounts.SCHEMA)
    await db.apply(canned.SCHEMA)
    await db.run(canned.seed)   # a few canned replies, the first time only
    app[PASSWORD_CHECKS] = PasswordChecks(settings.console_password_checks)

    async def live_sessions(sessions: set[str]) -> set[str]:
        return await db.run(accounts.live_sessions, sessions, time.time())

    desk = app[HANDOFF]
    hub = ConsoleHub(lambda: queue_view(app), live_sessions,
                     settings.console_session_check_seconds)
    desk.subscribe(hub.changed)
    desk.staff_online = hub.online
    app[CONSOLE_HUB] = hub
    watcher = asyncio.get_running_loop().create_task(hub.watch_sessions())
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await hub.close_all()
        app[PASSWORD_CHECKS].close()


async def _close_sockets(app: web.Application) -> None:
    if CONSOLE_HUB in app:
        await app[CONSOLE_HUB].close_all()


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == "/console" or request.path.startswith("/console/"):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")

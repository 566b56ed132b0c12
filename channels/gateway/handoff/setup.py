"""Wire the handoff desk into the gateway: the desk lives for the app's lifetime
(cleanup_ctx, after the database is open); a wrong staff_hours stops start-up."""
from __future__ import annotations

from typing import AsyncIterator

from aiohttp import web

from bot.settings import Settings, SettingsError
from channels.gateway.handoff import store
from channels.gateway.handoff.desk import HandoffDesk
from channels.gateway.handoff.hours import HoursError, StaffHours
from channels.gateway.keys import CATALOG, CHANNELS, CLIENTS, DATABASE, HANDOFF, SETTINGS


def staff_hours(settings: Settings) -> StaffHours:
    try:
        return StaffHours.parse(settings.staff_hours, settings.staff_utc_offset)
    except HoursError as exc:
        raise SettingsError(str(exc)) from None


def setup_handoff(app: web.Application) -> None:
    """Register after the database and before the pipeline, which hands turns to the desk."""
    staff_hours(app[SETTINGS])   # fail at start, not at the first handoff
    app.cleanup_ctx.append(_desk)
    app.on_shutdown.append(_release_long_polls)


async def _release_long_polls(app: web.Application) -> None:
    if HANDOFF in app:
        app[HANDOFF].release()


async def _desk(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = app[DATABASE]
    await db.apply(store.SCHEMA)
    await db.run(store.migrate)   # columns an older file lacks
    desk = HandoffDesk(db, settings, staff_hours(settings), app[CATALOG], app[CHANNELS])
    if CLIENTS in app:
        desk.source_of = app[CLIENTS].source   # sources keyed with the gateway's own key
    app[HANDOFF] = desk
    try:
        yield
    finally:
        await desk.shutdown()

"""Wire the handoff desk into the gateway: the SQLite file and the desk live
for the app's lifetime (cleanup_ctx); a wrong staff_hours stops start-up."""
from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

from aiohttp import web

from bot.catalog import load_catalog
from bot.settings import Settings, SettingsError
from channels.handoff import store
from channels.handoff.db import Database
from channels.handoff.desk import HandoffDesk
from channels.handoff.hours import HoursError, StaffHours
from channels.keys import DATABASE, HANDOFF, SETTINGS


def database_path(settings: Settings) -> Path:
    return Path(settings.handoff_db or Path(settings.data_dir) / "kaifong.sqlite3")


def staff_hours(settings: Settings) -> StaffHours:
    try:
        return StaffHours.parse(settings.staff_hours, settings.staff_utc_offset)
    except HoursError as exc:
        raise SettingsError(str(exc)) from None


def setup_handoff(app: web.Application) -> None:
    """Register before the pipeline: it hands turns to app[HANDOFF]."""
    staff_hours(app[SETTINGS])   # fail at start, not at the first handoff
    app.cleanup_ctx.append(_desk)
    app.on_shutdown.append(_release_long_polls)


async def _release_long_polls(app: web.Application) -> None:
    if HANDOFF in app:
        app[HANDOFF].shutdown()


async def _desk(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(database_path(settings))
    await db.open([store.SCHEMA])
    desk = HandoffDesk(db, settings, staff_hours(settings), load_catalog(settings.catalog_dir))
    app[DATABASE] = db
    app[HANDOFF] = desk
    try:
        yield
    finally:
        desk.shutdown()
        await db.close()

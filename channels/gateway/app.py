"""The gateway's app factory: create_app(settings) -> web.Application.

The core (database, handoff desk, Rasa client and pipeline, voice engines) is
set up first, in that order (cleanup contexts run in order and close in
reverse); then the API, the console and each channel add their routes.
"""
from __future__ import annotations

from typing import AsyncIterator

import aiohttp
from aiohttp import web

from bot.catalog import load_catalog
from bot.settings import Settings
from channels.api.routes import setup_api_routes
from channels.api.voice import setup_voice_routes
from channels.console.setup import setup_console
from channels.gateway.clients import Clients, load_key
from channels.gateway.contract import Channels
from channels.gateway.conversations import Conversations
from channels.gateway.db import Database, database_path
from channels.gateway.handoff.setup import setup_handoff
from channels.gateway.health import Health
from channels.gateway.http import error_middleware, host_middleware
from channels.gateway.keys import (CATALOG, CHANNELS, CLIENTS, CONVERSATIONS, DATABASE, HANDOFF,
                                   HEALTH, HEALTH_PROBES, LIMITS, PIPELINE, RATINGS, SETTINGS, TURNS)
from channels.gateway.limits import Limits
from channels.gateway.pipeline import Pipeline
from channels.gateway.rasa_client import RasaClient
from channels.gateway.ratings import RatingStore
from channels.gateway.retention import setup_retention
from channels.gateway.sessions import SessionStore
from channels.gateway.speech import setup_speech
from channels.gateway.turns import TurnLog
from channels.kiosk.setup import setup_kiosk
from channels.phone.setup import setup_phone
from channels.wechat.setup import setup_wechat

MAX_BODY = 64 * 1024  # JSON bodies; audio routes set their own limit


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[error_middleware, host_middleware],
                          client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[CATALOG] = load_catalog(settings.catalog_dir)  # a broken catalog stops start-up here
    app[HEALTH_PROBES] = {}
    app[HEALTH] = Health(app[HEALTH_PROBES], settings.health_cache_seconds)
    app[CHANNELS] = Channels()
    app[CLIENTS] = Clients(settings, load_key(settings.data_dir))
    app[LIMITS] = Limits(settings)
    app.cleanup_ctx.append(_database)
    setup_handoff(app)   # before the pipeline, which hands turns to it
    app.cleanup_ctx.append(_assistant)
    setup_speech(app)
    setup_retention(app)
    setup_routes(app)
    return app


def setup_routes(app: web.Application) -> None:
    setup_api_routes(app)
    setup_voice_routes(app)
    setup_console(app)
    setup_kiosk(app)
    setup_wechat(app)
    setup_phone(app)


async def _database(app: web.Application) -> AsyncIterator[None]:
    """The one SQLite file; each store adds its own tables in its own context."""
    db = Database(database_path(app[SETTINGS]))
    await db.open()
    app[DATABASE] = db
    conversations = Conversations(db)   # /api conversations: opened by the server, with a token
    await conversations.open()
    app[CONVERSATIONS] = conversations
    try:
        yield
    finally:
        await db.close()


async def _assistant(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    ratings = RatingStore(app[DATABASE])
    await ratings.open()
    app[RATINGS] = ratings
    turns = TurnLog(app[DATABASE], settings)   # the figures' turn records
    await turns.open()
    app[TURNS] = turns
    try:
        async with aiohttp.ClientSession() as http:
            rasa = RasaClient(http, settings.rasa_url, settings.action_url,
                              settings.rasa_token, settings.rasa_timeout)
            sessions = SessionStore(Pipeline.default_language_state(settings),
                                    settings.max_sessions)
            app[PIPELINE] = Pipeline(rasa, sessions, settings, ratings, handoff=app[HANDOFF],
                                     turns=turns)
            app[HEALTH_PROBES].update(rasa=rasa.rasa_health, actions=rasa.actions_health)
            rasa.observer = app[HEALTH].observed
            yield
    finally:
        await turns.close()

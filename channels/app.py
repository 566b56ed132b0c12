"""The gateway's app factory: create_app(settings) -> web.Application."""
from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import aiohttp
from aiohttp import web

from bot.catalog import load_catalog
from bot.settings import Settings
from channels.api.routes import setup_api_routes
from channels.http import error_middleware
from channels.console.setup import setup_console
from channels.handoff.setup import setup_handoff
from channels.kiosk.setup import setup_kiosk
from channels.keys import FEEDBACK, HANDOFF, HEALTH_PROBES, PIPELINE, SETTINGS
from channels.feedback import FeedbackStore
from channels.pipeline import Pipeline
from channels.rasa_client import RasaClient
from channels.sessions import SessionStore
from voice.http import setup_voice

MAX_BODY = 64 * 1024  # JSON bodies; audio routes set their own limit


def create_app(settings: Settings) -> web.Application:
    load_catalog(settings.catalog_dir)  # a broken catalog stops start-up here
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[HEALTH_PROBES] = {}
    setup_handoff(app)   # before the pipeline, which hands turns to it
    app.cleanup_ctx.append(_assistant)
    setup_routes(app)
    return app


def setup_routes(app: web.Application) -> None:
    setup_api_routes(app)
    setup_voice(app)
    setup_console(app)
    setup_kiosk(app)


async def _assistant(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with aiohttp.ClientSession() as http:
        rasa = RasaClient(http, settings.rasa_url, settings.action_url,
                          settings.rasa_token, settings.rasa_timeout)
        sessions = SessionStore(Pipeline.default_language_state(settings), settings.max_sessions)
        feedback = FeedbackStore(Path(settings.data_dir) / "feedback.db")
        app[FEEDBACK] = feedback
        app[PIPELINE] = Pipeline(rasa, sessions, settings, feedback, handoff=app[HANDOFF])
        app[HEALTH_PROBES].update(rasa=rasa.rasa_health, actions=rasa.actions_health)
        yield

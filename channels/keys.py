"""Typed keys for the application's shared state."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.settings import Settings
from channels.feedback import FeedbackStore
from channels.handoff.db import Database
from channels.handoff.desk import HandoffDesk
from channels.pipeline import Pipeline

SETTINGS = web.AppKey("settings", Settings)
PIPELINE = web.AppKey("pipeline", Pipeline)
FEEDBACK = web.AppKey("feedback", FeedbackStore)
# name -> coroutine returning {"ok": bool, ...}; /healthz reports each
HEALTH_PROBES = web.AppKey("health_probes", dict[str, Callable[[], Awaitable[dict[str, Any]]]])
DATABASE = web.AppKey("database", Database)      # the gateway's SQLite file
HANDOFF = web.AppKey("handoff", HandoffDesk)

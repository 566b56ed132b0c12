"""Typed keys for the state the gateway core shares with every channel.

A channel's own state (the kiosk's hub of pages, the console's hub of staff
sockets) has its key in that channel's package: no other package needs it.
"""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Mapping

from aiohttp import web

from bot.catalog import Service
from bot.settings import Settings
from channels.gateway.clients import Clients
from channels.gateway.contract import Channels
from channels.gateway.conversations import Conversations
from channels.gateway.db import Database
from channels.gateway.handoff.desk import HandoffDesk
from channels.gateway.health import Health
from channels.gateway.limits import Limits
from channels.gateway.pipeline import Pipeline
from channels.gateway.ratings import RatingStore
from channels.gateway.turns import TurnLog
from voice.asr import AsrEngine
from voice.tts import TtsEngine

SETTINGS = web.AppKey("settings", Settings)
CATALOG = web.AppKey("catalog", Mapping[str, Service])   # parsed once, at start
CHANNELS = web.AppKey("channels", Channels)
DATABASE = web.AppKey("database", Database)      # the gateway's one SQLite file
HANDOFF = web.AppKey("handoff", HandoffDesk)
RATINGS = web.AppKey("ratings", RatingStore)
PIPELINE = web.AppKey("pipeline", Pipeline)
TURNS = web.AppKey("turns", TurnLog)             # turn records for the figures
# name -> coroutine returning {"ok": bool, ...}; /healthz reports each
HEALTH_PROBES = web.AppKey("health_probes", dict[str, Callable[[], Awaitable[dict[str, Any]]]])
TTS_ENGINE = web.AppKey("tts_engine", TtsEngine)
ASR_ENGINE = web.AppKey("asr_engine", AsrEngine)
ASR_SLOTS = web.AppKey("asr_slots", asyncio.Semaphore)   # /api/asr decodes at once
ASR_READERS = web.AppKey("asr_readers", asyncio.Semaphore)   # /api/asr bodies arriving at once
HEALTH = web.AppKey("health", Health)            # /healthz: the probes, cached
CLIENTS = web.AppKey("clients", Clients)         # who is asking: address, source, Host names
LIMITS = web.AppKey("limits", Limits)            # how much one client may ask
CONVERSATIONS = web.AppKey("conversations", Conversations)   # opened by the server, with a token

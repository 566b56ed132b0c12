"""What every action shares: the gateway's settings, the catalog they name, and
the conversation's language."""
from __future__ import annotations

import functools

from rasa_sdk import Tracker

from bot.catalog import Service, catalog
from bot.settings import Settings, load_settings

LANGUAGES = ("cmn", "yue")


@functools.cache
def settings() -> Settings:
    """The gateway's settings: defaults < KAIFONG_SETTINGS file < KAIFONG_* variables.

    Read on the first turn, not at import: rasa_sdk imports every module of the
    package at start. Tests change the environment, then call cache_clear().
    """
    return load_settings()


def service_catalog() -> dict[str, Service]:
    """The catalog the gateway validated at start (setting catalog_dir)."""
    return catalog(settings().catalog_dir)


def language_of(tracker: Tracker) -> str:
    """The language the gateway decided for this turn, else the last one known."""
    metadata = tracker.latest_message.get("metadata") or {}
    language = metadata.get("language") or tracker.get_slot("language")
    return language if language in LANGUAGES else settings().default_language

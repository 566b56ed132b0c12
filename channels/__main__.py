"""Run the gateway: python -m channels (settings from KAIFONG_* and KAIFONG_SETTINGS)."""
from __future__ import annotations

import os
import sys

from aiohttp import web

from bot.catalog import CatalogError
from bot.settings import SettingsError, load_settings
from channels.gateway.app import create_app
from channels.gateway.logs import setup_logging
from channels.phone.setup import keep_time


def main() -> int:
    os.umask(0o077)   # what the gateway writes (databases, keys) is its own user's alone
    try:
        settings = load_settings()
        setup_logging(settings.log_level)   # one line per event, whatever a person typed
        app = create_app(settings)
    except (SettingsError, CatalogError) as exc:
        print(f"kaifong: cannot start: {exc}", file=sys.stderr)
        return 2
    if settings.phone_on:
        keep_time(settings)   # a packet every 20 ms: no long pauses of the interpreter
    web.run_app(app, host=settings.host, port=settings.port, print=None,
                access_log=None, shutdown_timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the gateway: python -m channels (settings from KAIFONG_* and KAIFONG_SETTINGS)."""
from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot.catalog import CatalogError
from bot.settings import SettingsError, load_settings
from channels.gateway.app import create_app


def main() -> int:
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level.upper(),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app = create_app(settings)
    except (SettingsError, CatalogError) as exc:
        print(f"kaifong: cannot start: {exc}", file=sys.stderr)
        return 2
    web.run_app(app, host=settings.host, port=settings.port, print=None,
                access_log=None, shutdown_timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The action server, for Rasa alone: `python -m actions.server --port 5055`.

rasa_sdk's own server (its public `create_app`), with two things it cannot do itself:
it listens on loopback only (KAIFONG_ACTION_HOST, 127.0.0.1 by default, never every
interface), and every call but /health must carry the shared secret that Rasa sends
(bot/endpoints.yml: action_endpoint headers, from KAIFONG_ACTION_TOKEN). The secret
comes from the environment or a file (KAIFONG_ACTION_TOKEN_FILE), never from the
command line, where `ps` shows it to every user. Without one the server does not start.

rasa_sdk imports this module with the actions (it imports the whole package): importing
it does nothing; only running it starts a server.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any, Mapping, Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import response

from bot.secrets import SecretError, presented, read_secret

OPEN_PATHS = ("/health",)       # the gateway's probe: says nothing but "ok"


def shared_secret(env: Optional[Mapping[str, str]] = None) -> str:
    return read_secret("KAIFONG_ACTION_TOKEN", env)


def authorised(headers: Mapping[str, str], path: str, secret: str) -> bool:
    """Rasa (bot/endpoints.yml sends the header) or the gateway's health probe."""
    return path in OPEN_PATHS or presented(headers, secret)


def build(secret: str) -> Any:
    app = create_app("actions", cors_origins="")   # no browser ever calls it

    @app.middleware("request")
    async def only_rasa(request: Any) -> Any:
        if not authorised(request.headers, request.path, secret):
            return response.json({"error": "forbidden"}, status=403)
        return None

    return app


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Kaifong's action server (for Rasa only)")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    try:
        secret = shared_secret()
    except SecretError as exc:
        print(f"actions: {exc}", file=sys.stderr)
        return 2
    if not secret:
        print("actions: no shared secret: set KAIFONG_ACTION_TOKEN or KAIFONG_ACTION_TOKEN_FILE",
              file=sys.stderr)
        return 2
    host = os.environ.get("KAIFONG_ACTION_HOST", "127.0.0.1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    utils.update_sanic_log_level()
    build(secret).run(host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
import hmac
import logging
import os
import sys
from pathlib import Path
from typing import Any, Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import response

HEADER = "X-Kaifong-Token"      # the header Rasa sends (bot/endpoints.yml)
OPEN_PATHS = ("/health",)       # the gateway's probe: says nothing but "ok"


def shared_secret(env: Optional[dict[str, str]] = None) -> str:
    env = dict(os.environ) if env is None else env
    if env.get("KAIFONG_ACTION_TOKEN_FILE"):
        lines = Path(env["KAIFONG_ACTION_TOKEN_FILE"]).read_text(encoding="utf-8").split()
        return lines[0] if lines else ""
    return env.get("KAIFONG_ACTION_TOKEN", "")


def authorised(headers: Any, path: str, secret: str) -> bool:
    if path in OPEN_PATHS:
        return True
    given = headers.get(HEADER, "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


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
    secret = shared_secret()
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

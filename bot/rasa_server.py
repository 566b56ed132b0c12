"""Start Rasa for Kaifong: `python -m bot.rasa_server <the arguments of rasa run>`.

Rasa takes its API token only as `--auth-token` on the command line, where `ps` shows
it to every user of the machine. This starts Rasa in the same process with the token
from the environment (KAIFONG_RASA_TOKEN) or a file (KAIFONG_RASA_TOKEN_FILE): the
process's command line (what `ps` reads) never holds it. The same secret is the one
the gateway sends to Kaifong's channel on every turn (bot/rasa_channel.py).
Runs in .venv-rasa.
"""
from __future__ import annotations

import os
import sys
from typing import Mapping, MutableMapping, Optional

from bot.secrets import SecretError, read_secret


def shared_secret(env: Optional[Mapping[str, str]] = None) -> str:
    return read_secret("KAIFONG_RASA_TOKEN", env)


def action_secret_into(env: MutableMapping[str, str]) -> None:
    """bot/endpoints.yml sends the action server's secret from the environment only:
    given as a file, it is put there (this process's environment, never its argv)."""
    if env.get("KAIFONG_ACTION_TOKEN_FILE"):
        env["KAIFONG_ACTION_TOKEN"] = read_secret("KAIFONG_ACTION_TOKEN", env)


def main() -> int:
    try:
        secret = shared_secret()
        action_secret_into(os.environ)
    except SecretError as exc:
        print(f"rasa: {exc}", file=sys.stderr)
        return 2
    if not secret:
        print("rasa: no token: set KAIFONG_RASA_TOKEN or KAIFONG_RASA_TOKEN_FILE", file=sys.stderr)
        return 2
    if "--auth-token" in sys.argv:
        print("rasa: the token comes from the environment, not the command line", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main   # Rasa is large: only when starting it
    sys.argv = ["rasa", "run", *sys.argv[1:], "--auth-token", secret]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The secrets the gateway shares with Rasa and with the action server.

Each comes from the environment (`KAIFONG_RASA_TOKEN`) or from a file named by the same
variable with `_FILE` (`KAIFONG_RASA_TOKEN_FILE`; its first line): never from a command
line, where `ps` shows it to every user. The caller puts it in one header; the check is
constant-time, and no secret configured lets nobody in.
"""
from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import Mapping, Optional

HEADER = "X-Kaifong-Token"


class SecretError(ValueError):
    """A secret's file cannot be read or is empty (the message names it)."""


def read_secret_file(name: str, path: str) -> str:
    """The first line of the file `path` (the setting or variable `name` gave it)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"{name}: cannot read {path}: {exc.strerror}") from None
    secret = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not secret:
        raise SecretError(f"{name}: {path} is empty")
    return secret


def read_secret(name: str, env: Optional[Mapping[str, str]] = None) -> str:
    """The secret in `name`, else in the file `name`_FILE names (as the settings read
    `rasa_token` and `rasa_token_file`: the gateway and Rasa agree); "" when neither."""
    env = os.environ if env is None else env
    if env.get(name):
        return env[name]
    if env.get(f"{name}_FILE"):
        return read_secret_file(f"{name}_FILE", env[f"{name}_FILE"])
    return ""


def presented(headers: Mapping[str, str], secret: str) -> bool:
    """Whether a request's headers carry `secret` (never true without one)."""
    given = headers.get(HEADER, "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())

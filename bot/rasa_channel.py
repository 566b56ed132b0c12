"""Rasa input channel for the gateway: the REST channel plus per-message metadata.

The gateway sends {"sender", "message", "metadata": {"language", "script",
"channel"}}; actions read the language from the message metadata. Loaded by
Rasa from bot/credentials.yml (runs in .venv-rasa, not in the gateway).
"""
from typing import Any, Optional

from rasa.core.channels.rest import RestInput
from sanic.request import Request


class KaifongInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "kaifong"

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None

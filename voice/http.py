"""Voice HTTP routes (/api/tts, /api/asr) — being built for issue 5."""
from __future__ import annotations

from aiohttp import web


def setup_voice(app: web.Application) -> None:
    """Register the voice routes, engines (cleanup_ctx) and health probes on `app`."""

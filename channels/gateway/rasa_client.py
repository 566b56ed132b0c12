"""The gateway's side of Rasa and the action server: HTTP, with clear failures."""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional

import aiohttp

from bot.secrets import HEADER as WEBHOOK_HEADER   # the shared secret Rasa's Kaifong channel
                                                   # checks on every turn (bot/rasa_channel.py)


class AssistantUnavailable(Exception):
    """Rasa or the action server cannot answer now. `part` names which."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(f"{part}: {detail}")
        self.part = part
        self.detail = detail


class RasaClient:
    """One pooled HTTP session; every call has its own timeout, so when Rasa
    comes back the next request simply works (nothing to reset)."""

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str, action_url: str,
                 token: str = "", timeout: float = 10.0) -> None:
        self._session = session
        self._rasa = rasa_url.rstrip("/")
        self._actions = action_url.rstrip("/")
        self._params = {"token": token} if token else {}       # Rasa's HTTP API
        self._headers = {WEBHOOK_HEADER: token} if token else {}  # our channel (bot/rasa_channel.py)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._probe_timeout = aiohttp.ClientTimeout(total=2)
        self.observer: Callable[[bool], None] = lambda ok: None   # /healthz's cache (health.py)

    async def _post(self, url: str, body: dict[str, Any], webhook: bool = False) -> Any:
        params, headers = ({}, self._headers) if webhook else (self._params, {})
        try:
            async with self._session.post(url, json=body, params=params, headers=headers,
                                          timeout=self._timeout) as resp:
                if resp.status >= 400:
                    raise AssistantUnavailable("rasa", f"HTTP {resp.status} from {url}")
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise AssistantUnavailable("rasa", f"{exc.__class__.__name__} {exc}") from None

    async def parse(self, text: str) -> dict[str, Any]:
        """NLU only: intent and ranking for already normalised text."""
        result = await self._post(f"{self._rasa}/model/parse", {"text": text})
        if not isinstance(result, dict):
            raise AssistantUnavailable("rasa", "unexpected /model/parse answer")
        return result

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One user turn through the dialogue; the bot's messages."""
        try:
            result = await self._send(sender, text, metadata)
        except AssistantUnavailable:
            self.observer(False)
            raise
        self.observer(True)
        return result

    async def _send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        result = await self._post(f"{self._rasa}/webhooks/kaifong/webhook",
                                  {"sender": sender, "message": text, "metadata": metadata},
                                  webhook=True)
        if not isinstance(result, list):
            raise AssistantUnavailable("rasa", "unexpected webhook answer")
        if not result:
            # Rasa answers with nothing when a custom action failed.
            actions = await self.actions_health()
            part = "actions" if not actions["ok"] else "rasa"
            raise AssistantUnavailable(part, actions.get("detail") or "no reply from the dialogue")
        return result

    async def _probe(self, url: str, params: Optional[dict[str, str]] = None) -> dict[str, Any]:
        try:
            async with self._session.get(url, params=params or {}, timeout=self._probe_timeout) as resp:
                if resp.status == 200:
                    return {"ok": True, "body": await resp.json(content_type=None)}
                return {"ok": False, "detail": f"HTTP {resp.status}"}
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            return {"ok": False, "detail": f"unreachable ({exc.__class__.__name__})"}

    async def rasa_health(self) -> dict[str, Any]:
        state = await self._probe(f"{self._rasa}/status", self._params)
        body = state.pop("body", None)
        if state["ok"] and isinstance(body, dict):
            model = body.get("model_file") or body.get("model_id")
            state.update(model=str(model) if model else None)
            if not model:
                state.update(ok=False, detail="no model loaded")
        return state

    async def actions_health(self) -> dict[str, Any]:
        state = await self._probe(f"{self._actions}/health")
        state.pop("body", None)
        return state

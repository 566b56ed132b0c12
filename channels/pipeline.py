"""One turn, as data: language layer → Rasa → replies in the user's script.

Every channel (api, kiosk, wechat, hotline) goes through `Pipeline.chat`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from bot.controls import control_intent
from bot.language import LanguageState, normalize, parse_switch, to_script
from bot.privacy import mask
from bot.services import intent_to_act
from bot.settings import Settings
from bot.texts import say
from channels.feedback import FeedbackStore
from channels.handoff.desk import HandoffDesk
from channels.rasa_client import AssistantUnavailable, RasaClient
from channels.sessions import SessionStore

log = logging.getLogger("kaifong.pipeline")


@dataclass
class TurnResult:
    messages: list[dict[str, Any]]
    language: str
    script: str
    signals: dict[str, Any] = field(default_factory=dict)
    unavailable: Optional[str] = None   # which part was down, when the assistant could not answer
    handoff: Optional[dict[str, Any]] = None  # {"state": "waiting", "position": 2}: staff have it


class Pipeline:
    def __init__(self, rasa: RasaClient, sessions: SessionStore, settings: Settings,
                 feedback: Optional[FeedbackStore] = None,
                 handoff: Optional[HandoffDesk] = None) -> None:
        self.rasa = rasa
        self.sessions = sessions
        self.settings = settings
        self.feedback = feedback
        self.handoff = handoff

    @staticmethod
    def default_language_state(settings: Settings) -> LanguageState:
        return LanguageState(language=settings.default_language, script=settings.default_script)

    def default_state(self) -> LanguageState:
        return self.default_language_state(self.settings)

    async def understand(self, text: str) -> dict[str, Any]:
        """Stateless NLU of one utterance (POST /api/understand)."""
        state = self.default_state().observe(text)
        normalized = normalize(text)
        control = control_intent(text)
        if control is not None:
            act, service, confidence = intent_to_act(control[0]) + (1.0,)
        else:
            parsed = await self.rasa.parse(normalized or text.strip())
            intent = parsed.get("intent") or {}
            act, service = intent_to_act(intent.get("name"))
            confidence = float(intent.get("confidence") or 0.0)
        return {"text": text, "normalized": normalized, "language": state.language,
                "script": state.script, "act": act, "service": service,
                "confidence": round(confidence, 4)}

    async def chat(self, sender: str, text: str, channel: str = "api") -> TurnResult:
        """One user turn of a conversation; turns of one sender run one at a time."""
        session = self.sessions.get(sender)
        async with session.lock:
            state = session.language.observe(text)
            session.language = state
            if self.handoff is not None:
                # A person is waiting for staff or talking with them: the turn is theirs,
                # not the bot's (channels/handoff/desk.py).
                routed = await self.handoff.route(sender, text, state, channel)
                if routed is not None:
                    session.language = replace(state, language=routed.language,
                                               script=routed.script)
                    return self._result(routed.messages, session.language, handoff=routed.handoff)
            switch = parse_switch(text)
            if switch is not None:
                key = ("switched_yue" if switch.language == "yue" else
                       "switched_cmn" if switch.language == "cmn" else "switched_script")
                return self._result([{"text": say(key, state.language)}], state)
            # Emergencies, 「0」, 「返回」 and numbers are never left to the NLU's guess.
            control = control_intent(text)
            choice = control[1] if control else None
            message = "/" + control[0] if control else (normalize(text) or text.strip())
            metadata = {"language": state.language, "script": state.script,
                        "channel": channel, "choice": choice}
            try:
                raw = await self.rasa.send(sender, message, metadata)
            except AssistantUnavailable as exc:
                log.warning("assistant unavailable (%s): %s", exc.part, exc.detail)
                apology = say("unavailable", state.language, hotline=self.settings.hotline)
                return self._result([{"text": apology}], state, unavailable=exc.part)
            messages, signals = split_signals(raw)
            if signals.get("slow"):
                session.slow = True
            if self.feedback is not None:
                await self.feedback.record(sender, channel, signals)
            log.info("turn sender=%s channel=%s text=%s", sender[:12], channel, mask(text)[:80])
            handoff = None
            if self.handoff is not None:
                self.handoff.remember(sender, text, messages)
                if isinstance(signals.get("handoff"), dict):
                    facts = {"slow_speech": True} if session.slow else None
                    routed = await self.handoff.start(sender, signals["handoff"], state, channel,
                                                      facts)
                    messages, handoff = messages + routed.messages, routed.handoff
            return self._result(messages, state, signals, handoff=handoff)

    def _result(self, messages: list[dict[str, Any]], state: LanguageState,
                signals: Optional[dict[str, Any]] = None,
                unavailable: Optional[str] = None,
                handoff: Optional[dict[str, Any]] = None) -> TurnResult:
        converted = [self._convert(m, state) for m in messages]
        return TurnResult(converted, state.language, state.script, signals or {}, unavailable,
                          handoff)

    def _convert(self, message: dict[str, Any], state: LanguageState) -> dict[str, Any]:
        def conv(text: str) -> str:
            return to_script(text, state.language, state.script, self.settings.hant_cmn)
        out: dict[str, Any] = {"text": conv(message.get("text") or "")}
        buttons = message.get("buttons") or []
        if buttons:
            out["buttons"] = [{"title": conv(b.get("title", "")), "payload": b.get("payload", "")}
                              for b in buttons]
        return out


def split_signals(raw: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rasa's messages: what the user sees, and the actions' signals to the gateway."""
    messages, signals = [], {}
    for item in raw:
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("kaifong"), dict):
            signals.update(custom["kaifong"])
        elif item.get("text"):
            messages.append(item)
    return messages, signals

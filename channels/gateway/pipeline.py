"""One turn, as data: language layer → Rasa → replies in the user's script.

Every channel (api, kiosk, phone, wechat) goes through `Pipeline.chat`, and uses
the pipeline's methods (never the sessions directly) for what is not a turn:
choosing the language or script from a button, leaving the queue, and the
person going away.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from bot.controls import control_intent
from bot.language import LanguageState, Utterance, parse_switch, read, to_script
from bot.privacy import mask
from bot.services import intent_to_act
from bot.settings import Settings
from bot.texts import say
from channels.gateway.handoff.desk import HandoffDesk
from channels.gateway.rasa_client import AssistantUnavailable, RasaClient
from channels.gateway.ratings import RatingStore
from channels.gateway.sessions import SessionStore
from channels.gateway.turns import TurnFacts, TurnLog

log = logging.getLogger("kaifong.pipeline")

SWITCHED = {"yue": "switched_yue", "cmn": "switched_cmn"}
# Rasa reads text that begins with "/" as an intent it must take without the NLU (and
# "/rate{...}" with its entities): only the gateway may force one, never a person's words.
_FORCED_INTENT = re.compile(r"^[\s/／⁄∕⧸]+")


def for_the_nlu(text: str) -> str:
    """A person's words as Rasa may read them: never a forced intent."""
    cleaned = _FORCED_INTENT.sub("", text)
    return cleaned if cleaned.strip() else "?"


@dataclass
class TurnResult:
    messages: list[dict[str, Any]]
    language: str
    script: str
    signals: dict[str, Any] = field(default_factory=dict)
    unavailable: Optional[str] = None   # which part was down, when the assistant could not answer
    handoff: Optional[dict[str, Any]] = None  # {"state": "waiting", "position": 2}: staff have it
    slow: bool = False                  # the person asked for slower speech (voice channels)
    limited: Optional[float] = None     # over a limit (no case opened): seconds to wait

    @property
    def leaves_no_choice(self) -> bool:
        """The assistant answered and offered nothing to pick (「您想问哪件事？」 alone): a
        channel whose person can only tap or press keys adds its start services. Not
        while staff have the person (the desk's questions want a number said or keyed)."""
        return (self.handoff is None and self.unavailable is None and self.limited is None
                and not any(m.get("buttons") for m in self.messages))


class Pipeline:
    def __init__(self, rasa: RasaClient, sessions: SessionStore, settings: Settings,
                 ratings: Optional[RatingStore] = None,
                 handoff: Optional[HandoffDesk] = None,
                 turns: Optional[TurnLog] = None) -> None:
        self.rasa = rasa
        self.sessions = sessions
        self.settings = settings
        self.ratings = ratings
        self.handoff = handoff
        self.turns = turns   # the figures' turn records (channels/gateway/turns.py)

    @staticmethod
    def default_language_state(settings: Settings) -> LanguageState:
        return LanguageState(language=settings.default_language, script=settings.default_script)

    def default_state(self) -> LanguageState:
        return self.default_language_state(self.settings)

    async def understand(self, text: str) -> dict[str, Any]:
        """Stateless NLU of one utterance (POST /api/understand)."""
        said = read(text)
        state = self.default_state().observe(said)
        control = control_intent(said)
        if control is not None:
            act, service, confidence = intent_to_act(control[0]) + (1.0,)
        else:
            parsed = await self.rasa.parse(for_the_nlu(said.normalized or text.strip()))
            intent = parsed.get("intent") or {}
            act, service = intent_to_act(intent.get("name"))
            confidence = float(intent.get("confidence") or 0.0)
        return {"text": text, "normalized": said.normalized, "language": state.language,
                "script": state.script, "act": act, "service": service,
                "confidence": round(confidence, 4)}

    # --- what is not a turn ------------------------------------------------------

    def language_of(self, sender: str) -> LanguageState:
        return self.sessions.get(sender).language

    def is_slow(self, sender: str) -> bool:
        return self.sessions.get(sender).slow

    def start(self, sender: str, language: Optional[str] = None,
              script: Optional[str] = None, source: Optional[str] = None) -> LanguageState:
        """A person begins (a kiosk language button, an answered call): what they chose
        sticks until they change it; what they did not choose is still detected.
        `source`: where their cases come from (gateway/clients.py), when the channel knows."""
        session = self.sessions.get(sender)
        if source is not None:
            session.source = source
        state = session.language
        if language is not None:
            state = replace(state, language=language, language_locked=True)
        if script is not None:
            state = replace(state, script=script, script_locked=True)
        session.language = state
        return state

    def switch(self, sender: str, language: Optional[str] = None,
               script: Optional[str] = None) -> TurnResult:
        """The person chose a language or script with a button or a key: the choice
        sticks, and they are told in the new language."""
        state = self.start(sender, language, script)
        key = SWITCHED[language] if language else "switched_script"
        return self._result([{"text": say(key, state.language)}], state,
                            slow=self.is_slow(sender))

    def notice(self, sender: str, key: str, **fields: Any) -> TurnResult:
        """One of the gateway's own sentences (texts.yml `key`) for the person, in their
        language and script (a turn refused for going too fast)."""
        session = self.sessions.get(sender)
        return self._result([{"text": say(key, session.language.language, **fields)}],
                            session.language, slow=session.slow)

    def set_slow(self, sender: str) -> None:
        """Slower speech for the rest of the conversation (the phone's # key)."""
        self.sessions.get(sender).slow = True

    async def leave_queue(self, sender: str) -> Optional[TurnResult]:
        """The person pressed 「取消等待」: out of the queue, back to the bot. None when
        they were not waiting."""
        if self.handoff is None:
            return None
        session = self.sessions.get(sender)
        async with session.lock:
            routed = await self.handoff.cancel(sender, session.language)
            if routed is None:
                return None
            return self._result(routed.messages, session.language, handoff=routed.handoff,
                                slow=session.slow)

    async def end(self, sender: str, note_key: str) -> Optional[str]:
        """The person has gone (kiosk cleared, call ended, unsubscribed): a waiting case
        leaves the queue, staff talking with them read the note (texts.yml `note_key`),
        and the gateway forgets the session. Returns the case's state, or None."""
        state = None
        if self.handoff is not None:
            state = await self.handoff.leave(sender, say(note_key, "cmn"))
        self.sessions.forget(sender)
        if self.turns is not None:
            self.turns.forget(sender)
        return state

    # --- a turn ----------------------------------------------------------------

    async def chat(self, sender: str, text: str, channel: str = "api",
                   source: Optional[str] = None) -> TurnResult:
        """One user turn of a conversation; turns of one sender run one at a time.
        The text is read once here (bot.language.read) and that reading passed on.
        `source`: where a case for the person comes from (gateway/clients.py); kept for
        the conversation's later turns."""
        said = read(text)
        session = self.sessions.get(sender)
        if source is not None:
            session.source = source
        async with session.lock:
            state = session.language.observe(said)
            session.language = state
            if self.handoff is not None:
                # A person is waiting for staff or talking with them: the turn is theirs,
                # not the bot's (channels/gateway/handoff/desk.py).
                routed = await self.handoff.route(sender, said, state, channel,
                                                  session.source)
                if routed is not None:
                    session.language = replace(state, language=routed.language,
                                               script=routed.script)
                    self._record(sender, channel, session.language, routed.messages, "staff")
                    return self._result(routed.messages, session.language,
                                        handoff=routed.handoff, slow=session.slow,
                                        limited=routed.limited)
            switch = parse_switch(said)
            if switch is not None:
                key = SWITCHED[switch.language] if switch.language else "switched_script"
                messages = [{"text": say(key, state.language)}]
                self._record(sender, channel, state, messages, "switch")
                return self._result(messages, state, slow=session.slow)
            return await self._dialogue(session, sender, said, state, channel)

    async def repeat(self, sender: str, channel: str) -> TurnResult:
        """The question on screen again, in the conversation's language now (the kiosk,
        after a switch of language). The gateway asks for it; a person's words never can."""
        session = self.sessions.get(sender)
        async with session.lock:
            return await self._dialogue(session, sender, read(""), session.language, channel,
                                        forced="repeat")

    async def _dialogue(self, session: Any, sender: str, said: Utterance, state: LanguageState,
                        channel: str, forced: Optional[str] = None) -> TurnResult:
        # Emergencies, 「0」, 「返回」 and numbers are never left to the NLU's guess.
        control = (forced, None) if forced else control_intent(said)
        choice = control[1] if control else None
        message = "/" + control[0] if control else for_the_nlu(said.normalized or said.raw.strip())
        metadata = {"language": state.language, "script": state.script,
                    "channel": channel, "choice": choice}
        shown = self.turns.shown(sender, control, state.language) if self.turns else None
        try:
            raw = await self.rasa.send(sender, message, metadata)
        except AssistantUnavailable as exc:
            log.warning("assistant unavailable (%s): %s", exc.part, exc.detail)
            apology = say("unavailable", state.language, hotline=self.settings.hotline)
            self._record(sender, channel, state, [], "unavailable")
            return self._result([{"text": apology}], state, unavailable=exc.part,
                                slow=session.slow)
        messages, signals = split_signals(raw)
        if signals.get("slow"):
            session.slow = True
        if self.ratings is not None:
            await self.ratings.record(sender, channel, signals)   # never fails the turn
        # what people say stays out of the log by default: the log is kept past
        # retention_days (the transcripts are not); log_level DEBUG shows it, masked
        log.info("turn channel=%s chars=%d", channel, len(said.raw))
        log.debug("turn text=%s", mask(said.raw)[:80])      # logs.py: one line each
        handoff, limited = None, None
        if self.handoff is not None:
            self.handoff.remember(sender, said.raw, messages, shown)
            if isinstance(signals.get("handoff"), dict):
                facts = {"slow_speech": True} if session.slow else None
                routed = await self.handoff.start(sender, signals["handoff"], state, channel,
                                                  facts, source=session.source)
                handoff, limited = routed.handoff, routed.limited
                # refused (over the source's limit): not 「我帮您找工作人员」 beside the refusal
                messages = routed.messages if limited else messages + routed.messages
        self._record_dialogue(sender, channel, state, messages, signals, handoff, said.raw)
        return self._result(messages, state, signals, handoff=handoff, slow=session.slow,
                            limited=limited)

    # --- turn records (the figures) -----------------------------------------------

    def _record(self, sender: str, channel: str, state: LanguageState,
                messages: list[dict[str, Any]], act: str) -> None:
        if self.turns is not None:
            self.turns.showed(sender, messages)
            self.turns.record(sender, TurnFacts(channel, state.language, state.script, act))

    def _record_dialogue(self, sender: str, channel: str, state: LanguageState,
                         messages: list[dict[str, Any]], signals: dict[str, Any],
                         handoff: Optional[dict[str, Any]], text: str) -> None:
        """What the actions told of the turn (signal `turn`: intent, service, unresolved)."""
        if self.turns is None:
            return
        told = signals.get("turn") if isinstance(signals.get("turn"), dict) else {}
        asked = signals.get("handoff") if isinstance(signals.get("handoff"), dict) else None
        reason = None
        if asked is not None:
            reason = "off_hours" if handoff and handoff.get("state") in ("off_hours", "callback") \
                else str(asked.get("reason") or "asked")
        service = told.get("service") if isinstance(told.get("service"), str) else None
        self.turns.showed(sender, messages)
        self.turns.record(sender, TurnFacts(
            channel, state.language, state.script,
            act=intent_to_act(told.get("intent"))[0] if told.get("intent") else None,
            service=service, handoff=reason, unresolved=told.get("unresolved"), text=text))

    def _result(self, messages: list[dict[str, Any]], state: LanguageState,
                signals: Optional[dict[str, Any]] = None,
                unavailable: Optional[str] = None,
                handoff: Optional[dict[str, Any]] = None, slow: bool = False,
                limited: Optional[float] = None) -> TurnResult:
        converted = [self._convert(m, state) for m in messages]
        return TurnResult(converted, state.language, state.script, signals or {}, unavailable,
                          handoff, slow, limited)

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

"""One kiosk page, connected over a websocket, and the person standing at it.

The page sends JSON (`start`, `language`, `script`, `text`, `human`, `activity`,
`mic_start`, `mic_mode`, `mic_stop`) and binary microphone frames (16-bit mono PCM); the
gateway sends JSON (`hello`, `ui`, `user`, `reply`, `staff`, `handoff`,
`partial`, `listening`, `still_there`, `reset`, `audio_start`, `audio_end`) and
binary speech frames. The page only draws what it is told; everything it shows
and says is decided here.

Each person gets a new random sender id when they choose a language; the idle
reset (or the page going away) ends the person: their place in a queue is given
up, staff are told if they were talking, and the next person starts afresh.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import replace
from typing import Any, Callable, Coroutine, Optional

from aiohttp import WSMsgType, web

from bot.catalog import Service
from bot.language import LanguageState, to_simplified
from bot.settings import Settings
from channels.handoff.desk import HandoffDesk
from channels.kiosk import ui
from channels.kiosk.idle import ASK, RESET, IdleWatch
from channels.kiosk.listener import HOLD, TAP, Listener
from channels.kiosk.speaker import Speaker
from channels.pipeline import Pipeline
from voice.asr import AsrEngine
from voice.tts import TtsEngine

log = logging.getLogger("kaifong.kiosk")

LANGUAGES = ("cmn", "yue")
SCRIPTS = ("hans", "hant")
HUMAN = "0"                  # what the 「找工作人员」 button says: a person, at any time
CANCEL = "取消"              # leaves the queue (channels/handoff/words.py)
LIVE = ("waiting", "with_staff")
MIC_RATES = range(8000, 96001)
MAX_FRAME = 64 * 1024        # bytes of audio in one frame from the page
WATCH_EVERY = 0.5            # seconds between looks at the idle clock
STRAGGLER_WAIT = 2.0         # after a case ends: a last look for its closing message


def new_sender() -> str:
    return "kiosk-" + secrets.token_hex(8)


class KioskConnection:
    def __init__(self, ws: web.WebSocketResponse, settings: Settings, pipeline: Pipeline,
                 desk: HandoffDesk, tts: TtsEngine, asr: AsrEngine,
                 services: dict[str, Service], clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.ws, self.settings, self.pipeline, self.desk = ws, settings, pipeline, desk
        self.asr, self.services, self.clock = asr, services, clock
        self.speaker = Speaker(tts, self.send, self.send_bytes, clock)
        self.idle = IdleWatch(settings.kiosk_idle_seconds, settings.kiosk_idle_waiting_seconds,
                              settings.kiosk_idle_answer_seconds)
        self.language = settings.kiosk_default_language
        self.script = settings.kiosk_default_script
        self.sender: Optional[str] = None        # the person at the kiosk; None: start screen
        self.handoff: Optional[dict[str, Any]] = None
        self.listener: Optional[Listener] = None
        self.busy = 0                            # turns being answered
        self._turns = asyncio.Lock()             # one turn at a time, in the order given
        self._poller: Optional[asyncio.Task[None]] = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- sending ---------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        try:
            await self.ws.send_str(json.dumps(message, ensure_ascii=False))
        except (ConnectionError, RuntimeError):
            pass   # the page went away; the receive loop ends the person

    async def send_bytes(self, data: bytes) -> None:
        if self.ws.closed:
            return
        try:
            await self.ws.send_bytes(data)
        except (ConnectionError, RuntimeError):
            pass

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:   # never a dead page: log it, tell the person plainly
            log.exception("kiosk task failed")
            await self._say_only("unavailable", hotline=self.settings.hotline)

    # --- the connection's life -----------------------------------------------------

    async def run(self) -> None:
        await self._send_ui("hello")
        watcher = asyncio.get_running_loop().create_task(self._watch_idle())
        try:
            async for message in self.ws:
                if message.type == WSMsgType.TEXT:
                    await self._on_text(message.data)
                elif message.type == WSMsgType.BINARY:
                    self._on_audio(message.data)
        finally:
            watcher.cancel()

    async def close(self) -> None:
        """The page went away: end the person (run detached from the websocket's handler,
        which aiohttp may cancel as the connection drops)."""
        for task in list(self._tasks):
            task.cancel()
        await self.end_person()

    async def _on_text(self, raw: str) -> None:
        try:
            message = json.loads(raw)
        except json.JSONDecodeError:
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if self.idle.activity(self.clock()):
            await self.send({"type": "still_there", "on": False})
        handler = self._HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            log.info("kiosk page sent an unknown message type")
            return
        await handler(self, message)

    async def _on_start(self, message: dict[str, Any]) -> None:
        language = message.get("language")
        script = message.get("script", self.script)
        if language not in LANGUAGES or script not in SCRIPTS:
            return
        if self.sender is not None:   # a second tap on the start screen: just the language
            await self._switch(language=language, script=script)
            return
        self._begin(language, script)
        await self._send_ui("ui")
        messages = ui.welcome(self.services, language, script, self.settings,
                              self._voice_available(language))
        await self.send({"type": "reply", "messages": messages, "lang": self._lang()})
        self.speaker.say(ui.spoken(messages), language, slow=False)

    async def _on_language(self, message: dict[str, Any]) -> None:
        if message.get("language") in LANGUAGES:
            await self._switch(language=message["language"])

    async def _on_script(self, message: dict[str, Any]) -> None:
        if message.get("script") in SCRIPTS:
            await self._switch(script=message["script"])

    async def _on_say(self, message: dict[str, Any]) -> None:
        text = message.get("text")
        if not isinstance(text, str) or not text.strip() or "\x00" in text:
            return
        text = text.strip()[: self.settings.max_text_chars]
        shown = message.get("title") if isinstance(message.get("title"), str) else None
        self._spawn(self._turn(text, (shown or text)[:200]))

    async def _on_human(self, message: dict[str, Any]) -> None:
        self._spawn(self._turn(HUMAN, self._text("option_human")))

    async def _on_activity(self, message: dict[str, Any]) -> None:
        pass   # counted in _on_text

    async def _on_mic_start(self, message: dict[str, Any]) -> None:
        rate, mode = message.get("rate"), message.get("mode", TAP)
        if not isinstance(rate, int) or rate not in MIC_RATES or mode not in (HOLD, TAP):
            return
        if self.listener is not None and self.listener.active:
            return
        if self.sender is None:
            self._begin(self.language, self.script)
        self.speaker.stop()   # the person talks: the kiosk stops talking
        self.listener = Listener(self.asr, self.language, rate, mode, self.settings.asr_max_seconds,
                                 self._heard_partial, self._heard)
        self.listener.start()
        await self.send({"type": "listening", "on": True, "mode": mode})

    async def _on_mic_stop(self, message: dict[str, Any]) -> None:
        if self.listener is not None:
            self.listener.stop()

    async def _on_mic_mode(self, message: dict[str, Any]) -> None:
        """A short tap turned out not to be a hold: listen until the person pauses."""
        if self.listener is not None and message.get("mode") in (HOLD, TAP):
            self.listener.mode = message["mode"]

    _HANDLERS = {"start": _on_start, "language": _on_language, "script": _on_script,
                 "text": _on_say, "human": _on_human, "activity": _on_activity,
                 "mic_start": _on_mic_start, "mic_mode": _on_mic_mode,
                 "mic_stop": _on_mic_stop}

    def _on_audio(self, frame: bytes) -> None:
        if self.listener is None or len(frame) > MAX_FRAME or len(frame) % 2:
            return
        self.listener.feed(frame)

    # --- the person --------------------------------------------------------------------

    def _begin(self, language: str, script: str) -> None:
        """A new person: a new sender, their choice of language and script kept."""
        self.sender = new_sender()
        self.language, self.script = language, script
        session = self.pipeline.sessions.get(self.sender)
        session.language = LanguageState(language, script, language_locked=True,
                                         script_locked=True)
        self.idle.activity(self.clock())
        log.info("kiosk: a new person (%s)", language)

    async def _switch(self, language: Optional[str] = None, script: Optional[str] = None) -> None:
        """The page's 普通话/廣東話 or 简/繁 buttons."""
        self.language = language or self.language
        self.script = script or self.script
        await self._send_ui("ui")
        if self.sender is None:
            return
        session = self.pipeline.sessions.get(self.sender)
        state = session.language
        if language:
            state = replace(state, language=language, language_locked=True)
        if script:
            state = replace(state, script=script, script_locked=True)
        session.language = state
        key = ("switched_script" if language is None else
               "switched_yue" if language == "yue" else "switched_cmn")
        await self._say_only(key)

    async def end_person(self) -> None:
        """Clear everything of the person at the kiosk (idle reset, page closed)."""
        sender, self.sender = self.sender, None
        if self.listener is not None:
            self.listener.cancel()
            self.listener = None
        self.speaker.stop()
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        self.handoff = None
        self.language = self.settings.kiosk_default_language
        self.script = self.settings.kiosk_default_script
        if sender is not None:
            try:
                await self._leave_queue(sender)
            except Exception:   # the person is gone either way; staff see the case
                log.exception("kiosk: leaving the queue failed")

    async def _leave_queue(self, sender: str) -> None:
        """Nobody stays in the queue for a person who has gone; staff talking with
        them are told."""
        state = await self.desk.state_of(sender)
        if state is None:
            return
        if state["state"] == "waiting":
            await self.pipeline.chat(sender, CANCEL, channel="kiosk")
        elif state["state"] == "with_staff":
            await self.pipeline.chat(sender, ui.left_note(), channel="kiosk")

    # --- turns -----------------------------------------------------------------------

    async def _turn(self, text: str, shown: str) -> None:
        if self.sender is None:
            self._begin(self.language, self.script)
        sender = self.sender
        self.busy += 1
        try:
            async with self._turns:
                if sender != self.sender:
                    return   # the kiosk was cleared meanwhile
                await self.send({"type": "user", "text": shown, "lang": self._lang()})
                result = await self.pipeline.chat(sender, text, channel="kiosk")
                if sender != self.sender:
                    return
                if (result.language, result.script) != (self.language, self.script):
                    self.language, self.script = result.language, result.script
                    await self._send_ui("ui")   # 「講廣東話」 said aloud
                await self.send({"type": "reply", "messages": result.messages,
                                 "lang": self._lang()})
                slow = self.pipeline.sessions.get(sender).slow
                self.speaker.say(ui.spoken(result.messages), result.language, slow)
                await self._set_handoff(result.handoff)
        finally:
            self.busy -= 1
            self.idle.activity(self.clock())

    async def _say_only(self, key: str, **fields: Any) -> None:
        """A kiosk sentence of its own (not a turn of the conversation)."""
        messages = [{"text": self._text(key, **fields)}]
        await self.send({"type": "reply", "messages": messages, "lang": self._lang(),
                         "keep_buttons": True})
        slow = self.sender is not None and self.pipeline.sessions.get(self.sender).slow
        self.speaker.say(ui.spoken(messages), self.language, slow)

    # --- listening ---------------------------------------------------------------------

    async def _heard_partial(self, words: str) -> None:
        if words:
            await self.send({"type": "partial", "text": self._own_script(words)})

    async def _heard(self, words: str, error: Optional[str]) -> None:
        self.listener = None
        self.idle.activity(self.clock())
        await self.send({"type": "listening", "on": False})
        if error is not None:
            await self._say_only("kiosk_no_voice")
        elif not words:
            await self._say_only("kiosk_not_heard")
        else:
            words = self._own_script(words)
            self._spawn(self._turn(words, words))

    def _own_script(self, words: str) -> str:
        """The recogniser writes Simplified; the person reads their own script."""
        return ui.convert(to_simplified(words), self.language, self.script, self.settings)

    def _voice_available(self, language: str) -> bool:
        return self.asr.available(language)

    # --- staff, through the handoff desk -----------------------------------------------

    async def _set_handoff(self, handoff: Optional[dict[str, Any]]) -> None:
        live = handoff if handoff and handoff.get("state") in LIVE else None
        if live != self.handoff:
            self.handoff = live
            await self.send({"type": "handoff", "handoff": live, "lang": self._lang(),
                             "text": ui.handoff_line(live, self.language, self.script,
                                                     self.settings)})
        if live and (self._poller is None or self._poller.done()) and self.sender:
            self._poller = asyncio.get_running_loop().create_task(
                self._guard(self._poll_staff(self.sender)))

    async def queue_changed(self) -> None:
        """Called when any case changes: our place in the queue may have moved."""
        if self.sender is None or self.handoff is None:
            return
        sender = self.sender
        state = await self.desk.state_of(sender)
        if sender == self.sender:
            await self._set_handoff(state)

    async def _poll_staff(self, sender: str) -> None:
        """Staff replies and notices, pushed to the page and read aloud as they come."""
        after = 0
        wait = self.settings.handoff_poll_seconds
        while sender == self.sender:
            body = await self.desk.poll(sender, after, wait)
            if sender != self.sender:
                return
            if body["last_id"] is not None:
                after = body["last_id"]
            if body["messages"]:
                await self._staff_messages(body["messages"])
            await self._set_handoff(body["handoff"])
            if body["handoff"] is None:
                if wait == STRAGGLER_WAIT and not body["messages"]:
                    return
                wait = STRAGGLER_WAIT   # one more look for the closing words
            else:
                wait = self.settings.handoff_poll_seconds

    async def _staff_messages(self, messages: list[dict[str, Any]]) -> None:
        shown = [{"text": m["text"], "from": m["from"]} for m in messages]
        await self.send({"type": "staff", "messages": shown, "lang": self._lang()})
        self.idle.activity(self.clock())   # someone is talking to the person
        slow = self.sender is not None and self.pipeline.sessions.get(self.sender).slow
        self.speaker.say(ui.spoken(shown), self.language, slow)

    # --- idle reset --------------------------------------------------------------------

    async def _watch_idle(self) -> None:
        while True:
            await asyncio.sleep(WATCH_EVERY)
            try:
                await self._look_at_idle()
            except asyncio.CancelledError:
                raise
            except Exception:   # the watch must go on: it protects the next person's privacy
                log.exception("kiosk idle watch failed")

    async def _look_at_idle(self) -> None:
        if self.sender is None:
            return
        now = self.clock()
        if self.busy or (self.listener is not None and self.listener.active):
            self.idle.activity(now)   # answering or listening: the clock stands still
            return
        decision = self.idle.due(now, self.speaker.until, self.handoff is not None)
        if decision == ASK:
            self.idle.asked(now)
            await self._ask_still_there()
        elif decision == RESET:
            log.info("kiosk: nobody answered, clearing for the next person")
            await self.reset()

    async def reset(self) -> None:
        """Clear the kiosk for the next person: the server side, then the page."""
        await self.end_person()
        self.idle = IdleWatch(self.idle.idle, self.idle.idle_waiting, self.idle.answer)
        await self.send({"type": "reset"})
        await self._send_ui("hello")

    async def _ask_still_there(self) -> None:
        text = self._text("kiosk_still_there")
        await self.send({"type": "still_there", "on": True, "text": text,
                         "button": self._text("kiosk_still_here"), "lang": self._lang()})
        self.speaker.say(text, self.language, slow=False)

    # --- helpers -----------------------------------------------------------------------

    def _text(self, key: str, **fields: Any) -> str:
        return ui.text(key, self.language, self.script, self.settings, **fields)

    def _lang(self) -> str:
        return ui.lang_tag(self.language, self.script)

    async def _send_ui(self, kind: str) -> None:
        await self.send({"type": kind, "language": self.language, "script": self.script,
                         "lang": self._lang(), "started": self.sender is not None,
                         "voice": self._voice_available(self.language),
                         "labels": ui.labels(self.language, self.script, self.settings)})

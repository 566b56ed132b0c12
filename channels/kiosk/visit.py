"""The person standing at the kiosk, from the language button to the idle reset.

A visit owns the person's conversation on this kiosk: a new random sender id
when they choose a language, their turns answered one at a time in the order
given, listening and speaking (the shared voice dialogue in channels/gateway),
staff messages pushed to them (kiosk/channel.py), and the idle reset that
clears everything for the next person. Everything goes through the pipeline's
methods; the visit never touches sessions or the queue itself.

No dead ends for a finger: every answer that leaves nothing to tap gets the common
services and 「更多服务」 (every service, by touch, in kiosk menus); what is on
screen is kept (kiosk/screen.py) and drawn again after a switch of script or
language.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any, Callable, Coroutine, Mapping, Optional, Sequence

from bot.catalog import Service
from bot.language import to_simplified
from bot.privacy import mask
from bot.settings import Settings
from channels.gateway.contract import Outgoing
from channels.gateway.listening import HOLD, TAP, Heard, Listener
from channels.gateway.pipeline import Pipeline, TurnResult
from channels.gateway.speaking import SCREEN, Speaker, spoken
from channels.kiosk import ui
from channels.gateway.limits import Limited
from channels.kiosk.connection import Guard, KioskSocket
from channels.kiosk.idle import ASK, RESET, IdleWatch
from channels.kiosk.screen import Screen
from voice.asr import AsrEngine
from voice.tts import TtsEngine

log = logging.getLogger("kaifong.kiosk")

LANGUAGES = ("cmn", "yue")
SCRIPTS = ("hans", "hant")
HUMAN = "0"                  # what the 「找工作人员」 button says: a person, at any time
LIVE = ("waiting", "with_staff")
MIC_RATES = range(8000, 96001)
SPEECH_RATE = 16000          # what the page plays; it resamples to its own output itself
WATCH_EVERY = 0.5            # seconds between looks at the idle clock
CANCEL_PAYLOADS = ("取消",)  # what a person types to leave the queue (the banner has a button)


def new_sender() -> str:
    return "kiosk-" + secrets.token_hex(8)


class KioskVisit:
    def __init__(self, socket: KioskSocket, settings: Settings, pipeline: Pipeline,
                 tts: TtsEngine, asr: AsrEngine, services: Mapping[str, Service],
                 clock: Callable[[], float] = time.monotonic,
                 staff_online: Callable[[], bool] = lambda: True,
                 source: Optional[str] = None, guard: Optional[Guard] = None) -> None:
        self.socket, self.settings, self.pipeline = socket, settings, pipeline
        self.source = source      # where this kiosk's cases come from (gateway/clients.py)
        self.guard = guard or Guard(None, "", 1_000_000)   # the page's limits (connection.py)
        self.asr, self.services, self.clock = asr, services, clock
        self.staff_online = staff_online
        self.screen = Screen()                   # what the page shows, to draw it again
        self.shown_up_to = 0                     # the last staff message shown (outbox id)
        self.speaker = Speaker(tts, SPEECH_RATE, socket, clock)
        self.idle = self._new_idle()
        self.language = settings.kiosk_default_language
        self.script = settings.kiosk_default_script
        self.sender: Optional[str] = None        # the person at the kiosk; None: start screen
        self.handoff: Optional[dict[str, Any]] = None
        self.listener: Optional[Listener] = None
        self.noted = False                       # told that Mandarin listens for Cantonese
        self.mic_blocked = False                 # the page could not open its microphone
        self.busy = 0                            # turns being answered
        self._turns = asyncio.Lock()             # one turn at a time, in the order given
        self._tasks: set[asyncio.Task[Any]] = set()

    def _new_idle(self) -> IdleWatch:
        s = self.settings
        return IdleWatch(s.kiosk_idle_seconds, s.kiosk_idle_waiting_seconds,
                         s.kiosk_idle_answer_seconds)

    # --- the page's messages ----------------------------------------------------------

    async def on_message(self, message: dict[str, Any]) -> None:
        if self.idle.activity(self.clock()):
            await self.socket.send({"type": "still_there", "on": False})
        handler = self._HANDLERS.get(message["type"])
        if handler is None:
            log.info("kiosk page sent an unknown message type")
            return
        await handler(self, message)

    def on_audio(self, frame: bytes) -> None:
        if self.listener is not None:
            self.listener.feed(frame)

    async def _on_start(self, message: dict[str, Any]) -> None:
        language = message.get("language")
        script = message.get("script", self.script)
        if language not in LANGUAGES or script not in SCRIPTS:
            return
        text, title = message.get("text"), message.get("title")
        tapped = isinstance(text, str) and bool(text.strip())   # a service on the start screen
        if self.sender is not None:   # a second tap on the start screen: just the language
            await self._switch(language=language, script=script)
        else:
            self._begin(language, script)
            await self.send_ui("ui")
        if tapped:
            await self._on_say({"text": text, "title": title})
        elif message.get("menu") == ui.MORE:
            await self._on_menu({"name": ui.MORE, "title": title})
        elif self.screen.choices is None and not self.screen.items:
            messages = ui.welcome(self.services, language, script, self.settings,
                                  self._voice())
            await self._show("reply", messages, menu="services")
            self.speaker.say(spoken(messages, language, SCREEN), language, slow=False)

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
        if self.handoff and self.handoff.get("state") == "waiting" and text in CANCEL_PAYLOADS:
            self._spawn(self._leave_queue((shown or text)[:200]))
            return
        self._spawn(self._turn(text, mask(shown or text)[:200]))

    async def _on_human(self, message: dict[str, Any]) -> None:
        self._spawn(self._turn(HUMAN, self._text("option_human")))

    async def _on_cancel(self, message: dict[str, Any]) -> None:
        """The banner's 「取消等待」 button."""
        if self.handoff and self.handoff.get("state") == "waiting":
            self._spawn(self._leave_queue(self._text("handoff_button_cancel")))

    async def _on_menu(self, message: dict[str, Any]) -> None:
        """A kiosk menu: the common services, 「更多服务」 or one group of them."""
        name = message.get("name")
        title = message.get("title")
        if not isinstance(name, str) or ui.menu(name, self.services, self.language, self.script,
                                                 self.settings) is None:
            return
        self._spawn(self._menu(name, title[:200] if isinstance(title, str) else None))

    async def _on_activity(self, message: dict[str, Any]) -> None:
        pass   # counted in on_message

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
                                 self._heard_partial, self._heard, self._not_heard)
        self.listener.start()
        await self.socket.send({"type": "listening", "on": True, "mode": mode})

    async def _on_mic_blocked(self, message: dict[str, Any]) -> None:
        """The page cannot open its microphone: from now on it is a kiosk for a finger
        (no talk button, no prompt that asks to speak)."""
        if not self.mic_blocked:
            self.mic_blocked = True
            await self.send_ui("ui")

    async def _on_mic_stop(self, message: dict[str, Any]) -> None:
        if self.listener is not None:
            self.listener.stop()

    async def _on_mic_mode(self, message: dict[str, Any]) -> None:
        """A short tap turned out not to be a hold: listen until the person pauses."""
        if self.listener is not None and message.get("mode") in (HOLD, TAP):
            self.listener.mode = message["mode"]

    _HANDLERS = {"start": _on_start, "language": _on_language, "script": _on_script,
                 "text": _on_say, "human": _on_human, "cancel": _on_cancel, "menu": _on_menu,
                 "activity": _on_activity,
                 "mic_start": _on_mic_start, "mic_mode": _on_mic_mode,
                 "mic_stop": _on_mic_stop, "mic_blocked": _on_mic_blocked}

    # --- the person ----------------------------------------------------------------------

    def _begin(self, language: str, script: str) -> None:
        """A new person: a new sender, their choice of language and script kept."""
        self.sender = new_sender()
        self.language, self.script = language, script
        self.pipeline.start(self.sender, language, script, source=self.source)
        self.idle.activity(self.clock())
        log.info("kiosk: a new person (%s)", language)

    async def _switch(self, language: Optional[str] = None, script: Optional[str] = None) -> None:
        """The page's 普通话/廣東話 or 简/繁 buttons: everything on screen is drawn again
        in the new script; after a new language the choices on screen are asked for
        again in it (the bubbles already said stay in the language they were said in)."""
        new_language = language is not None and language != self.language
        if self.sender is not None and not new_language and script in (None, self.script):
            return   # the button of what is already chosen
        self.language = language or self.language
        self.script = script or self.script
        await self.send_ui("ui")
        if self.sender is None:
            return
        result = self.pipeline.switch(self.sender, language, script)   # the choice sticks
        key = "kiosk_switched_" + self.language if new_language else "kiosk_switched_script"
        told = [{"text": self._text(key)}]
        choices = self.screen.choices
        if new_language:
            self.screen.drop_choices()
        await self.socket.send({"type": "log", "lang": self._lang(),
                                "items": self.screen.redrawn(self.script, self.settings)})
        if not new_language:
            self.speaker.say(told[0]["text"], self.language, result.slow)
        elif choices == "bot" and self.handoff is None:
            self._spawn(self._turn("", None, lead=told, repeat=True))
        else:
            await self._show_menu(choices or "services", lead=told)

    async def end_person(self) -> None:
        """Clear everything of the person at the kiosk (idle reset, page closed): a place
        in the queue is given up, staff talking with them are told they left."""
        sender, self.sender = self.sender, None
        if self.listener is not None:
            self.listener.cancel()
            self.listener = None
        self.speaker.stop()
        self.handoff = None
        self.noted = False
        self.screen.clear()
        self.shown_up_to = 0
        self.language = self.settings.kiosk_default_language
        self.script = self.settings.kiosk_default_script
        if sender is not None:
            try:
                await self.pipeline.end(sender, "kiosk_left")
            except Exception:   # the person is gone either way; staff see the case
                log.exception("kiosk: ending the person's conversation failed")

    async def close(self) -> None:
        """The page went away (run detached from the websocket's handler, which aiohttp
        may cancel as the connection drops)."""
        for task in list(self._tasks):
            task.cancel()
        await self.end_person()

    # --- turns ---------------------------------------------------------------------------

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

    async def _turn(self, text: str, shown: Optional[str],
                    lead: Sequence[Mapping[str, Any]] = (), repeat: bool = False) -> None:
        """One turn; `shown` is the person's bubble. `repeat`: the question on screen
        again, asked by the kiosk itself after a switch of language (Pipeline.repeat)."""
        if self.sender is None:
            self._begin(self.language, self.script)
        sender = self.sender
        if not repeat:
            try:
                self.guard.turn(sender, self.busy)
            except Limited:
                await self._say_only("too_many_requests")
                return
        self.busy += 1
        try:
            async with self._turns:
                if sender != self.sender:
                    return   # the kiosk was cleared meanwhile
                if shown is not None:
                    await self._user(shown)
                if repeat:
                    result = await self.pipeline.repeat(sender, channel="kiosk")
                else:
                    result = await self.pipeline.chat(sender, text, channel="kiosk",
                                                      source=self.source)
                if sender == self.sender:
                    result.messages[:0] = lead
                    await self._answer(result)
        finally:
            self.busy -= 1
            self.idle.activity(self.clock())

    async def _menu(self, name: str, shown: Optional[str]) -> None:
        if self.sender is None:
            self._begin(self.language, self.script)
        async with self._turns:
            if shown:
                await self._user(shown)
            await self._show_menu(name)
        self.idle.activity(self.clock())

    async def _show_menu(self, name: str, lead: Sequence[Mapping[str, Any]] = ()) -> None:
        messages = list(lead) + (ui.menu(name, self.services, self.language, self.script,
                                         self.settings) or [])
        await self._show("reply", messages, menu=name)
        self.speaker.say(spoken(messages, self.language, SCREEN), self.language, self._slow())

    async def _user(self, shown: str) -> None:
        """The person's own bubble: what they typed, said or tapped."""
        self.screen.add("user", self.language, [{"text": shown}])
        await self.socket.send({"type": "user", "text": shown, "lang": self._lang()})

    async def _leave_queue(self, shown: str) -> None:
        sender = self.sender
        if sender is None:
            return
        async with self._turns:
            await self._user(shown)
            result = await self.pipeline.leave_queue(sender)
            if result is None:   # no longer waiting: treat the words as a turn
                result = await self.pipeline.chat(sender, CANCEL_PAYLOADS[0], channel="kiosk")
            if sender == self.sender:
                await self._answer(result)

    async def _answer(self, result: TurnResult) -> None:
        if (result.language, result.script) != (self.language, self.script):
            self.language, self.script = result.language, result.script
            await self.send_ui("ui")   # 「講廣東話」 said aloud
        live = bool(result.handoff and result.handoff.get("state") in LIVE)
        messages = await self._show("reply", result.messages, way_forward=not live)
        self.speaker.say(spoken(messages, result.language, SCREEN), result.language,
                         result.slow)
        await self.set_handoff(result.handoff)

    async def _say_only(self, key: str, **fields: Any) -> None:
        """A kiosk sentence of its own (not a turn of the conversation)."""
        messages = await self._show("reply", [{"text": self._text(key, **fields)}],
                                    keep_buttons=True, way_forward=self.screen.choices is None)
        self.speaker.say(spoken(messages, self.language, SCREEN), self.language, self._slow())

    async def _show(self, kind: str, messages: Sequence[Mapping[str, Any]],
                    keep_buttons: bool = False, menu: Optional[str] = None,
                    way_forward: bool = False) -> list[dict[str, Any]]:
        """Show messages as the page draws them (kiosk/ui.py `for_the_page`); with
        `way_forward`, an answer that leaves nothing to tap gets the common services."""
        shown = ui.for_the_page(messages, self.language, self.script, self.settings,
                                self._voice(), self.services)
        if way_forward and not any(m.get("buttons") or m.get("keypad") for m in shown):
            menu = "services"
            shown += ui.menu(menu, self.services, self.language, self.script,
                             self.settings) or []
        if not keep_buttons and any(m.get("buttons") or m.get("keypad") for m in shown):
            self.screen.drop_choices()
        self.screen.add("staff" if kind == "staff" else "bot", self.language, shown, menu)
        body: dict[str, Any] = {"type": kind, "messages": shown, "lang": self._lang()}
        if keep_buttons:
            body["keep_buttons"] = True
        await self.socket.send(body)
        return shown

    # --- listening -----------------------------------------------------------------------

    async def _heard_partial(self, words: str) -> None:
        if words:
            await self.socket.send({"type": "partial", "text": self._own_script(words)})

    async def _heard(self, heard: Heard) -> None:
        await self._listening_over()
        if not heard.words:
            await self._say_only("kiosk_not_heard")
            return
        lead = []
        if heard.note and not self.noted:   # Cantonese heard by the Mandarin model: say so once
            self.noted = True
            lead.append({"text": self._text("voice_heard_with_cmn")})
        words = self._own_script(heard.words)
        self._spawn(self._turn(words, words, lead))

    async def _not_heard(self, error: str) -> None:
        await self._listening_over()
        await self._say_only("kiosk_no_voice")

    async def _listening_over(self) -> None:
        self.listener = None
        self.idle.activity(self.clock())
        await self.socket.send({"type": "listening", "on": False})

    def _own_script(self, words: str) -> str:
        """The recogniser writes Simplified; the person reads their own script."""
        return ui.convert(to_simplified(words), self.language, self.script, self.settings)

    # --- staff ---------------------------------------------------------------------------

    async def set_handoff(self, handoff: Optional[Mapping[str, Any]]) -> None:
        live = dict(handoff) if handoff and handoff.get("state") in LIVE else None
        if live != self.handoff:
            self.handoff = live
            waiting = bool(live and live.get("state") == "waiting")
            await self.socket.send({
                "type": "handoff", "handoff": live, "lang": self._lang(),
                "text": ui.handoff_line(live, self.language, self.script, self.settings,
                                        self.staff_online()),
                "cancel": self._text("handoff_button_cancel") if waiting else None})

    async def staff_said(self, messages: Sequence[Outgoing],
                         handoff: Optional[Mapping[str, Any]] = None) -> None:
        """Staff replies and notices, shown and read aloud as they come (pushed). A
        message is shown once, whatever is delivered again; after staff hand the person
        back (no live case), the common services are offered to tap."""
        fresh = [m for m in messages if m.id > self.shown_up_to]
        if not fresh:
            return
        self.shown_up_to = fresh[-1].id
        live = bool(handoff and handoff.get("state") in LIVE)
        shown = await self._show("staff", [{"text": m.text, "from": m.author} for m in fresh],
                                 way_forward=not live)
        self.idle.activity(self.clock())   # someone is talking to the person
        self.speaker.say(spoken(shown, self.language, SCREEN), self.language, self._slow())

    # --- idle reset ----------------------------------------------------------------------

    async def watch_idle(self) -> None:
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
        self.idle = self._new_idle()
        await self.socket.send({"type": "reset"})
        await self.send_ui("hello")

    async def _ask_still_there(self) -> None:
        text = self._text("kiosk_still_there")
        await self.socket.send({"type": "still_there", "on": True, "text": text,
                                "button": self._text("kiosk_still_here"), "lang": self._lang()})
        self.speaker.say(text, self.language, slow=False)

    # --- helpers -------------------------------------------------------------------------

    def _slow(self) -> bool:
        return self.sender is not None and self.pipeline.is_slow(self.sender)

    def _text(self, key: str, **fields: Any) -> str:
        return ui.text(key, self.language, self.script, self.settings, **fields)

    def _lang(self) -> str:
        return ui.lang_tag(self.language, self.script)

    def _voice(self) -> bool:
        return self.asr.available(self.language) and not self.mic_blocked

    async def send_ui(self, kind: str) -> None:
        await self.socket.send({"type": kind, "language": self.language, "script": self.script,
                                "lang": self._lang(), "started": self.sender is not None,
                                "voice": self._voice(),
                                "labels": ui.labels(self.language, self.script, self.settings),
                                "services": ui.service_buttons(self.services, self.language,
                                                               self.script, self.settings)})


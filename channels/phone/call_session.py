"""One hotline call, from the greeting to the hang-up: the call's state machine.

    GREETING ──1/2 or speech──> TALKING ──a person (0, 「转人工」, an emergency)──┐
        transfer target, queue short: TRANSFERRING ──REFER ok──> (the agents have the call)
                                            └──refused──> CALLBACK
        no target, off hours, queue long: CALLBACK ──1, or a number said or keyed + #──> ENDING
        an emergency: QUEUED (told to hang up and call 120; staff ring back)
    the silence clock: ask once, offer a person, then ENDING (goodbye, BYE)

Everything the caller does (a key, words heard), staff messages, the silence clock
and the end of the call's time arrive as events and are handled one at a time, in
order. Barge-in does not wait its turn: a key or the start of speech stops what is
being said at the next packet. Turns go through the pipeline like every channel's
(`channel="phone"`); the call never touches sessions or the queue itself, except
through the desk's channel-neutral methods (the caller's number to ring back, a
transfer's outcome). Nothing of the call is written to disk; `log` keeps what was
said in memory for as long as the call lasts.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from bot.catalog import Service
from bot.settings import Settings
from bot.texts import say, staff_text
from channels.gateway.contract import HandOver, Message, Outgoing
from channels.gateway.handoff.callback import find_phone, normalize_phone
from channels.gateway.handoff.desk import HandoffDesk
from channels.gateway.listening import CALL, Heard, Listener
from channels.gateway.pipeline import Pipeline, TurnResult
from channels.gateway.speaking import Speaker
from voice.asr import AsrEngine
from voice.tts import TtsEngine

from . import words
from .audio_out import RATE, CallAudio
from .call import Call
from .gate import SpeechGate

log = logging.getLogger("kaifong.phone")

GREETING, TALKING, QUEUED, TRANSFERRING, CALLBACK, ENDING = (
    "greeting", "talking", "queued", "transferring", "callback", "ending")
LIVE_CASE = ("waiting", "with_staff")
LANGUAGE_KEYS = {"1": "yue", "2": "cmn"}
CONFIRM_KEY = "1"
DIGIT_PAUSE = 2.5            # seconds after the last key: a number keyed without # is complete
CONFIRM_PAUSE = 1.5          # a lone 1 in the callback offer: yes (a new number goes on)
WATCH_EVERY = 0.1            # seconds between looks at the clocks
AFTER_WORDS = 0.3            # the far end's jitter buffer: let the last syllable out
HUNG_UP_REASONS = ("caller_hung_up", "rtp_timeout", "no_ack")


@dataclass(frozen=True)
class Hotline:
    """What every call needs from the gateway."""
    settings: Settings
    pipeline: Pipeline
    desk: HandoffDesk
    tts: TtsEngine
    asr: AsrEngine
    services: Mapping[str, Service]
    console_url: str = ""    # where staff open a case: /console/cases/<id> is added


def new_sender() -> str:
    """A new id per call: never the caller's number."""
    return "phone-" + secrets.token_hex(8)


class CallSession:
    def __init__(self, call: Call, hotline: Hotline,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.call, self.hotline, self.clock = call, hotline, clock
        self.settings, self.pipeline = hotline.settings, hotline.pipeline
        self.sender = new_sender()
        self.caller_phone = normalize_phone(call.caller) if call.caller else None
        self.state = GREETING
        self.language: Optional[str] = None     # None until the caller chose or spoke
        self.voice = hotline.asr.available(self.settings.default_language)
        self.audio = CallAudio(call)
        self.speaker = Speaker(hotline.tts, RATE, self.audio, clock)
        self.listener: Optional[Listener] = None
        self.gate: Optional[SpeechGate] = None
        self.log: list[tuple[str, str]] = []    # (who, what): caller, key, kaifong, staff
        self.options: dict[str, str] = {}       # key -> the turn's text
        self.last_said: list[words.Part] = []   # what * repeats
        self.digits = ""                        # a number being keyed
        self.last_key_at = 0.0
        self.silences = 0
        self.quiet_since = clock()
        self.busy = False                       # a turn is being answered
        self.noted = False                      # told that Mandarin listens for Cantonese
        self.told_time_up = False
        self.next_step: Optional[str] = None    # what hand_over decided for this turn
        self.case_id: Optional[int] = None
        self._events: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._speech: Optional[asyncio.Task[None]] = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._finished = asyncio.Event()
        self._finishing = False

    @property
    def live(self) -> bool:
        return not self.call.ended.is_set() and self.state != ENDING

    # --- the call's life ----------------------------------------------------------------

    async def run(self) -> None:
        log.info("phone: call %s is %s", self.call.call_id, self.sender)
        # the caller's cases count against their number (gateway/clients.py), not the call
        self.pipeline.start(self.sender, source=self.hotline.desk.source_of(
            "phone", self.caller_phone) if self.caller_phone else None)
        self._listen(self.settings.default_language)
        for job in (self._read_keys(), self._read_audio(), self._watch_clocks()):
            self._spawn(job)
        self._say(words.greeting(self.voice))
        ended = asyncio.ensure_future(self.call.ended.wait())
        try:
            while not self.call.ended.is_set():
                getting = asyncio.ensure_future(self._events.get())
                await asyncio.wait({getting, ended}, return_when=asyncio.FIRST_COMPLETED)
                if not getting.done():
                    getting.cancel()
                    break
                await self._handle(getting.result())
        finally:
            ended.cancel()
            await self.finish()

    async def finish(self) -> None:
        """The call is over (either side): the session ends, a waiting case stays a
        callback task when the caller's number is known (set when the case opened)."""
        if self._finishing:
            await self._finished.wait()
            return
        self._finishing = True
        try:
            for task in list(self._tasks) + ([self._speech] if self._speech else []):
                task.cancel()
            if self.listener is not None:
                self.listener.cancel()
            self.speaker.stop()
            note = ("phone_note_hung_up" if self.call.end_reason in HUNG_UP_REASONS
                    else "phone_note_call_ended")
            try:
                await self.pipeline.end(self.sender, note)
            except Exception:   # the caller is gone either way; staff see the case
                log.exception("phone: ending the conversation of %s failed", self.sender)
        finally:
            self._finished.set()

    async def shut_down(self) -> None:
        """The gateway stops: BYE, then the same end as a hang-up."""
        await self.call.hangup()
        await self.finish()

    # --- events ------------------------------------------------------------------------

    async def _handle(self, event: tuple[Any, ...]) -> None:
        kind = event[0]
        if self.state == ENDING:
            return
        try:
            if kind == "key":
                await self._key(event[1])
            elif kind == "heard":
                await self._heard(event[1])
            elif kind == "staff":
                self._staff(event[1], event[2])
            elif kind == "silence":
                await self._silence()
            elif kind == "digits":
                await self._digits_done()
            elif kind == "time_up":
                await self._goodbye("phone_goodbye_time_up")
            elif kind == "no_voice":
                self._say(words.both("phone_no_voice", self.language))
        except asyncio.CancelledError:
            raise
        except Exception:   # never a dead line: say so plainly and go on
            log.exception("phone: handling %s failed on %s", kind, self.sender)
            self._say(words.both("unavailable", self.language), hotline=self.settings.hotline)

    async def _read_keys(self) -> None:
        while True:
            key = await self.call.keys.get()
            self.log.append(("key", key))
            self.quiet_since = self.clock()
            if self.state in (GREETING, TALKING, QUEUED, CALLBACK):
                self._stop_speaking()   # barge-in: the next packet is silence
            self._events.put_nowait(("key", key))

    async def _read_audio(self) -> None:
        async for frame in self.call.frames():
            if self.gate is not None:
                self.gate.push(frame)

    async def _watch_clocks(self) -> None:
        while True:
            await asyncio.sleep(WATCH_EVERY)
            now = self.clock()
            if self.call.time_up.is_set() and not self.told_time_up:
                self.told_time_up = True
                self._events.put_nowait(("time_up",))
            if self.digits and now - self.last_key_at >= self._digit_pause():
                self.last_key_at = float("inf")   # once
                self._events.put_nowait(("digits",))
            if self._quiet_for(now) >= self.settings.phone_silence_seconds:
                self.quiet_since = now
                self._events.put_nowait(("silence",))

    def _quiet_for(self, now: float) -> float:
        """How long the caller has had nothing to answer and said nothing; 0 while
        Kaifong talks, a turn is answered, the caller keys a number or waits for staff."""
        if self.state not in (GREETING, TALKING, CALLBACK) or self.busy or self.digits:
            return 0.0
        if self._speaking() or self.speaker.talking:
            return 0.0
        return now - max(self.quiet_since, self.speaker.until)

    # --- keys --------------------------------------------------------------------------

    async def _key(self, key: str) -> None:
        self.silences = 0
        if self.state == TRANSFERRING:
            return
        if self.state == CALLBACK:
            await self._callback_key(key)
        elif self.state == GREETING and key != "0":
            await self._greeting_key(key)
        elif key == "*":
            self._repeat()
        elif key == "#":
            await self._digits_done() if self.digits else self._slower()
        elif self.digits or (key != "0" and key not in self.options):
            # a number keyed (an age for 「满60岁了吗？」, a phone number), not an option:
            # until # or a pause
            self.digits += key
            self.last_key_at = self.clock()
        else:
            await self._turn(self.options.get(key, key))

    async def _greeting_key(self, key: str) -> None:
        if key in LANGUAGE_KEYS:
            await self._choose_language(LANGUAGE_KEYS[key])
        elif key == "#":
            self._slower()
        else:
            self._say(words.greeting(self.voice))

    async def _choose_language(self, language: str) -> None:
        result = self.pipeline.switch(self.sender, language)
        self.state = TALKING
        self._set_language(result.language)
        menu = words.service_menu(self.hotline.services,
                                  self.settings.phone_list("phone_services"), result.language)
        self._answer(result.messages + [menu])

    async def _digits_done(self) -> None:
        digits, self.digits = self.digits, ""
        if not digits:
            return
        if self.state == CALLBACK:
            await self._callback_digits(digits)
        else:
            await self._turn(digits)

    def _digit_pause(self) -> float:
        lone_yes = self.state == CALLBACK and self.digits == CONFIRM_KEY and self.caller_phone
        return CONFIRM_PAUSE if lone_yes else DIGIT_PAUSE

    def _repeat(self) -> None:
        """* : the last answer again, word for word (no turn: nothing new was asked)."""
        self.log.append(("kaifong", "(repeat)"))
        self._say(self.last_said, remember=False)

    def _slower(self) -> None:
        """# : slower speech for the rest of the call, and the last answer again."""
        self.pipeline.set_slow(self.sender)
        self._repeat()

    # --- what the caller says ---------------------------------------------------------

    def heard(self, heard: Heard) -> None:
        self._events.put_nowait(("heard", heard))

    async def _heard(self, heard: Heard) -> None:
        if not heard.words or self.state == TRANSFERRING:
            return
        self.silences = 0
        lead: list[Message] = []
        if heard.note and not self.noted:   # Cantonese heard by the Mandarin model: once
            self.noted = True
            lead = [{"text": say("voice_heard_with_cmn", self.language or "yue")}]
        if self.state == CALLBACK:
            await self._callback_words(heard.words)
        else:
            await self._turn(heard.words, lead)

    # --- turns -----------------------------------------------------------------------------

    async def _turn(self, text: str, lead: Sequence[Message] = ()) -> TurnResult:
        self.log.append(("caller", text))
        self.busy, self.next_step = True, None
        try:
            result = await self.pipeline.chat(self.sender, text, channel="phone")
        finally:
            self.busy = False
            self.quiet_since = self.clock()
        self._set_language(result.language)
        step, self.next_step = self.next_step, None
        messages = list(lead) + result.messages
        if step == TRANSFERRING:
            self.state = TRANSFERRING
            self._answer(messages, menu=False)
            await self._transfer()
        elif step is not None:
            self.state = step
            self._answer(messages, menu=False)
        else:
            live = bool(result.handoff and result.handoff.get("state") in LIVE_CASE)
            if self.state in (GREETING, TALKING, QUEUED) or (
                    self.state == CALLBACK and result.handoff is None):  # left the queue
                self.state = QUEUED if live else TALKING
            if self.state == TALKING and result.leaves_no_choice:
                messages.append(self._service_menu())   # never only "say it" on a phone
            self._answer(messages)
        return result

    def _service_menu(self) -> Message:
        """The services by key, as after the greeting."""
        return words.service_menu(self.hotline.services, self.settings.phone_list("phone_services"),
                                  self.language or self.settings.default_language)

    def _answer(self, messages: Sequence[Message], menu: bool = True) -> None:
        language = self.language or self.settings.default_language
        self.options = words.options(messages) if menu else {}
        self._say([(words.answer(messages, language), language)])

    # --- a person ---------------------------------------------------------------------------

    async def hand_over(self, case: HandOver) -> Optional[list[Message]]:
        """The desk opened a case (or, off hours, offered a callback) during our turn:
        what the caller hears instead of the queue's words, and what happens next."""
        language = case.language
        self.case_id = case.case_id
        if case.case_id is not None and self.caller_phone:
            await self.hotline.desk.set_callback(self.sender, self.caller_phone)
        if case.reason == "emergency":
            self.next_step = QUEUED
            return [{"text": say("phone_emergency", language)}]
        offer = words.callback_offer(language, self.caller_phone)
        if case.state == "off_hours":
            self.next_step = CALLBACK
            hours = self.hotline.desk.hours.describe(language)
            return [{"text": say("handoff_off_hours", language)
                     + say("handoff_hours", language, hours=hours)}, {"text": offer}]
        crowded = (case.position or 1) > self.settings.phone_callback_queue_length
        if self.settings.phone_transfer_uri and not crowded:
            self.next_step = TRANSFERRING
            return [{"text": say("phone_transferring", language)}]
        self.next_step = CALLBACK
        lead = say("phone_queue_long", language) if crowded else ""
        return [{"text": lead + offer}]

    async def _transfer(self) -> None:
        """Blind transfer once the caller has heard 「正在为您转接…」; the case goes with it."""
        await self._words_heard()
        headers = {"X-Kaifong-Case": str(self.case_id)}
        if self.hotline.console_url:
            headers["X-Kaifong-Case-Url"] = f"{self.hotline.console_url}/console/cases/{self.case_id}"
        ok = await self.call.transfer(self.settings.phone_transfer_uri, headers)
        if self.call.ended.is_set() and not ok:
            return   # the caller hung up meanwhile: the case stays for a callback
        note = staff_text("phone_note_transferred" if ok else "phone_note_transfer_failed")
        await self.hotline.desk.record_transfer(self.sender, ok, note)
        if ok:
            log.info("phone: %s transferred with case %s", self.sender, self.case_id)
            return
        language = self.language or self.settings.default_language
        self.state = CALLBACK
        self._say([(say("phone_transfer_failed", language)
                    + words.callback_offer(language, self.caller_phone), language)])

    # --- a number to ring back ----------------------------------------------------------------

    async def _callback_key(self, key: str) -> None:
        if key == "#":
            if self.digits:
                await self._digits_done()
            else:
                self._repeat()
        elif key == "*":
            self._repeat()
        elif key == "0" and not self.digits:
            await self._wait_on_line()
        else:
            self.digits += key
            self.last_key_at = self.clock()

    async def _callback_digits(self, digits: str) -> None:
        if digits == CONFIRM_KEY and self.caller_phone:
            await self._callback_number(self.caller_phone)
        else:
            await self._callback_number(digits)

    async def _callback_words(self, said: str) -> None:
        phone, _ = find_phone(said)
        if phone is not None:
            await self._callback_number(phone, said)
            return
        await self._turn(said)   # the queue's own words: 「取消」, a question… (left it: talking)
        if self.state == CALLBACK:
            self._say(self.last_said + self._offer())

    async def _callback_number(self, number: str, said: Optional[str] = None) -> None:
        """The number to ring goes to the desk as the caller's turn (a callback task off
        hours; the waiting case's number in hours), then goodbye."""
        language = self.language or self.settings.default_language
        phone = normalize_phone(number)
        if phone is None:
            self._say([(say("handoff_phone_invalid", language)
                        + say("phone_callback_change", language), language)])
            return
        self.log.append(("caller", said or phone))
        result = await self.pipeline.chat(self.sender, said or phone, channel="phone")
        state = (result.handoff or {}).get("state")
        if state in ("callback", "waiting", "with_staff"):
            self.caller_phone = phone
            await self._goodbye("phone_callback_saved")
        else:
            self._answer(result.messages, menu=False)

    async def _wait_on_line(self) -> None:
        """0 during the callback offer: the caller would rather wait for a person."""
        language = self.language or self.settings.default_language
        handoff = await self.hotline.desk.state_of(self.sender)
        if handoff is None:   # off hours: nobody to wait for
            self._say(self._offer())
            return
        self.state = QUEUED
        place = say("handoff_waiting", language) % {"position": handoff.get("position") or 1}
        self._say([(say("phone_wait_on_line", language) + place, language)])

    def _offer(self) -> list[words.Part]:
        language = self.language or self.settings.default_language
        return [(words.callback_offer(language, self.caller_phone), language)]

    # --- staff ---------------------------------------------------------------------------------

    def staff_said(self, messages: Sequence[Outgoing], handoff: Optional[Mapping[str, Any]]) -> None:
        self._events.put_nowait(("staff", list(messages), dict(handoff) if handoff else None))

    def _staff(self, messages: list[Outgoing], handoff: Optional[dict[str, Any]]) -> None:
        live = bool(handoff and handoff.get("state") in LIVE_CASE)
        back = self.state == QUEUED and not live          # staff handed the caller back
        if self.state in (TALKING, QUEUED, CALLBACK, GREETING):
            self.state = QUEUED if live else TALKING
        if messages:
            language = self.language or self.settings.default_language
            for message in messages:
                self.log.append(("staff", message.text))
            said: list[Message] = [{"text": "\n".join(m.text for m in messages)}]
            if back:   # 「还有什么事？」: with the services by key again
                said.append(self._service_menu())
            self.options = words.options(said)
            self._say([(words.answer(said, language), language)], who="staff")

    # --- silence and goodbye ----------------------------------------------------------------------

    async def _silence(self) -> None:
        self.silences += 1
        if self.silences >= 3:
            await self._goodbye("phone_goodbye_silence")
        elif self.state == CALLBACK:
            self._say(self._offer())
        elif self.silences == 1:
            self._say(words.both("phone_still_there", self.language))
        else:
            self._say(words.both("phone_offer_person", self.language))

    async def _goodbye(self, key: str) -> None:
        self.state = ENDING
        self._stop_speaking()
        self._say(words.both(key, self.language))
        await self._words_heard()
        await self.call.hangup()

    # --- speaking ----------------------------------------------------------------------------------

    def _say(self, parts: Sequence[words.Part], remember: bool = True, who: str = "kaifong",
             **fields: Any) -> None:
        """Say `parts` one after the other, cutting whatever is being said."""
        if fields:
            parts = [(text.format(**fields), language) for text, language in parts]
        parts = [(text, language) for text, language in parts if text.strip()]
        self._stop_speaking()
        if remember:
            self.last_said = list(parts)
            if who == "kaifong":
                self.log.extend((who, text) for text, _ in parts)
        self._speech = asyncio.get_running_loop().create_task(self._say_parts(parts))

    async def _say_parts(self, parts: Sequence[words.Part]) -> None:
        slow = self.pipeline.is_slow(self.sender)
        for text, language in parts:
            carried = self.speaker.until
            self.speaker.say(text, language, slow)
            # a new say() forgets what is still playing; the part before is still heard
            self.speaker.until = max(self.speaker.until, carried)
            await self.speaker.said()

    def _stop_speaking(self) -> None:
        if self._speech is not None and not self._speech.done():
            self._speech.cancel()
        self._speech = None
        self.speaker.stop()
        self.audio.cut()

    def _speaking(self) -> bool:
        return self._speech is not None and not self._speech.done()

    async def _words_heard(self) -> None:
        """Until the caller has heard everything said so far."""
        if self._speech is not None:
            await asyncio.wait({self._speech})
        while self.clock() < self.speaker.until + AFTER_WORDS and not self.call.ended.is_set():
            await asyncio.sleep(min(WATCH_EVERY, self.speaker.until + AFTER_WORDS - self.clock()))

    # --- listening -----------------------------------------------------------------------------------

    def _set_language(self, language: str) -> None:
        self.language = language
        if self.listener is not None and self.listener.language != language:
            self._listen(language)   # between utterances: a key or a turn changed it

    def _listen(self, language: str) -> None:
        if self.listener is not None:
            self.listener.cancel()
        self.listener, self.gate = None, None
        if not self.hotline.asr.available(language):
            return
        listener = Listener(self.hotline.asr, language, RATE, CALL,
                            self.settings.asr_max_seconds, self._partial, self._heard_event,
                            self._failed, on_speech=self._speech_started)
        listener.start()
        self.listener = listener
        self.gate = SpeechGate(listener.feed, self.settings.phone_end_silence_seconds)

    def _speech_started(self) -> None:
        self.quiet_since = self.clock()
        if self.state in (GREETING, TALKING, QUEUED, CALLBACK):
            self._stop_speaking()   # barge-in

    async def _partial(self, text: str) -> None:
        self.quiet_since = self.clock()

    async def _heard_event(self, heard: Heard) -> None:
        self.quiet_since = self.clock()
        self.heard(heard)

    async def _failed(self, error: str) -> None:
        log.warning("phone: listening failed on %s (%s); keys still work", self.sender, error)
        self.gate = None
        self._events.put_nowait(("no_voice",))

    # --- tasks -------------------------------------------------------------------------------------------

    def _spawn(self, job: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._guard(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, job: Coroutine[Any, Any, Any]) -> None:
        try:
            await job
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("phone: a task of %s failed", self.sender)

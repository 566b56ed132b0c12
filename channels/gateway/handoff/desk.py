"""The handoff desk: where a conversation waits for a person, and where staff
take it, answer it, and give it back to the bot.

Routing is done in the gateway (not by pausing Rasa): while a person has a live
case (`waiting` or `with_staff`), `Pipeline.chat` gives every message to
`HandoffDesk.route` and Rasa never sees it. The bot's dialogue state is
untouched, so after the hand-back the conversation simply carries on.

Staff replies and notices go to a persistent outbox first (nothing is lost);
a channel that can push gets them at once through its `deliver`
(channels/gateway/contract.py), the others collect them with
`GET /api/chat/{sender}/messages` (long-poll), see `poll`.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from bot.catalog import Service
from bot.controls import control_intent
from bot.language import LanguageState, Utterance, as_utterance, to_script, to_simplified
from bot.privacy import mask
from bot.settings import Settings
from bot.texts import say, staff_text
from channels.gateway.contract import Channels, HandOver, Outgoing
from channels.gateway.db import Database
from channels.gateway.handoff import notices, store
from channels.gateway.handoff.answers import rule_answers
from channels.gateway.handoff.hours import StaffHours
from channels.gateway.handoff.callback import find_phone
from channels.gateway.handoff.recent import RecentTurns
from channels.gateway.handoff.store import Case
from channels.gateway.handoff.words import about_a_phone, is_cancel, wants_callback

log = logging.getLogger("kaifong.handoff")

REASONS = ("asked", "not_understood", "emergency")
UNREACHABLE = "unreachable"   # the case fact a channel sets when it cannot reach the person
CALLBACK_OFFER_SECONDS = 30 * 60   # outside staff hours, a number given this soon becomes a task


@dataclass
class Routed:
    """The desk's answer to one turn: messages (Simplified) and the handoff state."""
    messages: list[dict[str, Any]]
    handoff: Optional[dict[str, Any]]
    language: str
    script: str
    limited: Optional[float] = None   # no case: its source is over its limit (seconds to wait)


class CaseError(Exception):
    """A staff action that cannot be done; `status` is the HTTP status to answer."""
    status = 409

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class CaseNotFound(CaseError):
    status = 404


class CaseTaken(CaseError):
    status = 409


class NotYourCase(CaseError):
    status = 403


def masked_fact(value: Any) -> Any:
    """A fact as staff may see it: every personal number masked, in one style. (A channel
    whose fact *is* a phone number masks it as one itself: the phone's caller.)"""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {str(k): masked_fact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked_fact(v) for v in value]
    return value


def _handoff_state(state: str, position: Optional[int] = None) -> dict[str, Any]:
    return {"state": state, "position": position}


def plain_source(kind: str, value: str) -> str:
    """A source without the gateway's key (the app replaces it: gateway/clients.py)."""
    return f"{kind}:{hashlib.sha256(value.encode('utf-8')).hexdigest()[:12]}"


class HandoffDesk:
    def __init__(self, db: Database, settings: Settings, hours: StaffHours,
                 services: Mapping[str, Service], channels: Optional[Channels] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.settings = settings
        self.hours = hours
        self.services = services
        self.channels = channels or Channels()
        self.clock = clock
        self.recent = RecentTurns(settings.handoff_recent_turns, settings.max_sessions, clock)
        self.staff_online: Callable[[], bool] = lambda: False   # the console replaces it
        # (kind, value) -> a case's source; the app gives the keyed hash (gateway/clients.py)
        self.source_of: Callable[[str, str], str] = plain_source
        self._listeners: list[Callable[[Optional[int]], None]] = []
        self._pushes: dict[str, asyncio.Task[None]] = {}   # sender -> delivery under way
        self._waiters: dict[str, set[asyncio.Event]] = {}
        # off hours, callback offered: sender -> (when, service, reason)
        self._offers: OrderedDict[str, tuple[float, Optional[str], str]] = OrderedDict()
        self._asked_number: set[str] = set()
        self._closing = False

    # --- the person's side ---------------------------------------------------

    def remember(self, sender: str, text: str, bot_messages: list[dict[str, Any]],
                 shown: Optional[str] = None) -> None:
        """A turn the bot answered, kept (masked) for a case that may follow; `shown`:
        the words of the option a pressed number stood for (staff read 「1 给自己办」)."""
        self.recent.add(sender, text, bot_messages, shown)

    async def route(self, sender: str, text: Utterance | str, state: LanguageState,
                    channel: str, source: Optional[str] = None) -> Optional[Routed]:
        """Take the turn if it belongs to the queue; None lets the bot answer it."""
        said = as_utterance(text)
        case = await self.db.run(store.live_case, sender)
        if case is not None:
            return await self._case_turn(case, said, state)
        if self._offered(sender):
            routed = await self._callback_turn(sender, said, state, channel,
                                               source or self.source_of(channel, sender))
            if routed is not None:
                return routed
        return None   # the bot answers (「0」 too: bot/controls.py makes it a handoff)

    async def start(self, sender: str, signal: Mapping[str, Any], state: LanguageState,
                    channel: str, facts: Optional[Mapping[str, Any]] = None,
                    source: Optional[str] = None) -> Routed:
        """The dialogue asked for a person: queue a case (or, off hours, offer a callback).
        A source over its limit (setting limit_cases_per_source) gets no new case, except
        in an emergency: that case is opened, marked `throttled`, and waits behind the
        others (a flood of fake emergencies never pushes real cases off the staff's screen)."""
        source = source or self.source_of(channel, sender)
        reason = signal.get("reason") if signal.get("reason") in REASONS else "asked"
        service = signal.get("service") if signal.get("service") in self.services else None
        language, script = state.language, state.script
        now = self.clock()
        if not self.hours.is_open(now):
            self._offer_callback(sender, service, reason)
            told = await self._hand_over(sender, channel, HandOver(
                None, "off_hours", reason, reason == "emergency", None, language, script, service))
            return Routed(told or notices.off_hours(language, self.hours),
                          _handoff_state("off_hours"), language, script)
        turns = self.recent.take(sender)
        told = self._facts(service, signal, facts, sender, channel)
        answers = rule_answers(self.services.get(service) if service else None, turns)
        if answers:   # the eligibility questions answered, from the turns kept for the case
            told["answers"] = masked_fact(answers)
        urgent = reason == "emergency"

        def open_case(conn: Any) -> tuple[Optional[Case], float]:
            existing = store.live_case(conn, sender)
            if existing is not None:
                return existing, 0.0
            wait = self._source_wait(conn, source, channel, now)
            if wait and not urgent:
                return None, wait
            return store.open_case(
                conn, sender=sender, channel=channel, language=language, script=script,
                service=service, reason=reason, urgent=urgent, facts=told, turns=turns,
                now=now, source=source, throttled=bool(wait)), 0.0

        case, wait = await self.db.run(open_case)
        if case is None:
            log.info("no case: source %s is over its limit (reason=%s)", source, reason)
            return Routed([{"text": say("handoff_too_many", language,
                                        hotline=self.settings.hotline)}],
                          None, language, script, limited=wait)
        place = await self.db.run(store.position, case.id)
        log.info("case %s queued: reason=%s service=%s channel=%s place=%s%s",
                 case.id, reason, service, channel, place,
                 " (throttled source)" if case.throttled else "")
        self._publish(case.id)
        told = await self._hand_over(sender, channel, HandOver(
            case.id, "waiting", reason, case.urgent, place, language, script, service))
        # a throttled emergency has its advice (120) but no promise to come first
        return Routed(told or notices.waiting(language, place or 1,
                                              case.urgent and not case.throttled,
                                              self.staff_online()),
                      _handoff_state("waiting", place), language, script)

    async def _hand_over(self, sender: str, channel: str, case: HandOver
                         ) -> Optional[list[dict[str, Any]]]:
        """The channel's own part of a handoff (the phone transfers the call). A channel
        that fails must not lose the case: it is queued already, the default words stand."""
        try:
            return await self.channels.get(channel).hand_over(sender, case)
        except Exception:
            log.exception("channel %s failed to hand over case %s", channel, case.case_id)
            return None

    async def _case_turn(self, case: Case, said: Utterance, state: LanguageState) -> Routed:
        language, script = self._language_for(case, said, state)
        masked = mask(said.raw)
        now = self.clock()
        if case.state == "waiting" and is_cancel(said):
            return await self._cancel(case, masked, language, script)
        phone, tried = (None, False)
        if case.state == "waiting" and (about_a_phone(said) or case.sender in self._asked_number):
            phone, tried = find_phone(said.raw)
        control = control_intent(said)
        emergency = control is not None and control[0] == "emergency"

        def record(conn: Any) -> Optional[int]:
            store.add_message(conn, case.id, "user", masked, now)
            store.update_language(conn, case.id, language, script)
            if phone:
                store.set_callback(conn, case.id, phone)
            if emergency:
                store.mark_urgent(conn, case.id)
            return store.position(conn, case.id)

        place = await self.db.run(record)
        self._publish(case.id)
        if emergency:   # safety first, even while a person is on the way: call 120 now
            log.info("case %s marked urgent", case.id)
            messages = [{"text": say("emergency", language)}]
            if case.state == "waiting":
                messages.append({"text": notices.place(language, place or 1, self.staff_online())})
            return Routed(messages, _handoff_state(case.state, place), language, script)
        if case.state == "with_staff":   # staff answer through the outbox
            return Routed([], _handoff_state("with_staff"), language, script)
        lead = ""
        if phone:
            self._asked_number.discard(case.sender)
            lead = notices.callback_saved(language, phone)
        elif wants_callback(said):
            self._asked_number.add(case.sender)
            lead = say("handoff_callback_ask", language)
        elif tried and case.sender in self._asked_number:
            lead = say("handoff_phone_invalid", language)
        return Routed(notices.still_waiting(language, place or 1, self.staff_online(), lead),
                      _handoff_state("waiting", place), language, script)

    async def _cancel(self, case: Case, masked: str, language: str, script: str) -> Routed:
        """The person said 「取消」「唔等喇」 while waiting: back to the bot."""
        if not await self._stop_waiting(case, masked, say("handoff_note_cancelled", "cmn")):
            # claimed a moment ago: the person is with staff now
            fresh = await self.db.run(store.get_case, case.id)
            return await self._case_turn(fresh, as_utterance(masked),
                                         LanguageState(language, script))
        return Routed([{"text": say("handoff_cancelled", language)}], None, language, script)

    async def cancel(self, sender: str, state: LanguageState) -> Optional[Routed]:
        """The 「取消等待」 button: leave the queue as if the person had said so."""
        case = await self.db.run(store.live_case, sender)
        if case is None or case.state != "waiting":
            return None
        language, script = self._language_for(case, as_utterance(""), state)
        return await self._cancel(case, "", language, script)

    async def _stop_waiting(self, case: Case, masked: Optional[str], note: str) -> bool:
        """Leave the queue. A number already left stays a callback task: the person
        asked to be rung. False when staff claimed the case first."""
        target = "callback" if case.callback_phone else "cancelled"
        now = self.clock()

        def cancel(conn: Any) -> bool:
            if not store.move(conn, case.id, ("waiting",), target, now,
                              ended=target == "cancelled"):
                return False
            if target == "callback":
                store.mark_callback(conn, case.id, now)
            if masked:
                store.add_message(conn, case.id, "user", masked, now)
            store.add_message(conn, case.id, "system", note, now)
            return True

        if not await self.db.run(cancel):
            return False
        self._asked_number.discard(case.sender)
        self._publish(case.id)
        log.info("case %s left by the person (%s)", case.id, target)
        return True

    async def leave(self, sender: str, note: str) -> Optional[str]:
        """The person has gone (the kiosk was cleared, the call ended, they unsubscribed):
        a waiting case leaves the queue, staff talking with them read `note` (Simplified,
        as staff read). Returns the state the case was in, or None without a live case."""
        self._offers.pop(sender, None)
        self.recent.take(sender)
        case = await self.db.run(store.live_case, sender)
        if case is None:
            return None
        if case.state == "waiting" and await self._stop_waiting(case, None, note):
            return "waiting"
        await self.db.run(store.add_message, case.id, "system", note, self.clock())
        self._publish(case.id)
        return "with_staff"

    # --- what a channel knows or does about the person's case --------------------------

    async def set_callback(self, sender: str, phone: str) -> Optional[int]:
        """A number to ring the person back on that the channel knows (a caller's own
        number): kept on their live case, so the case stays a callback task if they go.
        Returns the case id, or None without a live case."""
        def keep(conn: Any) -> Optional[int]:
            case = store.live_case(conn, sender)
            if case is None:
                return None
            store.set_callback(conn, case.id, phone)
            return case.id

        case_id = await self.db.run(keep)
        if case_id is not None:
            self._publish(case_id)
        return case_id

    async def record_transfer(self, sender: str, ok: bool, note: str) -> Optional[int]:
        """The channel put the person through to agents outside the console (a phone
        transfer): the live case leaves the queue as `transferred` when `ok`, and its
        transcript carries `note` (Simplified, for staff) either way. Returns the case id."""
        now = self.clock()

        def record(conn: Any) -> Optional[int]:
            case = store.live_case(conn, sender)
            if case is None:
                return None
            if ok:
                store.move(conn, case.id, store.LIVE, "transferred", now)
            store.add_message(conn, case.id, "system", note, now)
            return case.id

        case_id = await self.db.run(record)
        if case_id is not None:
            log.info("case %s: %s", case_id, "transferred by the channel" if ok
                     else "the channel's transfer failed")
            self._asked_number.discard(sender)
            self._publish(case_id)
        return case_id

    # --- a channel that can no longer reach the person ----------------------------

    async def unreachable(self, sender: str, note: str) -> bool:
        """A pushing channel cannot reach the person now (WeChat's 48 hours have passed,
        sending keeps failing): their live case carries `note` (Simplified, for staff)
        in its transcript and as the fact `UNREACHABLE`, which the console shows as a
        warning. Messages stay in the outbox. False when there is no live case."""
        now = self.clock()

        def flag(conn: Any) -> Optional[int]:
            case = store.live_case(conn, sender)
            if case is None:
                return None
            if store.set_fact(conn, case.id, UNREACHABLE, note):
                store.add_message(conn, case.id, "system", note, now)
            return case.id

        case_id = await self.db.run(flag)
        if case_id is None:
            return False
        log.info("case %s: the person cannot be reached on their channel now", case_id)
        self._publish(case_id)
        return True

    async def reachable(self, sender: str, channel: str, note: Optional[str] = None) -> None:
        """The person can be reached again (they wrote): the warning goes (with `note` in
        the transcript) and what waits in the outbox is pushed now."""
        def clear(conn: Any) -> Optional[int]:
            case = store.live_case(conn, sender)
            if case is None or not store.set_fact(conn, case.id, UNREACHABLE, None):
                return None
            if note:
                store.add_message(conn, case.id, "system", note, self.clock())
            return case.id

        case_id = await self.db.run(clear)
        if case_id is not None:
            self._publish(case_id)
        if channel in self.channels:
            self._push(sender, channel)

    async def _callback_turn(self, sender: str, said: Utterance, state: LanguageState,
                             channel: str, source: str) -> Optional[Routed]:
        """Outside staff hours, right after the offer: a number becomes a callback task
        (unless its source is over its limit of cases)."""
        phone, tried = find_phone(said.raw)
        language, script = state.language, state.script
        if phone:
            _, service, reason = self._offers.pop(sender)
            self.recent.add(sender, said.raw)
            facts = self._facts(service, {}, None, sender, channel)
            now = self.clock()

            def open_callback(conn: Any) -> tuple[Optional[Case], float]:
                wait = self._source_wait(conn, source, channel, now)
                if wait:
                    return None, wait
                return store.open_callback(
                    conn, sender=sender, channel=channel, language=language, script=script,
                    service=service, reason=reason, phone=phone, facts=facts,
                    turns=self.recent.take(sender), now=now, source=source), 0.0

            case, wait = await self.db.run(open_callback)
            if case is None:
                log.info("no callback task: source %s is over its limit", source)
                return Routed([{"text": say("handoff_too_many", language,
                                            hotline=self.settings.hotline)}],
                              _handoff_state("off_hours"), language, script, limited=wait)
            log.info("callback task %s created (channel=%s)", case.id, channel)
            self._publish(case.id)
            return Routed([{"text": notices.callback_saved(language, phone)}],
                          _handoff_state("callback"), language, script)
        if wants_callback(said):
            return Routed([{"text": say("handoff_callback_ask", language)}],
                          _handoff_state("off_hours"), language, script)
        if tried:
            return Routed([{"text": say("handoff_phone_invalid", language)}],
                          _handoff_state("off_hours"), language, script)
        return None

    def _source_wait(self, conn: Any, source: str, channel: str, now: float) -> float:
        """0 while `source` is within its limit of cases (or its channel is exempt: the
        centre's own kiosks), else the seconds until it is."""
        count, period = self.settings.rate("limit_cases_per_source")
        if channel in self.settings.case_limit_exempt_channels():
            return 0.0
        if count <= 0 or store.cases_since(conn, source, now - period) < count:
            return 0.0
        oldest_counted = store.nth_newest_case_time(conn, source, count)
        return max(1.0, (oldest_counted or now) + period - now)

    def _offer_callback(self, sender: str, service: Optional[str], reason: str) -> None:
        self._offers[sender] = (self.clock(), service, reason)
        self._offers.move_to_end(sender)
        while len(self._offers) > self.settings.max_sessions:
            self._offers.popitem(last=False)

    def _offered(self, sender: str) -> bool:
        offer = self._offers.get(sender)
        if offer is None:
            return False
        if self.clock() - offer[0] > CALLBACK_OFFER_SECONDS:
            del self._offers[sender]
            return False
        return True

    def _language_for(self, case: Case, said: Utterance, state: LanguageState
                      ) -> tuple[str, str]:
        """The session's language if this turn (or an explicit choice) told it, else the
        case's: after a gateway restart the session is new but the case remembers."""
        told_language = state.language_locked or said.language is not None
        told_script = state.script_locked or said.script is not None
        return (state.language if told_language else case.language,
                state.script if told_script else case.script)

    def _facts(self, service: Optional[str], signal: Mapping[str, Any],
               extra: Optional[Mapping[str, Any]], sender: str, channel: str) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        if service:
            facts["service_name"] = self.services[service].text("name", "cmn")
        try:
            told = dict(self.channels.get(channel).facts(sender))
        except Exception:   # the case matters more than a fact about it
            log.exception("channel %s failed to give its facts", channel)
            told = {}
        for source in (told, extra or {}, signal.get("facts") or {}):
            if isinstance(source, Mapping):
                for key, value in source.items():
                    facts[str(key)] = masked_fact(value)
        return facts

    async def state_of(self, sender: str) -> Optional[dict[str, Any]]:
        """{"state": "waiting", "position": N} / {"state": "with_staff", ...} / None."""
        def read(conn: Any) -> Optional[dict[str, Any]]:
            case = store.live_case(conn, sender)
            if case is None:
                return None
            return _handoff_state(case.state, store.position(conn, case.id))
        return await self.db.run(read)

    async def poll(self, sender: str, after: Optional[int], timeout: float) -> dict[str, Any]:
        """Messages from staff for `sender`; waits up to `timeout` s for the first one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        event = asyncio.Event()
        self._waiters.setdefault(sender, set()).add(event)
        try:
            while True:
                event.clear()   # before reading: a message stored after this wakes us
                rows = await self.db.run(store.fetch_outbox, sender, after, self.clock())
                remaining = deadline - loop.time()
                if rows or remaining <= 0 or self._closing:
                    break
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
        finally:
            waiters = self._waiters.get(sender, set())
            waiters.discard(event)
            if not waiters:
                self._waiters.pop(sender, None)
        messages = [{"id": r["id"], "from": r["author"], "text": r["text"]} for r in rows]
        last_id = messages[-1]["id"] if messages else after
        return {"messages": messages, "last_id": last_id, "handoff": await self.state_of(sender)}

    # --- the staff's side ----------------------------------------------------

    async def case(self, case_id: int) -> tuple[Case, Optional[int], list[dict[str, Any]]]:
        def read(conn: Any) -> tuple[Optional[Case], Optional[int], list[dict[str, Any]]]:
            return store.get_case(conn, case_id), store.position(conn, case_id), \
                store.transcript(conn, case_id)
        case, place, transcript = await self.db.run(read)
        if case is None:
            raise CaseNotFound(staff_text("console_no_case"))
        return case, place, transcript

    async def claim(self, case_id: int, staff: str) -> Case:
        def take(conn: Any) -> tuple[bool, Optional[Case]]:
            won = store.claim(conn, case_id, staff, self.clock())
            if won:
                note = staff_text("console_note_claimed", staff=staff)
                store.add_message(conn, case_id, "system", note, self.clock(), staff)
            return won, store.get_case(conn, case_id)
        won, case = await self.db.run(take)
        if case is None:
            raise CaseNotFound(staff_text("console_no_case"))
        if not won:
            if case.staff:
                raise CaseTaken(staff_text("console_case_taken", staff=case.staff),
                                staff=case.staff)
            raise CaseTaken(staff_text("console_case_ended"), staff=None)
        log.info("case %s claimed by %s", case_id, staff)
        if case.state == "with_staff":
            await self._tell(case, "assistant", say("handoff_joined", case.language))
        self._publish(case_id)
        return case

    async def claim_next(self, staff: str) -> Optional[Case]:
        """「下一位」: the case staff should take now (people waiting before numbers to ring
        back; emergencies first, then the longest wait), claimed for `staff`. Another member
        of staff taking one a moment earlier only moves us on to the next. None: nobody."""
        for case_id in await self.db.run(store.next_claimable):
            try:
                return await self.claim(case_id, staff)
            except CaseError:
                continue
        return None

    async def transfer(self, case_id: int, staff: str, to: str, admin: bool = False) -> Case:
        """Give a claimed case to a colleague (the route checks the colleague's account)."""
        case = await self._own(case_id, staff, ("with_staff", "callback"), admin)
        if case.staff == to:
            raise CaseError(staff_text("console_transfer_same", staff=to))
        now = self.clock()

        def move(conn: Any) -> bool:
            if not store.transfer(conn, case.id, None if admin else staff, to, now):
                return False
            note = staff_text("console_note_transferred", staff=case.staff, username=to)
            store.add_message(conn, case.id, "system", note, now, staff)
            return True
        if not await self.db.run(move):
            raise CaseError(staff_text("console_case_changed"))
        log.info("case %s transferred by %s to %s", case_id, staff, to)
        self._publish(case_id)
        return (await self.case(case_id))[0]

    async def add_note(self, case_id: int, staff: str, text: str) -> None:
        """An internal note on a case: staff read it, the person never does."""
        await self.case(case_id)   # 404 for a case that does not exist
        await self.db.run(store.add_note, case_id, staff, text, self.clock())
        self._publish(case_id)

    async def notes(self, case_id: int) -> list[dict[str, Any]]:
        return await self.db.run(store.notes, case_id)

    async def earlier(self, case: Case) -> list[Case]:
        """The person's other cases (their earlier contacts), newest first."""
        return [c for c in await self.db.run(store.sender_cases, case.sender) if c.id != case.id]

    async def history(self, **filters: Any) -> tuple[list[Case], int]:
        return await self.db.run(lambda conn: store.history(conn, **filters))

    async def send(self, case_id: int, staff: str, text: str) -> int:
        """A staff reply, typed in Simplified or Traditional, delivered in the person's script."""
        case = await self._own(case_id, staff, ("with_staff",), admin=False)
        await self.db.run(store.add_message, case.id, "staff", text, self.clock(), staff)
        message_id = await self._tell(case, "staff", text)
        self._publish(case_id)
        return message_id

    async def hand_back(self, case_id: int, staff: str, admin: bool = False) -> Case:
        case = await self._own(case_id, staff, ("with_staff",), admin)
        await self._end(case, ("with_staff",), "returned",
                        staff_text("console_note_returned", staff=staff), staff)
        await self._tell(case, "assistant", say("handoff_back", case.language))
        log.info("case %s handed back to the bot by %s", case_id, staff)
        return case

    async def close(self, case_id: int, staff: str, admin: bool = False) -> Case:
        """An unclaimed waiting case may be closed by anyone (spam, a duplicate); a callback
        task is claimed, rung, then closed: unclaimed, only an admin closes it; a claimed
        case by its owner or an admin. The UPDATE checks the owner seen here again."""
        case, _, _ = await self.case(case_id)
        if case.staff is None and case.state == "callback" and not admin:
            raise NotYourCase(staff_text("console_callback_claim_first"), staff=None)
        if case.staff is not None or case.state not in store.CLAIMABLE:
            case = await self._own(case_id, staff, ("with_staff", "callback"), admin)
        await self._end(case, (case.state,), "closed",
                        staff_text("console_note_closed", staff=staff), staff)
        if case.state in store.LIVE:
            await self._tell(case, "assistant", say("handoff_closed", case.language))
        log.info("case %s closed by %s", case_id, staff)
        return case

    async def close_group(self, source: str, staff: str) -> list[int]:
        """Close every unclaimed open case of one source at once (an admin's answer to a
        flood; the route checks the role). People still waiting are told, as when one
        case is closed. Returns the ids closed."""
        now = self.clock()
        note = staff_text("console_note_closed", staff=staff)

        def close_all(conn: Any) -> list[Case]:
            closed = []
            for case in store.unclaimed_of_source(conn, source):
                if store.move(conn, case.id, ("waiting", "callback"), "closed", now):
                    store.add_message(conn, case.id, "system", note, now, staff)
                    closed.append(case)
            return closed

        closed = await self.db.run(close_all)
        for case in closed:
            if case.state in store.LIVE:
                await self._tell(case, "assistant", say("handoff_closed", case.language))
            self._publish(case.id)
        log.info("%d cases of source %s closed by %s", len(closed), source, staff)
        return [case.id for case in closed]

    async def _own(self, case_id: int, staff: str, states: tuple[str, ...], admin: bool) -> Case:
        case, _, _ = await self.case(case_id)
        if case.staff is None and case.state in store.CLAIMABLE:
            raise NotYourCase(staff_text("console_claim_first"), staff=None)
        if case.staff != staff and not admin:
            raise NotYourCase(staff_text("console_case_owner", staff=case.staff),
                              staff=case.staff)
        if case.state not in states:
            raise CaseError(staff_text("console_case_wrong_state"), state=case.state)
        return case

    async def _end(self, case: Case, states: tuple[str, ...], target: str, note: str,
                   staff: str) -> None:
        """Move `case` on if it is still in `states` and still `case.staff`'s (or still
        unclaimed): a claim or a transfer in between makes it a 409, not a lost update."""
        def end(conn: Any) -> bool:
            moved = store.move(conn, case.id, states, target, self.clock(), owner=case.staff)
            if moved:
                store.add_message(conn, case.id, "system", note, self.clock(), staff)
            return moved
        if not await self.db.run(end):
            raise CaseError(staff_text("console_case_changed"))
        self._publish(case.id)

    async def _tell(self, case: Case, author: str, text: str) -> int:
        """Into the person's outbox, in their language's script; wakes their long-poll."""
        converted = to_script(to_simplified(text), case.language, case.script,
                              self.settings.hant_cmn)
        message_id = await self.db.run(store.enqueue, case.sender, case.id, author, converted,
                                       self.clock())
        for event in self._waiters.get(case.sender, ()):
            event.set()
        if case.channel in self.channels:
            self._push(case.sender, case.channel)
        return message_id

    def _push(self, sender: str, channel: str) -> None:
        """Hand the person's undelivered messages to a channel that pushes, in the
        background (staff do not wait for a phone line or WeChat's API). One delivery
        per person at a time, so messages never overtake each other."""
        running = self._pushes.get(sender)
        if running is not None and not running.done():
            running.add_done_callback(lambda _: self._push(sender, channel))
            return
        task = asyncio.get_running_loop().create_task(self._deliver(sender, channel))
        self._pushes[sender] = task
        task.add_done_callback(lambda t: self._pushes.pop(sender, None)
                               if self._pushes.get(sender) is t else None)

    async def _deliver(self, sender: str, channel: str) -> None:
        rows = await self.db.run(store.undelivered, sender)
        if not rows or self._closing:
            return
        messages = [Outgoing(r["id"], r["author"], r["text"]) for r in rows]
        try:
            delivered = await self.channels.get(channel).deliver(
                sender, messages, await self.state_of(sender))
        except Exception:   # the outbox keeps them: a pull or a later push gets them
            log.exception("channel %s failed to deliver to a person", channel)
            return
        if delivered:
            await self.db.run(store.mark_delivered, sender, messages[-1].id, self.clock())

    # --- change notices (the console's live queue) ------------------------------

    def subscribe(self, listener: Callable[[Optional[int]], None]) -> None:
        self._listeners.append(listener)

    def _publish(self, case_id: Optional[int]) -> None:
        for listener in self._listeners:
            listener(case_id)

    def release(self) -> None:
        """Release every waiting long-poll so the server can stop at once."""
        self._closing = True
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()

    async def shutdown(self) -> None:
        """Stop: long-polls answered, deliveries under way given a moment to finish."""
        self.release()
        pushes = [t for t in self._pushes.values() if not t.done()]
        if pushes:
            await asyncio.wait(pushes, timeout=2)
        for task in pushes:
            task.cancel()

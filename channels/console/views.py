"""Cases as the console shows them (JSON). Personal numbers stay masked, in the one style
of bot/privacy.py; the callback number is shown in full only to the member of staff who
claimed the case."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from channels.console.auth import StaffUser
from channels.gateway.handoff.desk import UNREACHABLE, masked_fact
from bot.privacy import mask, mask_phone
from channels.gateway.handoff.store import Case


def case_summary(case: Case, position: Optional[int], last_words: Optional[str],
                 viewer: Optional[StaffUser]) -> dict[str, Any]:
    """One line of the queue; `viewer` None (the pushed queue) reveals nothing."""
    reveal = (viewer is not None and case.staff == viewer.username
              and case.state in ("with_staff", "callback"))
    phone = case.callback_phone
    return {
        "id": case.id, "state": case.state, "kind": case.kind, "urgent": case.urgent,
        "reason": case.reason, "service": case.service,
        "service_name": case.facts.get("service_name"),
        "language": case.language, "script": case.script, "channel": case.channel,
        "sender": mask(case.sender), "staff": case.staff, "position": position,
        "created_at": case.created_at,
        "waiting_since": case.waiting_since, "claimed_at": case.claimed_at,
        "ended_at": case.ended_at,
        "callback": (phone if reveal else mask_phone(phone)) if phone else None,
        "callback_full": bool(phone and reveal),
        "last_words": last_words,
        # the person's channel cannot reach them now (WeChat's 48 hours, failed sends):
        # why, and to ring back, in the channel's words for staff
        "unreachable": case.facts.get(UNREACHABLE),
        # where it came from (a keyed hash, never the address or number itself), and whether
        # that source was over its limit of cases when this one opened (only an emergency is)
        "source": case.source,
        "throttled": case.throttled,
    }


def asked_last(transcript: Iterable[dict[str, Any]]) -> Optional[str]:
    """What the person last asked in their own words: not a pressed number or 「0」."""
    for message in reversed(list(transcript)):
        if message["author"] == "user" and not message.get("shown") \
                and not message["text"].strip().isdigit():
            return message["text"]
    return None


def case_detail(case: Case, position: Optional[int], transcript: list[dict[str, Any]],
                viewer: StaffUser, notes: Iterable[dict[str, Any]] = (),
                earlier: Iterable[Case] = (),
                ratings: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    last = next((m.get("shown") or m["text"] for m in reversed(transcript)
                 if m["author"] == "user"), None)
    body = case_summary(case, position, last, viewer)
    body["facts"] = masked_fact(case.facts)   # stored masked; once more, in one style
    body["asked"] = asked_last(transcript)
    body["transcript"] = transcript
    body["notes"] = list(notes)
    body["earlier"] = [case_summary(c, None, None, None) for c in earlier]
    body["ratings"] = [{"score": r["score"], "service": r["service"], "channel": r["channel"],
                        "reason": mask(r["reason"]) if r.get("reason") else None,
                        "at": r["created"]} for r in ratings]
    body["mine"] = case.staff == viewer.username
    return body

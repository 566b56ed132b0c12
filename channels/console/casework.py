"""Working the inbox fast: 「下一位」, transfer to a colleague, internal notes, canned
replies, the history of finished cases, and the queue's figures every member of staff
sees. Routes are added by channels/console/routes.py (add_console_routes)."""
from __future__ import annotations

import logging
import time
from typing import Any, Optional

from aiohttp import web

from bot.services import SERVICE_IDS
from bot.texts import staff_text
from channels.console import accounts, canned
from channels.console.auth import StaffUser, staff_route
from channels.console.figures import queue_figures
from channels.console.hub import CONSOLE_HUB
from channels.console.views import case_detail, case_summary
from channels.gateway.handoff.desk import CaseError
from channels.gateway.handoff.hours import LocalClock
from channels.gateway.http import BadRequest, json_error, json_ok, read_json_object, text_field
from channels.gateway.keys import CATALOG, DATABASE, HANDOFF, RATINGS

log = logging.getLogger("kaifong.console")

MAX_NOTE_CHARS = 1000
HISTORY_PAGE = 50
CHANNELS = ("kiosk", "phone", "wechat", "api")
CENTRE_CLOCK = web.AppKey("console_clock", LocalClock)   # staff_utc_offset's days (setup.py)


def bad_filter(name: str) -> BadRequest:
    """A filter or paging value that is not right, named in the staff's words (「渠道」)."""
    return BadRequest(staff_text("console_bad_filter", label=staff_text(f"console_filter_{name}")))


def bad_number(name: str, low: int, high: int) -> BadRequest:
    return BadRequest(staff_text("console_bad_number", label=staff_text(f"console_filter_{name}"),
                                 a=low, b=high))


def case_id_of(request: web.Request, name: str = "case_id") -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound()
    return int(raw)


def case_error(exc: CaseError) -> web.Response:
    return json_error(str(exc), exc.status, **exc.details)


async def detail(request: web.Request, case_id: int, staff: StaffUser) -> dict[str, Any]:
    """A case with everything staff need on it: transcript, notes, the person's earlier
    contacts and ratings."""
    desk = request.app[HANDOFF]
    case, place, transcript = await desk.case(case_id)
    notes = await desk.notes(case_id)
    earlier = await desk.earlier(case)
    ratings = await request.app[RATINGS].by_sender(case.sender)
    return case_detail(case, place, transcript, staff, notes, earlier, ratings)


# --- 下一位, transfer, notes ---------------------------------------------------------

@staff_route()
async def claim_next(request: web.Request, staff: StaffUser) -> web.Response:
    case = await request.app[HANDOFF].claim_next(staff.username)
    if case is None:
        return json_error(staff_text("console_nobody_waiting"), 404)
    return json_ok(await detail(request, case.id, staff))


@staff_route()
async def transfer_case(request: web.Request, staff: StaffUser) -> web.Response:
    to = (await read_json_object(request)).get("to")
    if not isinstance(to, str) or not to.strip():
        raise BadRequest(staff_text("console_transfer_who"))
    to = to.strip().lower()
    account = await request.app[DATABASE].run(accounts.get_staff, to)
    if account is None or account["disabled"]:
        return json_error(staff_text("console_no_user", username=to), 400)
    try:
        await request.app[HANDOFF].transfer(case_id_of(request), staff.username, to, staff.admin)
        return json_ok(await detail(request, case_id_of(request), staff))
    except CaseError as exc:
        return case_error(exc)


@staff_route()
async def add_note(request: web.Request, staff: StaffUser) -> web.Response:
    text = text_field(await read_json_object(request), "text", MAX_NOTE_CHARS).strip()
    if not text:
        raise BadRequest(staff_text("console_note_empty"))
    try:
        await request.app[HANDOFF].add_note(case_id_of(request), staff.username, text)
        return json_ok(await detail(request, case_id_of(request), staff))
    except CaseError as exc:
        return case_error(exc)


@staff_route()
async def colleagues(request: web.Request, staff: StaffUser) -> web.Response:
    """Accounts a case can go to, and who has the console open now."""
    online = request.app[CONSOLE_HUB].online_staff()
    listed = await request.app[DATABASE].run(accounts.list_staff)
    return json_ok({"staff": [{"username": s["username"], "role": s["role"],
                               "online": s["username"] in online}
                              for s in listed if not s["disabled"]]})


# --- history ----------------------------------------------------------------------

def local_day_start(text: str, clock: LocalClock) -> float:
    """The Unix time a local date (YYYY-MM-DD, on the centre's clock) begins."""
    try:
        return clock.day_start(text)
    except ValueError:
        raise BadRequest(staff_text("console_bad_date")) from None


def _choice(request: web.Request, name: str, allowed: Optional[tuple[str, ...]]) -> Optional[str]:
    value = request.query.get(name, "").strip()
    if not value:
        return None
    if (allowed is not None and value not in allowed) or len(value) > 64:
        raise bad_filter(name)
    return value


@staff_route()
async def history(request: web.Request, staff: StaffUser) -> web.Response:
    """Finished cases by date (from/to inclusive, local days), service, channel, staff."""
    clock, q = request.app[CENTRE_CLOCK], request.query
    until = local_day_start(q["to"], clock) + 86400 if q.get("to") else clock.now() + 1
    since = local_day_start(q["from"], clock) if q.get("from") else until - 30 * 86400
    if since >= until:
        raise BadRequest(staff_text("console_bad_date"))
    page = q.get("page", "0")
    if not page.isdigit() or int(page) > 10000:
        raise bad_filter("page")
    found, total = await request.app[HANDOFF].history(
        since=since, until=until, service=_choice(request, "service", SERVICE_IDS),
        channel=_choice(request, "channel", CHANNELS),
        staff=(_choice(request, "staff", None) or "").lower() or None,
        limit=HISTORY_PAGE, offset=int(page) * HISTORY_PAGE)
    return json_ok({"cases": [case_summary(c, None, None, None) for c in found],
                    "total": total, "page": int(page), "page_size": HISTORY_PAGE})


# --- the queue's figures (everyone) -----------------------------------------------------

NOW = ("waiting_now", "urgent_waiting_now", "longest_wait_seconds", "with_staff_now",
       "callbacks_pending")
ANSWERED = ("answered", "answered_median_wait_seconds", "answered_p90_wait_seconds",
            "left_unanswered")


def queue_strip(conn: Any, clock: LocalClock) -> dict[str, Any]:
    """Waiting now, the longest wait now, and answered cases' waits since local midnight:
    apart, each with its label (read once, for the GET and for every push)."""
    today = queue_figures(conn, clock.start_of(clock.today()), clock.now())
    return {"now": {k: today[k] for k in NOW}, "today": {k: today[k] for k in ANSWERED}}


async def read_queue_strip(app: web.Application) -> dict[str, Any]:
    strip = await app[DATABASE].run(queue_strip, app[CENTRE_CLOCK])
    return {**strip, "staff_online": len(app[CONSOLE_HUB].online_staff())}


@staff_route()
async def queue_numbers(request: web.Request, staff: StaffUser) -> web.Response:
    return json_ok(await read_queue_strip(request.app))


# --- canned replies ---------------------------------------------------------------

@staff_route()
async def list_canned(request: web.Request, staff: StaffUser) -> web.Response:
    return json_ok({"replies": await request.app[DATABASE].run(canned.list_replies)})


@staff_route("admin")
async def add_canned(request: web.Request, staff: StaffUser) -> web.Response:
    body = await read_json_object(request)
    try:
        await request.app[DATABASE].run(canned.add_reply, body, staff.username, time.time())
    except canned.CannedError as exc:
        raise BadRequest(str(exc)) from None
    return json_ok({"replies": await request.app[DATABASE].run(canned.list_replies)}, 201)


@staff_route("admin")
async def change_canned(request: web.Request, staff: StaffUser) -> web.Response:
    reply_id, body = case_id_of(request, "reply_id"), await read_json_object(request)
    db = request.app[DATABASE]
    try:
        if body.get("delete") is True:
            await db.run(canned.delete_reply, reply_id)
        else:
            await db.run(canned.change_reply, reply_id, body, staff.username, time.time())
    except canned.CannedError as exc:
        raise BadRequest(str(exc)) from None
    return json_ok({"replies": await db.run(canned.list_replies)})


def add_casework_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/console/api/next", claim_next)
    r.add_post("/console/api/cases/{case_id}/transfer", transfer_case)
    r.add_post("/console/api/cases/{case_id}/notes", add_note)
    r.add_get("/console/api/colleagues", colleagues)
    r.add_get("/console/api/history", history)
    r.add_get("/console/api/queue-figures", queue_numbers)
    r.add_get("/console/api/canned", list_canned)
    r.add_post("/console/api/canned", add_canned)
    r.add_post("/console/api/canned/{reply_id}", change_canned)


def service_names(app: web.Application) -> dict[str, str]:
    catalog = app[CATALOG]
    return {s: catalog[s].text("name", "cmn") for s in SERVICE_IDS if s in catalog}

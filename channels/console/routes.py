"""The staff console's pages and JSON API (see README.md in this folder).

Public: the login page, POST /console/login and the page's static code.
Everything else needs a login (401, or a redirect for the page), the admin
routes need the admin role (403), and every POST needs the CSRF token (403).
"""
from __future__ import annotations

import logging
import math
import re
import time
from pathlib import Path
from typing import Any, Optional

from aiohttp import WSMsgType, web

from bot.texts import staff_text
from channels.console import accounts, queue, throttle
from channels.console.auth import (PASSWORD_CHECKS, StaffUser, clear_session_cookie,
                                   current_staff, new_token, same_origin, set_session_cookie,
                                   staff_route, throttle_keys, token_hash)
from channels.console.casework import (CENTRE_CLOCK, add_casework_routes, bad_filter,
                                       bad_number, case_error, case_id_of, detail,
                                       read_queue_strip, service_names)
from channels.console.figures import case_figures
from channels.console.figures_routes import add_figures_routes
from channels.console.hub import CONSOLE_HUB
from channels.console.passwords import needs_rehash, weakness
from channels.console.stats import HANDOFFS
from channels.console.views import case_summary
from channels.gateway.handoff import store
from channels.gateway.handoff.desk import CaseError
from channels.gateway.handoff.hours import day_text
from channels.gateway.http import BadRequest, json_error, json_ok, read_json_object, text_field
from channels.gateway.keys import CATALOG, DATABASE, HANDOFF, RATINGS, SETTINGS

log = logging.getLogger("kaifong.console")

__all__ = ["CONSOLE_HUB", "add_console_routes", "queue_view"]
STATIC = Path(__file__).with_name("static")
ASSETS = ("console.css", "console.js", "login.js", "favicon.svg", "common.js", "notify.js",
          "admin.js", "history.js", "figures.js", "figures.css", "print.css")
CASE_SETS = {"open": store.OPEN, "closed": store.CLOSED, "all": store.STATES}
MAX_REPLY_CHARS = 2000
SOURCE = re.compile(r"[a-z][a-z0-9_]{0,15}:[0-9a-f]{6,64}")   # a case's source (gateway/clients.py)


# --- pages --------------------------------------------------------------------------

async def login_page(request: web.Request) -> web.StreamResponse:
    if await current_staff(request) is not None:
        raise web.HTTPFound("/console")
    return web.FileResponse(STATIC / "login.html")


@staff_route(page=True)
async def console_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name)


# --- login and logout ---------------------------------------------------------------

def _credentials(body: dict[str, Any]) -> tuple[str, str]:
    username, password = body.get("username"), body.get("password")
    if not (isinstance(username, str) and isinstance(password, str) and username and password):
        raise BadRequest(staff_text("console_need_login_fields"))
    if len(username) > 64 or len(password) > 256:
        raise BadRequest(staff_text("console_login_too_long"))
    return username, password


async def login(request: web.Request) -> web.Response:
    if not same_origin(request):
        return json_error(staff_text("console_bad_origin"), 403)
    username, password = _credentials(await read_json_object(request))
    settings, db, now = request.app[SETTINGS], request.app[DATABASE], time.time()
    checks = request.app[PASSWORD_CHECKS]
    if checks.busy:   # more guesses queued than argon2 can answer soon
        return _wait(staff_text("console_login_busy"), 503, 2)
    keys = throttle_keys(request, username)
    wait = await db.run(throttle.reserve, keys, now)   # this try counted before the check
    if wait:
        return _wait(staff_text("console_login_locked", time=_how_long(wait)), 429, wait)
    account = await db.run(accounts.get_staff, username)
    good = await checks.verify(account and account["password_hash"], password)
    if not good or account is None or account["disabled"]:
        log.warning("console login failed")
        return json_error(staff_text("console_login_wrong"), 401)
    await db.run(throttle.forgive, keys)
    if needs_rehash(account["password_hash"]):
        new_hash = await checks.hash(password)
        await db.run(lambda conn: accounts.update_staff(conn, account["username"],
                                                        password_hash=new_hash))
    token, csrf = new_token(), new_token()
    await db.run(accounts.create_session, account["username"], token_hash(token), csrf, now,
                 now + settings.console_session_hours * 3600)
    log.info("console login: %s (%s)", account["username"], account["role"])
    response = json_ok({"username": account["username"], "role": account["role"], "csrf": csrf})
    set_session_cookie(response, request, token)
    return response


def _how_long(seconds: float) -> str:
    if seconds < 60:
        return staff_text("console_seconds", length=math.ceil(seconds))
    return staff_text("console_minutes", minutes=math.ceil(seconds / 60))


def _wait(message: str, status: int, seconds: float) -> web.Response:
    response = json_error(message, status)
    response.headers["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


@staff_route()
async def logout(request: web.Request, staff: StaffUser) -> web.Response:
    await request.app[DATABASE].run(accounts.delete_session, staff.token_hash)
    await request.app[CONSOLE_HUB].close_session(staff.token_hash)
    response = json_ok({"ok": True})
    clear_session_cookie(response)
    return response


@staff_route()
async def me(request: web.Request, staff: StaffUser) -> web.Response:
    # today and the offset of the centre's clock (staff_utc_offset): the history's dates
    # and every time the page shows are read on it, whatever the browser's time zone
    clock = request.app[CENTRE_CLOCK]
    return json_ok({"username": staff.username, "role": staff.role, "csrf": staff.csrf,
                    "services": service_names(request.app), "reasons": HANDOFFS,
                    "today": day_text(clock.today()), "utc_offset": round(clock.offset)})


# --- cases --------------------------------------------------------------------------

def page_json(page: queue.QueuePage, viewer: Optional[StaffUser]) -> dict[str, Any]:
    return {"cases": [case_summary(c, page.positions.get(c.id), page.last_words.get(c.id), viewer)
                      for c in page.cases],
            "groups": page.groups, "total": page.total, "counts": page.counts}


async def queue_view(app: web.Application) -> dict[str, Any]:
    """What every open console page is pushed: the first page of the open queue, grouped,
    and the figures above it (read once per push, not once per open page)."""
    group_min = app[SETTINGS].console_group_min_cases
    page = await app[DATABASE].run(lambda conn: queue.read_page(conn, store.OPEN,
                                                                group_min=group_min))
    return {**page_json(page, None), "figures": await read_queue_strip(app)}


def _number(request: web.Request, name: str, default: int, high: int) -> int:
    raw = request.query.get(name, str(default))
    if not raw.isdigit() or not 0 <= int(raw) <= high:
        raise bad_number(name, 0, high)
    return int(raw)


@staff_route()
async def list_cases(request: web.Request, staff: StaffUser) -> web.Response:
    """The cases, a page at a time (offset, limit: 200, at most 1000; `total` says how
    many). grouped=1 folds a flood from one source into its group row (the page does);
    source=… lists one source's cases."""
    state = request.query.get("state", "open")
    states = CASE_SETS.get(state)
    if states is None:
        raise bad_filter("state")
    offset = _number(request, "offset", 0, 10_000_000)
    limit = max(1, _number(request, "limit", queue.PAGE, queue.MAX_LIMIT))
    source = request.query.get("source") or None
    if source is not None and not SOURCE.fullmatch(source):
        raise BadRequest(staff_text("console_bad_source"))
    group_min = (request.app[SETTINGS].console_group_min_cases
                 if request.query.get("grouped") == "1" and state == "open" else 0)
    page = await request.app[DATABASE].run(lambda conn: queue.read_page(
        conn, states, offset=offset, limit=limit, group_min=group_min, source=source))
    return json_ok({**page_json(page, staff), "offset": offset, "limit": limit,
                    "staff_online": request.app[CONSOLE_HUB].online()})


@staff_route("admin")
async def close_group(request: web.Request, staff: StaffUser) -> web.Response:
    """Close every unclaimed open case of one source at once (a flood); the page asks
    first. People still waiting are told, as when one case is closed."""
    source = request.match_info["source"]
    if not SOURCE.fullmatch(source):
        raise BadRequest(staff_text("console_bad_source"))
    closed = await request.app[HANDOFF].close_group(source, staff.username)
    log.info("group of %d cases closed by %s", len(closed), staff.username)
    return json_ok({"closed": closed})


@staff_route()
async def get_case(request: web.Request, staff: StaffUser) -> web.Response:
    try:
        return json_ok(await detail(request, case_id_of(request), staff))
    except CaseError as exc:
        return case_error(exc)


async def _act(request: web.Request, staff: StaffUser, action: str) -> web.Response:
    desk, case_id = request.app[HANDOFF], case_id_of(request)
    try:
        if action == "claim":
            await desk.claim(case_id, staff.username)
        elif action == "handback":
            await desk.hand_back(case_id, staff.username, staff.admin)
        elif action == "close":
            await desk.close(case_id, staff.username, staff.admin)
        return json_ok(await detail(request, case_id, staff))
    except CaseError as exc:
        return case_error(exc)


@staff_route()
async def claim_case(request: web.Request, staff: StaffUser) -> web.Response:
    return await _act(request, staff, "claim")


@staff_route()
async def hand_back_case(request: web.Request, staff: StaffUser) -> web.Response:
    return await _act(request, staff, "handback")


@staff_route()
async def close_case(request: web.Request, staff: StaffUser) -> web.Response:
    return await _act(request, staff, "close")


@staff_route()
async def send_message(request: web.Request, staff: StaffUser) -> web.Response:
    text = text_field(await read_json_object(request), "text", MAX_REPLY_CHARS).strip()
    try:
        await request.app[HANDOFF].send(case_id_of(request), staff.username, text)
    except CaseError as exc:
        return case_error(exc)
    return await _act(request, staff, "show")


# --- the live queue -----------------------------------------------------------------

async def websocket(request: web.Request) -> web.StreamResponse:
    staff = await current_staff(request)
    if staff is None:
        return json_error(staff_text("console_login_first"), 401)
    if not same_origin(request, require_origin=True):   # no cross-site websocket hijacking
        return json_error(staff_text("console_bad_origin"), 403)
    hub = request.app[CONSOLE_HUB]
    ws = web.WebSocketResponse(heartbeat=30)
    try:
        await ws.prepare(request)
    except ConnectionResetError:   # the page went away while the socket opened
        return ws
    hub.add(ws, staff.token_hash, staff.username)
    try:
        await ws.send_json({"type": "hello", "username": staff.username, "role": staff.role})
        await ws.send_json(await hub.snapshot())
        async for message in ws:   # the page only listens; anything it sends is ignored
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.remove(ws)
    return ws


# --- admin: figures and accounts --------------------------------------------------------

@staff_route("admin")
async def figures(request: web.Request, staff: StaffUser) -> web.Response:
    days = request.query.get("days", "30")
    if not days.isdigit() or not 1 <= int(days) <= 3650:
        raise bad_number("days", 1, 3650)
    now = time.time()
    result = await request.app[DATABASE].run(case_figures, now - int(days) * 86400, now)
    services = request.app[CATALOG]
    result.update(days=int(days), staff_online=request.app[CONSOLE_HUB].online(),
                  service_names={s: services[s].text("name", "cmn")
                                 for s in result["by_service"] if s in services})
    result["ratings"] = await request.app[RATINGS].figures()   # 好差评 (channels/gateway/ratings.py)
    return json_ok(result)


@staff_route("admin")
async def list_staff(request: web.Request, staff: StaffUser) -> web.Response:
    return json_ok({"staff": await request.app[DATABASE].run(accounts.list_staff)})


def _new_password(body: dict[str, Any]) -> str:
    password = body.get("password")
    if not isinstance(password, str):
        raise BadRequest(staff_text("console_need_password"))
    problem = weakness(password)
    if problem:
        raise BadRequest(problem)
    return password


@staff_route("admin")
async def add_staff(request: web.Request, staff: StaffUser) -> web.Response:
    body = await read_json_object(request)
    username, role = body.get("username"), body.get("role", "staff")
    if not isinstance(username, str) or not isinstance(role, str):
        raise BadRequest(staff_text("console_need_user_role"))
    password_hash = await request.app[PASSWORD_CHECKS].hash(_new_password(body))
    try:
        await request.app[DATABASE].run(accounts.add_staff, username, password_hash, role,
                                        time.time())
    except accounts.AccountError as exc:
        raise BadRequest(str(exc)) from None
    log.info("staff account %s (%s) added by %s", username.strip().lower(), role, staff.username)
    return json_ok({"staff": await request.app[DATABASE].run(accounts.list_staff)}, 201)


@staff_route("admin")
async def change_staff(request: web.Request, staff: StaffUser) -> web.Response:
    username = request.match_info["username"].lower()
    body = await read_json_object(request)
    changes: dict[str, Any] = {}
    if "role" in body:
        changes["role"] = body["role"]
    if "disabled" in body:
        if not isinstance(body["disabled"], bool):
            raise BadRequest(staff_text("console_disabled_bool"))
        changes["disabled"] = body["disabled"]
    if "password" in body:
        changes["password_hash"] = await request.app[PASSWORD_CHECKS].hash(_new_password(body))
    if not changes:
        raise BadRequest(staff_text("console_nothing_to_change"))
    try:
        await request.app[DATABASE].run(
            lambda conn: accounts.update_staff(conn, username, **changes))
    except accounts.AccountError as exc:
        raise BadRequest(str(exc)) from None
    if changes.get("disabled") or "password_hash" in changes:   # its sessions ended: so do its pages
        await request.app[CONSOLE_HUB].close_user(username)
    log.info("staff account %s changed (%s) by %s", username, ", ".join(sorted(changes)),
             staff.username)
    return json_ok({"staff": await request.app[DATABASE].run(accounts.list_staff)})


def add_console_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/console", console_page)
    r.add_get("/console/cases/{case_id:\\d+}", console_page)   # a link to one case (a transfer's)
    r.add_get("/console/login", login_page)
    r.add_post("/console/login", login)
    r.add_post("/console/logout", logout)
    r.add_get("/console/static/{name}", static_file)
    r.add_get("/console/ws", websocket)
    r.add_get("/console/api/me", me)
    r.add_get("/console/api/cases", list_cases)
    r.add_get("/console/api/cases/{case_id}", get_case)
    r.add_post("/console/api/cases/{case_id}/claim", claim_case)
    r.add_post("/console/api/cases/{case_id}/messages", send_message)
    r.add_post("/console/api/cases/{case_id}/handback", hand_back_case)
    r.add_post("/console/api/cases/{case_id}/close", close_case)
    r.add_post("/console/api/groups/{source}/close", close_group)
    r.add_get("/console/api/figures", figures)
    r.add_get("/console/api/staff", list_staff)
    r.add_post("/console/api/staff", add_staff)
    r.add_post("/console/api/staff/{username}", change_staff)
    add_casework_routes(app)
    add_figures_routes(app)

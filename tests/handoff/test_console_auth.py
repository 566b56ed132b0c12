"""The console's locks: login, roles, CSRF, lockout, logout, websocket origin."""
import re
import sqlite3

import pytest
from aiohttp import WSMsgType, WSServerHandshakeError

from channels.console.staff import main as staff_cli
from channels.gateway.app import create_app
from channels.gateway.db import database_path
from tests.handoff.conftest import PASSWORD, StaffClient, add_staff, chat, name_of, origin

PUBLIC = {("GET", "/console/login"), ("POST", "/console/login"), ("GET", "/console/static/{name}")}
ADMIN_ONLY = {("GET", "/console/api/figures"), ("GET", "/console/api/staff"),
              ("POST", "/console/api/staff"), ("POST", "/console/api/staff/{username}"),
              ("POST", "/console/api/canned"), ("POST", "/console/api/canned/{reply_id}"),
              ("GET", "/console/api/figures/tables"), ("GET", "/console/figures/{name}.csv"),
              ("GET", "/console/figures/report"), ("POST", "/console/api/unresolved/label"),
              ("POST", "/console/api/groups/{source}/close")}
# a page sends the browser to the login; the rest answer 401
PAGES = {"/console", "/console/figures", "/console/figures/report", "/console/cases/{case_id}"}


def console_routes(app) -> list[tuple[str, str]]:
    """Every console route the app has (so a new one cannot slip through untested)."""
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if (path == "/console" or path.startswith("/console/")) and route.method != "HEAD":
            found.add((route.method, path))
    return sorted(found)


def concrete(path: str) -> str:
    path = re.sub(r"\{(case_id|reply_id)\}", "1", path).replace("{source}", "addr:0123456789ab")
    return re.sub(r"\{name\}", "conversations", re.sub(r"\{username\}", "chan", path))


async def test_every_console_route_refuses_without_login(client):
    routes = [r for r in console_routes(client.app) if r not in PUBLIC]
    assert len(routes) >= 14
    for method, path in routes:
        resp = await client.request(method, concrete(path), json={}, allow_redirects=False,
                                    headers={"Origin": origin(client)})
        if path in PAGES:
            assert (resp.status, resp.headers["Location"]) == (302, "/console/login")
        else:
            assert resp.status == 401, (method, path, resp.status)
            assert "error" in await resp.json()


async def test_the_case_list_is_refused_without_login(client):
    await chat(client, "u1", "我想搵個真人同我講")
    resp = await client.get("/console/api/cases")
    assert resp.status == 401
    assert "u1" not in await resp.text()


async def test_admin_routes_are_refused_to_staff_and_open_to_admins(client, staff_login):
    staff, admin = await staff_login("chan"), await staff_login("boss", "admin")
    for method, path in sorted(ADMIN_ONLY):
        body = {"username": "newbie", "password": "another long pass", "role": "staff"}
        call = staff.get if method == "GET" else (lambda p: staff.post(p, body))
        status, reply = await call(concrete(path))
        assert status == 403, (method, path)
    status, body = await admin.get("/console/api/figures")
    assert status == 200 and body["waiting_now"] == 0 and "ratings" in body
    status, body = await admin.post("/console/api/staff", {"username": "newbie",
                                                           "password": "another long pass"})
    assert status == 201 and "newbie" in [s["username"] for s in body["staff"]]
    status, body = await admin.post("/console/api/staff", {"username": "weak", "password": "123"})
    assert status == 400 and "10" in body["error"]
    status, body = await admin.post("/console/api/staff/newbie", {"disabled": True})
    assert status == 200
    resp = await StaffClient(staff.client).client.post(
        "/console/login", json={"username": "newbie", "password": "another long pass"})
    assert resp.status == 401                     # a disabled account cannot log in
    status, body = await admin.post("/console/api/staff/boss", {"disabled": True})
    assert status == 400 and "管理员" in body["error"]   # never lock out the last admin
    for path, wrong, said in (("staff/newbie", {"disabled": "yes"}, "停用"),   # staff's words
                              ("staff/newbie", {}, "没有要改的")):
        status, body = await admin.post("/console/api/" + path, wrong)
        assert status == 400 and said in body["error"], wrong
    status, body = await admin.get("/console/api/figures?days=0")
    assert status == 400 and "「天数」要是 1 到 3650" in body["error"]


async def test_disabling_an_account_ends_the_session_it_is_logged_in_with(
        client, staff_login, settings):
    """Staff who leave are disabled while still logged in: their open console stops at once."""
    await chat(client, "u1", "我要找工作人员")
    chan, lee = await staff_login("chan"), await staff_login("lee")
    boss = await staff_login("boss", "admin")
    case = await chan.case_of("u1")                  # logged in and working
    assert (await lee.get("/console/api/me"))[0] == 200

    status, _ = await boss.post("/console/api/staff/chan", {"disabled": True})   # by an admin
    assert status == 200
    status, body = await chan.get("/console/api/cases")
    assert status == 401 and "u1" not in str(body)
    status, _ = await chan.post(f"/console/api/cases/{case['id']}/claim")
    assert status == 401
    assert (await boss.case_of("u1"))["state"] == "waiting"     # the claim did not happen
    page = await chan.client.get("/console", allow_redirects=False)
    assert (page.status, page.headers["Location"]) == (302, "/console/login")

    assert staff_cli(["--db", str(database_path(settings)), "disable", "lee"]) == 0   # by the CLI
    assert (await lee.get("/console/api/me"))[0] == 401

    status, _ = await boss.post("/console/api/staff/chan", {"disabled": False})
    assert status == 200
    assert (await chan.get("/console/api/me"))[0] == 401       # enabled again: log in anew
    assert (await StaffClient(chan.client).login("chan")).csrf


async def test_disabling_an_account_closes_its_open_console_page(client, staff_login):
    chan, boss = await staff_login("chan"), await staff_login("boss", "admin")
    ws = await chan.client.ws_connect("/console/ws", headers={"Origin": origin(client)})
    try:
        assert (await ws.receive_json(timeout=10))["type"] == "hello"
        assert (await ws.receive_json(timeout=10))["type"] == "queue"
        status, _ = await boss.post("/console/api/staff/chan", {"disabled": True})
        assert status == 200
        await chat(client, "u1", "我係陳伯，我要找工作人员")     # a change that is pushed
        got = await ws.receive(timeout=10)
        assert got.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING), got.data
    finally:
        await ws.close()


async def test_a_case_belongs_to_whoever_claimed_it(client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    chan, lee = await staff_login("chan"), await staff_login("lee")
    case = await chan.case_of("u1")
    status, body = await lee.post(f"/console/api/cases/{case['id']}/messages", {"text": "你好"})
    assert status == 403 and "接手" in body["error"]
    await chan.post(f"/console/api/cases/{case['id']}/claim")
    for action, body in (("messages", {"text": "你好"}), ("handback", {}), ("close", {})):
        status, reply = await lee.post(f"/console/api/cases/{case['id']}/{action}", body)
        assert status == 403 and "chan" in reply["error"], action
    status, _ = await lee.get("/console/api/cases/99999")
    assert status == 404


async def test_login_cookie_is_httponly_samesite_strict_and_passwords_are_argon2(
        client, settings):
    add_staff(settings, "chan")
    resp = await client.post("/console/login", json={"username": "chan", "password": PASSWORD},
                             headers={"Origin": origin(client)})
    assert resp.status == 200
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    with sqlite3.connect(database_path(settings)) as db:
        (stored,) = db.execute("SELECT password_hash FROM staff").fetchone()
        tokens = [row[0] for row in db.execute("SELECT token_hash FROM staff_sessions")]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    value = resp.cookies["kf_console"].value
    assert value not in tokens and len(tokens) == 1   # only a hash of the cookie is kept
    page = await client.get("/console")
    assert page.status == 200 and "工作人员控制台" in await page.text()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


async def test_repeated_failures_make_the_next_try_wait(aiohttp_client, make_settings):
    settings = make_settings(console_login_max_failures=3, console_login_delay_seconds=60)
    client = await aiohttp_client(create_app(settings))
    add_staff(settings, "chan")
    for _ in range(3):                            # the free tries
        resp = await client.post("/console/login", json={"username": "chan", "password": "wrong"})
        assert resp.status == 401 and "不对" in (await resp.json())["error"]
    resp = await client.post("/console/login", json={"username": "chan", "password": "wrong"})
    assert resp.status == 429 and 50 <= int(resp.headers["Retry-After"]) <= 60
    assert "秒后再试" in (await resp.json())["error"]
    resp = await client.post("/console/login", json={"username": "chan", "password": PASSWORD})
    assert resp.status == 429                     # even the right password, until the wait is over
    resp = await client.post("/console/login", json={"username": "ghost", "password": "x"})
    assert resp.status == 401                     # unknown names say the same as wrong passwords


async def test_forged_cross_site_requests_are_refused(client, staff_login):
    await chat(client, "u1", "我要找工作人员")
    staff = await staff_login("chan")
    case = await staff.case_of("u1")
    claim = f"/console/api/cases/{case['id']}/claim"
    forgeries = [
        {},                                                          # no CSRF token
        {"X-CSRF-Token": "guess"},
        {"X-CSRF-Token": staff.csrf, "Origin": "https://evil.example"},
        {"X-CSRF-Token": staff.csrf, "Sec-Fetch-Site": "cross-site"},
    ]
    for headers in forgeries:
        resp = await staff.client.post(claim, json={}, headers=headers)
        assert resp.status == 403, headers
    form = await staff.client.post(claim, data={"a": "b"},
                                   headers={"Origin": "https://evil.example"})
    assert form.status == 403
    assert (await staff.case_of("u1"))["state"] == "waiting"     # nothing happened
    credentials = {"username": "chan", "password": PASSWORD}
    login = await staff.client.post("/console/login", data=credentials)
    assert login.status == 415
    login = await staff.client.post("/console/login", json=credentials,
                                    headers={"Origin": "https://evil.example"})
    assert login.status == 403


async def test_logout_ends_the_session(client, staff_login):
    staff = await staff_login("chan")
    old_cookie = staff.client.session.cookie_jar.filter_cookies(staff.client.make_url("/console"))
    status, _ = await staff.post("/console/logout")
    assert status == 200
    assert (await staff.get("/console/api/me"))[0] == 401
    stolen = {"kf_console": old_cookie["kf_console"].value}
    resp = await client.get("/console/api/me", cookies=stolen)
    assert resp.status == 401


async def test_websocket_needs_a_login_and_our_origin_and_pushes_the_queue(client, staff_login):
    with pytest.raises(WSServerHandshakeError) as info:
        await client.ws_connect("/console/ws", headers={"Origin": origin(client)})
    assert info.value.status == 401
    staff = await staff_login("chan")
    with pytest.raises(WSServerHandshakeError) as info:
        await staff.client.ws_connect("/console/ws", headers={"Origin": "https://evil.example"})
    assert info.value.status == 403
    ws = await staff.client.ws_connect("/console/ws", headers={"Origin": origin(client)})
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    assert (await ws.receive_json(timeout=5))["cases"] == []
    body = await chat(client, "u1", "我要找工作人员")
    assert "没有工作人员在线" not in str(body)      # someone is watching now
    pushed = await ws.receive_json(timeout=5)
    assert pushed["type"] == "queue" and \
        [name_of(client, c["sender"]) for c in pushed["cases"]] == ["u1"]
    assert pushed["changed"] == [pushed["cases"][0]["id"]]
    assert pushed["figures"]["now"]["waiting_now"] == 1           # no GET after each push
    assert pushed["figures"]["staff_online"] == 1 and "today" in pushed["figures"]
    await staff.post("/console/logout")
    closing = await ws.receive(timeout=5)
    assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    await ws.close()

"""Issue 13, the console tried as an attacker: guessing passwords (in parallel, behind a
proxy, to lock staff out), pages that outlive their login, a name with a stray space,
the login form without its script, the cookie over HTTPS and a page on a stranger's Host
name. (Closing someone else's case: test_console_close.py.)"""
from __future__ import annotations

import asyncio
import io
import re
import ssl
import subprocess
import threading
import time

import aiohttp
import pytest
from aiohttp import WSMsgType, WSServerHandshakeError

from channels.console import passwords
from channels.console.hub import CONSOLE_HUB
from channels.console.staff import main as staff_cli
from channels.gateway.app import create_app
from channels.gateway.db import connect, database_path, in_transaction
from channels.console import accounts
from channels.tools.stack import ROOT
from tests.console.cases import Spec, open_cases
from tests.console.conftest import base_url
from tests.handoff.conftest import PASSWORD, StaffClient, add_staff, origin

WRONG = {"password": "not the password"}


class Counted:
    """verify_password, counted: how many argon2 checks ran, and how many at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls = self.now = self.most = 0
        self.threads: set[str] = set()
        self.seconds = seconds
        self._lock = threading.Lock()
        self._real = passwords.verify_password

    def __call__(self, password_hash, password) -> bool:
        with self._lock:
            self.calls += 1
            self.now += 1
            self.most = max(self.most, self.now)
            self.threads.add(threading.current_thread().name)
        try:
            if self.seconds:
                time.sleep(self.seconds)
            return self._real(password_hash, password)
        finally:
            with self._lock:
                self.now -= 1


async def login(client, username: str, password: str, address: str = "") -> aiohttp.ClientResponse:
    headers = {"Origin": origin(client)}
    if address:
        headers["X-Forwarded-For"] = address
    return await client.post("/console/login", json={"username": username, "password": password},
                             headers=headers)


# --- guessing passwords ------------------------------------------------------------------

async def test_parallel_guesses_get_no_more_argon2_checks_than_the_free_tries(
        aiohttp_client, make_settings, monkeypatch):
    settings = make_settings(console_login_max_failures=5, console_login_delay_seconds=60)
    client = await aiohttp_client(create_app(settings))
    add_staff(settings, "chan")
    checks = Counted()
    monkeypatch.setattr(passwords, "verify_password", checks)
    answers = await asyncio.gather(*(login(client, "chan", f"guess {i}") for i in range(30)))
    statuses = sorted(r.status for r in answers)
    assert statuses.count(401) <= 5, statuses                # each 401 was one argon2 check
    assert checks.calls == statuses.count(401), (checks.calls, statuses)
    assert statuses.count(429) == 30 - checks.calls
    assert all(int(r.headers["Retry-After"]) >= 1 for r in answers if r.status == 429)


async def test_argon2_runs_a_few_at_a_time_in_threads_of_its_own(
        aiohttp_client, make_settings, monkeypatch):
    settings = make_settings(console_password_checks=2)
    client = await aiohttp_client(create_app(settings))
    checks = Counted(seconds=0.2)
    monkeypatch.setattr(passwords, "verify_password", checks)
    answers = await asyncio.gather(*(login(client, f"name{i}", "x" * 12) for i in range(10)))
    assert [r.status for r in answers] == [401] * 10
    assert checks.calls == 10 and checks.most <= 2, checks.most
    assert all(name.startswith("argon2") for name in checks.threads), checks.threads


async def test_a_guesser_cannot_lock_out_staff_at_other_addresses_or_other_accounts(
        aiohttp_client, make_settings):
    """Behind a reverse proxy (trusted_proxies) each client counts as its own address."""
    settings = make_settings(trusted_proxies="127.0.0.1", console_login_max_failures=5,
                             console_login_delay_seconds=60)
    client = await aiohttp_client(create_app(settings))
    for name in ("chan", "lee", "wong"):
        add_staff(settings, name)
    attacker, office, home = "203.0.113.9", "198.51.100.7", "192.0.2.44"
    answers = [await login(client, "chan", "guess", attacker) for _ in range(8)]
    assert [r.status for r in answers] == [401] * 5 + [429] * 3
    for i in range(25):                        # every name it can think of, from one address
        await login(client, f"name{i}", "guess", attacker)
    assert (await login(client, "x-new", "guess", attacker)).status == 429   # the address waits

    assert (await login(client, "chan", PASSWORD, office)).status == 200    # chan is not locked out
    assert (await login(client, "lee", PASSWORD, home)).status == 200       # nor anyone else

    for _ in range(4):                         # wong mistypes, then gets it right: forgiven
        assert (await login(client, "wong", "typo", office)).status == 401
    assert (await login(client, "wong", PASSWORD, office)).status == 200
    for _ in range(5):
        assert (await login(client, "wong", "typo", office)).status == 401


async def test_without_a_trusted_proxy_a_forwarded_address_is_not_believed(
        aiohttp_client, make_settings):
    settings = make_settings(console_login_max_failures=2, console_login_delay_seconds=60)
    client = await aiohttp_client(create_app(settings))
    add_staff(settings, "chan")
    for i in range(2):
        assert (await login(client, "chan", "guess", f"198.51.100.{i}")).status == 401
    assert (await login(client, "chan", "guess", "198.51.100.99")).status == 429


# --- pages that outlive their login ----------------------------------------------------------

async def open_page(staff: StaffClient):
    ws = await staff.client.ws_connect("/console/ws", headers={"Origin": origin(staff.client)})
    assert (await ws.receive_json(timeout=15))["type"] == "hello"
    assert (await ws.receive_json(timeout=15))["type"] == "queue"
    return ws


async def closed_within(ws, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            return False
        if got.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            return True
    return False


def in_database(settings, fn, *args):
    conn = connect(database_path(settings), [accounts.SCHEMA])
    try:
        return in_transaction(conn, fn, *args)
    finally:
        conn.close()


async def test_a_page_is_closed_when_its_session_ends_for_any_reason(
        aiohttp_client, make_settings, monkeypatch):
    """Disabled or given a new password by the staff CLI (another process: nobody tells the
    gateway), or simply expired: the open console page closes within seconds."""
    settings = make_settings(console_session_check_seconds=0.5)
    client = await aiohttp_client(create_app(settings))
    staff = {}
    for name in ("chan", "lee", "wong", "ho"):
        add_staff(settings, name)
        staff[name] = await StaffClient(await aiohttp_client(client.server)).login(name)
    pages = {name: await open_page(s) for name, s in staff.items()}
    ho_heard: asyncio.Queue = asyncio.Queue()

    async def keep_reading() -> None:   # as a browser does (it answers the server's pings too)
        async for message in pages["ho"]:
            await ho_heard.put(message)
    reader = asyncio.get_running_loop().create_task(keep_reading())
    try:
        db = str(database_path(settings))
        assert staff_cli(["--db", db, "disable", "chan"]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO("a new long password\n"))
        assert staff_cli(["--db", db, "passwd", "lee"]) == 0
        in_database(settings, lambda conn: conn.execute(
            "UPDATE staff_sessions SET expires_at = ? WHERE username = 'wong'", (time.time() - 1,)))
        ended = ("chan", "lee", "wong")
        closed = await asyncio.gather(*(closed_within(pages[name], 15) for name in ended))
        assert dict(zip(ended, closed)) == dict.fromkeys(ended, True)
        assert not pages["ho"].closed                         # a good login stays
        client.server.app[CONSOLE_HUB].changed(None)
        got = await asyncio.wait_for(ho_heard.get(), 15)
        assert got.type == WSMsgType.TEXT and '"queue"' in got.data, (got.type, got.data)
    finally:
        reader.cancel()
        for ws in pages.values():
            await ws.close()


async def test_a_push_checks_the_session_before_it_sends(aiohttp_client, make_settings):
    settings = make_settings(console_session_check_seconds=300)   # no check in between
    client = await aiohttp_client(create_app(settings))
    add_staff(settings, "chan")
    chan = await StaffClient(await aiohttp_client(client.server)).login("chan")
    ws = await open_page(chan)
    try:
        in_database(settings, lambda conn: conn.execute(
            "UPDATE staff_sessions SET expires_at = ?", (time.time() - 1,)))
        open_cases(settings, Spec("u1", source="addr:0123456789ab"))
        client.server.app[CONSOLE_HUB].changed(None)          # the queue changed: a push
        got = await ws.receive(timeout=15)
        assert got.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING), got.data
    finally:
        await ws.close()


# --- small things -----------------------------------------------------------------------

async def test_a_name_with_a_stray_space_is_refused_not_reported_done(client, staff_login):
    boss, chan = await staff_login("boss", "admin"), await staff_login("chan")
    status, body = await boss.post("/console/api/staff/%20chan", {"disabled": True})
    assert status == 400 and "空格" in body["error"]
    assert (await chan.get("/console/api/me"))[0] == 200       # nothing happened to chan
    status, body = await boss.post("/console/api/staff/chan", {"disabled": True})
    assert status == 200 and [s["disabled"] for s in body["staff"] if s["username"] == "chan"] == [True]


# --- the login page, the cookie, the Host ---------------------------------------------------

def test_the_login_form_posts():
    page = (ROOT / "channels" / "console" / "static" / "login.html").read_text(encoding="utf-8")
    form = re.search(r"<form[^>]*>", page).group(0)
    assert 'method="post"' in form and 'action="/console/login"' in form


async def test_without_its_script_the_password_never_goes_into_a_url(client, settings, browser):
    add_staff(settings, "chan")
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    seen: list[tuple[str, str]] = []
    page.on("request", lambda r: seen.append((r.method, r.url)))
    try:
        await page.goto(base_url(client) + "/console/login")
        await page.fill("#username", "chan")
        await page.fill("#password", PASSWORD)
        async with page.expect_navigation():
            await page.click("#login-button")
        assert ("POST", base_url(client) + "/console/login") in seen
        assert all("correct" not in url and "password" not in url for _, url in seen), seen
        assert "correct" not in page.url
    finally:
        await context.close()


def self_signed(tmp_path) -> ssl.SSLContext:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no openssl to make a test certificate: {exc}")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_the_cookie_is_secure_over_https(aiohttp_server, aiohttp_client, make_settings,
                                               tmp_path):
    settings = make_settings()
    add_staff(settings, "chan")
    server = await aiohttp_server(create_app(settings), ssl=self_signed(tmp_path))
    client = await aiohttp_client(server, connector=aiohttp.TCPConnector(ssl=False))
    resp = await client.post("/console/login", json={"username": "chan", "password": PASSWORD},
                             headers={"Origin": f"https://{server.host}:{server.port}"})
    assert resp.status == 200, await resp.text()
    assert "Secure" in resp.headers["Set-Cookie"]


async def test_the_cookie_is_secure_behind_a_proxy_that_serves_https(aiohttp_client,
                                                                     make_settings):
    settings = make_settings(public_origin="https://kf.example")
    add_staff(settings, "chan")
    client = await aiohttp_client(create_app(settings))
    resp = await client.post("/console/login", json={"username": "chan", "password": PASSWORD},
                             headers={"Origin": "https://kf.example"})
    assert resp.status == 200 and "Secure" in resp.headers["Set-Cookie"]


async def test_plain_http_on_this_machine_keeps_working(client, settings):
    add_staff(settings, "chan")
    resp = await client.post("/console/login", json={"username": "chan", "password": PASSWORD},
                             headers={"Origin": origin(client)})
    assert resp.status == 200 and "Secure" not in resp.headers["Set-Cookie"]


async def test_a_stranger_host_name_is_refused(aiohttp_client, make_settings):
    settings = make_settings(allowed_hosts="kf.example")
    add_staff(settings, "chan")
    client = await aiohttp_client(create_app(settings))
    evil = {"Host": "evil.example", "Origin": "http://evil.example"}
    assert (await client.get("/console/login", headers=evil)).status == 421
    resp = await client.post("/console/login", json={"username": "chan", "password": PASSWORD},
                             headers=evil)
    assert resp.status == 421 and "Set-Cookie" not in resp.headers
    with pytest.raises(WSServerHandshakeError) as info:
        await client.ws_connect("/console/ws", headers=evil)
    assert info.value.status == 421
    ours = {"Host": "kf.example", "Origin": "http://kf.example"}
    assert (await client.get("/console/login", headers=ours)).status == 200
    resp = await client.post("/console/login", json={"username": "chan", "password": PASSWORD},
                             headers=ours)
    assert resp.status == 200

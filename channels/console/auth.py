"""Who is asking, and may they: the console's session cookie, roles and CSRF.

- The session cookie is random, HttpOnly, SameSite=Strict, scoped to /console;
  the database keeps only its SHA-256.
- Every state-changing request needs the session's CSRF token in the
  X-CSRF-Token header, and must not come from another origin (Origin and
  Sec-Fetch-Site are checked when the browser sends them). The login itself
  needs a JSON body (a cross-site form cannot send one) and the same origin check.
- Failed logins slow the guesser down, per account and address (throttle.py), and
  argon2 runs a few checks at a time (passwords.PasswordChecks).
- The cookie is Secure whenever the console is reached over HTTPS (the request's own,
  or an https public_origin behind a proxy), or console_secure_cookie says so.
- An open console page re-checks its session (hub.py): a logout, an expiry, a disabled
  account or a new password closes it within console_session_check_seconds.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional

from aiohttp import web

from bot.texts import staff_text
from channels.console import accounts, throttle
from channels.console.passwords import PasswordChecks
from channels.gateway.clients import network_of
from channels.gateway.http import json_error, public_origin
from channels.gateway.keys import CLIENTS, DATABASE, SETTINGS

COOKIE = "kf_console"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PASSWORD_CHECKS = web.AppKey("console_password_checks", PasswordChecks)


@dataclass(frozen=True)
class StaffUser:
    username: str
    role: str
    csrf: str
    token_hash: str

    @property
    def admin(self) -> bool:
        return self.role == "admin"


Handler = Callable[[web.Request, StaffUser], Awaitable[web.StreamResponse]]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


async def current_staff(request: web.Request) -> Optional[StaffUser]:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        return None
    row = await request.app[DATABASE].run(accounts.session_staff, token_hash(token), time.time())
    return StaffUser(**row) if row else None




def same_origin(request: web.Request, require_origin: bool = False) -> bool:
    """False for a request a browser says came from another site."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return not require_origin   # not a browser (curl, a tool): the CSRF token still applies
    return origin == public_origin(request)   # the console's pages are the gateway's


def csrf_ok(request: web.Request, staff: StaffUser) -> bool:
    sent = request.headers.get(CSRF_HEADER, "")
    return same_origin(request) and hmac.compare_digest(sent.encode(), staff.csrf.encode())


def staff_route(role: str = "staff", page: bool = False) -> Callable[[Handler], Callable[
        [web.Request], Awaitable[web.StreamResponse]]]:
    """Guard a handler: logged in (401, or the login page), role (403), CSRF (403)."""
    def wrap(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            staff = await current_staff(request)
            if staff is None:
                if page:
                    raise web.HTTPFound("/console/login")
                return json_error(staff_text("console_login_first"), 401)
            if role == "admin" and not staff.admin:
                return json_error(staff_text("console_admin_only"), 403)
            if request.method not in SAFE_METHODS and not csrf_ok(request, staff):
                return json_error(staff_text("console_bad_origin_or_token"), 403)
            return await handler(request, staff)
        return guarded
    return wrap


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    settings = request.app[SETTINGS]
    response.set_cookie(COOKIE, token, max_age=int(settings.console_session_hours * 3600),
                        path="/console", httponly=True, samesite="Strict",
                        secure=secure_cookie(request) or None)


def secure_cookie(request: web.Request) -> bool:
    """Over HTTPS the cookie never travels in the clear: the request came over TLS, or the
    console's public origin (behind a reverse proxy that ends TLS) is https."""
    settings = request.app[SETTINGS]
    return bool(settings.console_secure_cookie or request.secure
                or settings.public_origin.lower().startswith("https://"))


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/console")


def client_address(request: web.Request) -> str:
    """Who is asking: behind a trusted reverse proxy (setting trusted_proxies) the
    client it forwards for, not the proxy; an IPv6 client as its /64."""
    clients = request.app.get(CLIENTS)
    return clients.address(request) if clients is not None else network_of(request.remote or "?")


def throttle_keys(request: web.Request, username: str) -> tuple[throttle.Key, throttle.Key]:
    settings = request.app[SETTINGS]
    return throttle.keys_for(username, client_address(request),
                             settings.console_login_max_failures,
                             settings.console_login_delay_seconds,
                             settings.console_lockout_seconds)

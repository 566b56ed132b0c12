"""WeChat's HTTP API, asynchronously (aiohttp): the access token, customer-service
text messages (the late answers), media downloads (voice), a user's nickname and
the custom menu.

Every call is retried with backoff on network errors, timeouts, HTTP 5xx and
errcode -1 (system busy), and gives up with ApiUnavailable. A token WeChat calls
expired or invalid (40001, 40014, 42001) is fetched anew once and the call made
again. errcode 45015 (the person last wrote more than 48 hours ago) is
OutsideWindow. The app secret and the tokens are never logged, nor put in an
error message.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Optional, Union

import aiohttp

from channels.wechat.access_token import AccessTokens
from channels.wechat.config import DEFAULT_API_BASE, WeChatConfig

log = logging.getLogger("kaifong.wechat.api")

TOKEN_ERRORS = frozenset({40001, 40014, 42001})   # invalid / illegal / expired token
BUSY = -1
OUTSIDE_WINDOW = 45015
MAX_JSON_BYTES = 1024 * 1024
JSON_TYPES = ("application/json", "text/plain", "text/json")


class ApiError(Exception):
    """WeChat refused a call (errcode), or could not be reached."""

    def __init__(self, what: str, errcode: Optional[int] = None, errmsg: str = "") -> None:
        self.what, self.errcode, self.errmsg = what, errcode, errmsg
        detail = f"errcode {errcode}" if errcode is not None else ""
        detail += f" ({errmsg})" if errmsg and detail else errmsg
        super().__init__(f"WeChat {what}: {detail}")


class ApiUnavailable(ApiError):
    """Gave up after the retries: network, timeouts, HTTP 5xx or 'system busy'."""


class TokenUnavailable(ApiError):
    """WeChat gave no access token: wrong app id or secret, or this server's IP
    is not on the account's whitelist (errcode 40164)."""


class OutsideWindow(ApiError):
    """45015: customer-service messages reach a person only within 48 hours of
    their last message. Staff must wait for the person to write again."""


class MediaTooLarge(ApiError):
    pass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    first_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 4.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (0-based)."""
        return min(self.first_delay * self.factor ** attempt, self.max_delay)


@dataclass(frozen=True)
class Media:
    data: bytes
    content_type: str


class _Transient(Exception):
    """Worth another try: the reason is for the log."""


Result = Union[dict[str, Any], Media]


class WeChatApi:
    def __init__(self, session: aiohttp.ClientSession, app_id: str, app_secret: str,
                 api_base: str = DEFAULT_API_BASE, *, retry: RetryPolicy = RetryPolicy(),
                 timeout: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._session = session
        self._app_id = app_id
        self._secret = app_secret
        self._base = api_base.rstrip("/")
        self._retry = retry
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._tokens = AccessTokens(self._fetch_token, clock)

    @classmethod
    def from_config(cls, session: aiohttp.ClientSession, config: WeChatConfig,
                    **kwargs: Any) -> "WeChatApi":
        return cls(session, config.app_id, config.app_secret, config.api_base, **kwargs)

    def __repr__(self) -> str:
        return f"WeChatApi(app_id={self._app_id!r}, api_base={self._base!r})"

    async def access_token(self) -> str:
        return await self._tokens.get()

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service text message to the person (at most 2,048 bytes:
        formatting.split_text). OutsideWindow after 48 hours of silence."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        data = await self._authed("custom send", "POST", "/cgi-bin/message/custom/send", {}, body)
        self._check(data, "custom send")

    async def get_media(self, media_id: str, max_bytes: int) -> Media:
        """A temporary media file (a voice message's AMR), at most max_bytes."""
        result = await self._authed("media get", "GET", "/cgi-bin/media/get",
                                    {"media_id": media_id}, None, media_limit=max_bytes)
        if isinstance(result, dict):
            self._check(result, "media get")
            raise ApiError("media get", None, "answered JSON, not a file")
        return result

    async def nickname(self, openid: str) -> Optional[str]:
        """The person's nickname, when WeChat still gives it (it stopped for most
        accounts in 2021: then None)."""
        data = await self._authed("user info", "GET", "/cgi-bin/user/info",
                                  {"openid": openid, "lang": "zh_CN"}, None)
        self._check(data, "user info")
        return str(data.get("nickname") or "") or None

    async def create_menu(self, menu: Mapping[str, Any]) -> None:
        data = await self._authed("menu create", "POST", "/cgi-bin/menu/create", {}, menu)
        self._check(data, "menu create")

    # --- the token ----------------------------------------------------------

    async def _fetch_token(self) -> tuple[str, float]:
        params = {"grant_type": "client_credential", "appid": self._app_id, "secret": self._secret}
        data = await self._retrying(
            "token", lambda: self._once("GET", "/cgi-bin/token", params, None))
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenUnavailable("token", data.get("errcode"), self._scrub(data.get("errmsg")))
        try:
            expires_in = float(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200.0
        log.info("WeChat access token fetched (valid %d s)", expires_in)
        return token, expires_in

    async def _authed(self, what: str, method: str, path: str, params: Mapping[str, str],
                      body: Optional[Mapping[str, Any]], media_limit: Optional[int] = None) -> Any:
        """The call with the current token; once more with a new token if WeChat
        refuses the token."""
        token = await self._tokens.get()
        result = await self._retrying(what, lambda: self._once(
            method, path, {**params, "access_token": token}, body, media_limit))
        if isinstance(result, dict) and result.get("errcode") in TOKEN_ERRORS:
            log.info("WeChat %s: token refused (errcode %s); fetching a new one",
                     what, result["errcode"])
            self._tokens.invalidate(token)
            token = await self._tokens.get()
            result = await self._retrying(what, lambda: self._once(
                method, path, {**params, "access_token": token}, body, media_limit))
        return result

    # --- one HTTP exchange, and retries -------------------------------------

    async def _retrying(self, what: str, call: Callable[[], Awaitable[Result]]) -> Result:
        attempts, reason = max(1, self._retry.attempts), ""
        for attempt in range(attempts):
            try:
                return await call()
            except _Transient as exc:
                reason = str(exc)
                log.warning("WeChat %s: %s (try %d of %d)", what, reason, attempt + 1, attempts)
            if attempt + 1 < attempts:
                await asyncio.sleep(self._retry.delay(attempt))
        raise ApiUnavailable(what, None, f"gave up after {attempts} tries: {reason}")

    async def _once(self, method: str, path: str, params: Mapping[str, str],
                    body: Optional[Mapping[str, Any]], media_limit: Optional[int] = None) -> Result:
        """One exchange: the JSON answer, or with media_limit a file of at most that
        many bytes (WeChat answers errors as JSON there too)."""
        # raw UTF-8, not \u escapes: WeChat shows escapes literally in some calls (menus)
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"} if data else None
        try:
            async with self._session.request(method, self._base + path, params=params, data=data,
                                             headers=headers, timeout=self._timeout) as resp:
                if resp.status >= 500:
                    raise _Transient(f"HTTP {resp.status}")
                if resp.status != 200:
                    raise ApiError(path, None, f"HTTP {resp.status}")
                content_type = resp.content_type
                is_json = media_limit is None or content_type in JSON_TYPES
                limit = MAX_JSON_BYTES if is_json else media_limit
                payload = await _read_capped(resp, limit, path)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # the exception's text can hold the URL, and the URL the token: name the type only
            raise _Transient(type(exc).__name__) from None
        if is_json:
            return self._json(payload, path)
        return Media(payload, content_type)

    def _json(self, payload: bytes, path: str) -> dict[str, Any]:
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ApiError(path, None, "answer is not JSON") from None
        if not isinstance(data, dict):
            raise ApiError(path, None, "answer is not a JSON object")
        if data.get("errcode") == BUSY:
            raise _Transient("system busy (errcode -1)")
        return data

    def _check(self, data: Mapping[str, Any], what: str) -> None:
        errcode = data.get("errcode", 0)
        if errcode in (0, None):
            return
        errmsg = self._scrub(data.get("errmsg"))
        if errcode == OUTSIDE_WINDOW:
            raise OutsideWindow(what, errcode, errmsg)
        raise ApiError(what, errcode, errmsg)

    def _scrub(self, text: Any) -> str:
        """WeChat's errmsg, short, without our secret in it."""
        text = str(text or "")[:200]
        return text.replace(self._secret, "***") if self._secret else text


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int, path: str) -> bytes:
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise MediaTooLarge(path, None, f"{resp.content_length} bytes; the limit is {max_bytes}")
    chunks, size = [], 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise MediaTooLarge(path, None, f"over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)

"""The console's websockets: every change to a case pushes the queue to every
logged-in page. Pushes are coalesced: a burst of changes sends one update.

A page is only as good as its login: before every push, and every
console_session_check_seconds in between, the sessions of the open pages are checked
in the database, and a page whose session ended for any reason (logout, expiry, the
account disabled or given a new password, by the console or by the staff CLI) is closed."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from aiohttp import WSCloseCode, web

log = logging.getLogger("kaifong.console")

QueueReader = Callable[[], Awaitable[dict[str, Any]]]
SessionChecker = Callable[[set[str]], Awaitable[set[str]]]   # session hashes -> those still live


async def _all_live(sessions: set[str]) -> set[str]:
    return sessions


class ConsoleHub:
    def __init__(self, read_queue: QueueReader, live_sessions: SessionChecker = _all_live,
                 check_seconds: float = 5.0) -> None:
        self._read_queue = read_queue
        self._live_sessions = live_sessions
        self.check_seconds = check_seconds
        self._sockets: dict[web.WebSocketResponse, str] = {}   # socket -> session token hash
        self._names: dict[web.WebSocketResponse, str] = {}     # socket -> staff username
        self._changed: set[int] = set()
        self._pusher: Optional[asyncio.Task[None]] = None
        self._closing: set[asyncio.Task[bool]] = set()

    def online(self) -> bool:
        """Is any member of staff looking at the console now?"""
        return bool(self._sockets)

    def online_staff(self) -> set[str]:
        """Who has the console open now (a colleague to transfer a case to)."""
        return set(self._names.values())

    def add(self, ws: web.WebSocketResponse, session: str, username: str = "") -> None:
        self._sockets[ws] = session
        if username:
            self._names[ws] = username

    def remove(self, ws: web.WebSocketResponse) -> None:
        self._sockets.pop(ws, None)
        self._names.pop(ws, None)

    def changed(self, case_id: Optional[int]) -> None:
        """Called by the desk (synchronously) after each change."""
        if case_id is not None:
            self._changed.add(case_id)
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.get_running_loop().create_task(self._push())

    async def snapshot(self) -> dict[str, Any]:
        return {"type": "queue", **await self._read_queue(), "changed": []}

    async def _push(self) -> None:
        while True:
            await asyncio.sleep(0.05)   # let a burst of changes settle into one push
            changed, self._changed = sorted(self._changed), set()
            await self.check_sessions()
            if self._sockets:
                message = await self.snapshot()
                message["changed"] = changed
                await asyncio.gather(*(self._send(ws, message) for ws in list(self._sockets)))
            if not self._changed:
                return

    async def _send(self, ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
        try:
            await ws.send_json(message)
        except (ConnectionError, RuntimeError) as exc:
            log.info("console socket dropped: %s", exc.__class__.__name__)
            self.remove(ws)

    async def check_sessions(self) -> None:
        """Close every page whose session no longer holds."""
        if not self._sockets:
            return
        live = await self._live_sessions(set(self._sockets.values()))
        for ws, session in list(self._sockets.items()):
            if session not in live:
                self._drop(ws, b"session ended")

    def _drop(self, ws: web.WebSocketResponse, why: bytes) -> None:
        """Stop pushing to a page at once; its closing handshake runs on its own (a page
        that never answers must not hold up the pushes to everyone else)."""
        self.remove(ws)
        task = asyncio.get_running_loop().create_task(
            ws.close(code=WSCloseCode.POLICY_VIOLATION, message=why))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def watch_sessions(self) -> None:
        """Between pushes too: an expired login or a password changed by the CLI
        (another process, which cannot tell us) ends its pages within check_seconds."""
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.check_sessions()
            except Exception:   # a busy database now is no reason to stop watching
                log.exception("checking the console sessions failed")

    async def close_session(self, session: str) -> None:
        """Logout: that session's pages stop receiving at once."""
        for ws, owner in list(self._sockets.items()):
            if owner == session:
                self.remove(ws)
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"logged out")

    async def close_user(self, username: str) -> None:
        """An account disabled (or its password changed): its open pages stop receiving."""
        for ws, name in list(self._names.items()):
            if name == username:
                self.remove(ws)
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"account changed")

    async def close_all(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
        sockets, self._sockets, self._names = list(self._sockets), {}, {}
        for ws in sockets:
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        if self._closing:
            await asyncio.wait(list(self._closing), timeout=2)


CONSOLE_HUB = web.AppKey("console_hub", ConsoleHub)

"""The staff console's own tests: the gateway in-process with a stand-in of Rasa that
talks like our actions (options as buttons, the turn record, a hand-over with the facts
the walk established), staff accounts, and the real console page in Debian's chromium at
1440x900 (Playwright's async API beside the in-process gateway), with axe-core.

What a person meets with the real dialogue is tested on the real stack
(tests/console/test_summary_stack.py). Screenshots go to tests/artifacts/console/."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Optional

import pytest
from aiohttp import web

from bot.catalog import load_catalog
from bot.settings import Settings
from bot.texts import say
from channels.tools.stack import ROOT
from tests.conftest import FakeRasa
from tests.handoff.conftest import (PASSWORD, StaffClient, add_staff, chat,  # noqa: F401
                                    client, make_settings, staff_login)

ARTIFACTS = ROOT / "tests" / "artifacts" / "console"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTH, HEIGHT = 1440, 900
RULE = load_catalog()["senior_card"].rules[0]
YES_NO = [{"title": "1 是", "payload": "1"}, {"title": "2 不是", "payload": "2"}]
MENU = [{"title": "1 去哪里办", "payload": "1"}, {"title": "2 手机上怎么办", "payload": "2"},
        {"title": "3 找工作人员", "payload": "3"}, {"title": "4 没有了，办完了", "payload": "4"}]
WHO_BUTTONS = [{"title": "1 给自己办", "payload": "1"}, {"title": "2 帮家人办", "payload": "2"},
               {"title": "3 找工作人员", "payload": "3"}]


class ActionsLikeRasa(FakeRasa):
    """FakeRasa, plus what our actions do and tell the gateway: every turn's record
    (intent, service, unresolved); the senior card's walk with its buttons (who it is for,
    the age question, its outcome, the menu); on a hand-over, who it is for."""

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        text, sender = body["message"], body["sender"]
        choice = (body.get("metadata") or {}).get("choice")
        step = self.steps.get(sender)
        reply = None
        if "长者卡" in text:
            self.service[sender], self.steps[sender] = "senior_card", "who"
            reply = [{"text": "长者卡：满60岁可以办。"},
                     {"text": "您是给自己办，还是帮家人办？", "buttons": WHO_BUTTONS}]
            intent = "svc_senior_card"
        elif step == "who" and choice == 2:
            self.steps[sender], self.for_whom[sender] = "rule:0", "family"
            reply = [{"text": RULE.text("ask", "cmn"), "buttons": YES_NO}]
            intent = "choose"
        elif step == "rule:0" and "岁" in text:
            self.steps[sender] = "materials"
            reply = [{"text": RULE.text("if_yes", "cmn")},
                     {"text": "您还想知道哪样？", "buttons": MENU}]
            intent = "nlu_fallback"
        elif step == "materials" and choice == 3:
            self.steps[sender] = ""
            signal = {"reason": "asked", "service": self.service.get(sender)}
            if self.for_whom.get(sender):
                signal["facts"] = {"for_whom": self.for_whom[sender]}
            reply = [{"text": say("handoff", "cmn", hotline="12345")},
                     {"custom": {"kaifong": {"handoff": signal}}}]
            intent = "choose"
        if reply is not None:
            self.received.append(body)
            return web.json_response(reply + [self._turn(intent, self.service.get(sender))])
        response = await super().webhook(request)
        messages = json.loads(response.body)
        unresolved = "not_understood" if "乱码" in text else None
        messages.append(self._turn("nlu_fallback" if unresolved else "greet",
                                   self.service.get(sender), unresolved))
        return web.json_response(messages)

    @staticmethod
    def _turn(intent: str, service: Optional[str], unresolved: Optional[str] = None
              ) -> dict[str, Any]:
        record = {"intent": intent, "service": service}
        if unresolved:
            record["unresolved"] = unresolved
        return {"custom": {"kaifong": {"turn": record}}}


@pytest.fixture
async def fake_rasa(aiohttp_server) -> ActionsLikeRasa:
    fake = ActionsLikeRasa()
    fake.steps, fake.for_whom = {}, {}
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def settings(make_settings) -> Settings:
    """Every person in these tests comes from one address (one `source`): a queue of them
    is what these tests look at, not a flood (tests/console/test_queue_groups.py is)."""
    return make_settings(console_group_min_cases=0, limit_cases_per_source="0")


def base_url(client) -> str:
    return f"http://{client.host}:{client.port}"


# --- the page -----------------------------------------------------------------------

@pytest.fixture
async def browser():
    playwright = pytest.importorskip("playwright.async_api")
    async with playwright.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                           args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class ConsolePage:
    """One member of staff's console in the browser, at 1440x900."""

    def __init__(self, context: Any, page: Any, url: str) -> None:
        self.context, self.page, self.url = context, page, url
        self.dialogs: list[str] = []       # a browser dialog (confirm, alert) is a defect
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}")
                if r.status >= 400 and "/console/api/" not in r.url else None)

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    @classmethod
    async def open(cls, browser: Any, url: str, username: str, path: str = "/console",
                   timezone: Optional[str] = None) -> "ConsolePage":
        context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT},
                                            timezone_id=timezone)
        page = await context.new_page()
        page.set_default_timeout(30000)
        console = cls(context, page, url)
        await page.goto(url + "/console/login")
        await page.fill("#username", username)
        await page.fill("#password", PASSWORD)
        await page.click("#login-button")
        await page.wait_for_url(url + "/console")
        if path != "/console":
            await page.goto(url + path)
        else:
            await page.wait_for_selector("body[data-ready=true]")
        return console

    async def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    async def axe(self) -> list[dict[str, Any]]:
        return await axe_violations(self.page)

    async def in_view(self, selector: str) -> bool:
        """Is the element wholly inside the window (no scrolling needed to see it)?"""
        return await self.page.eval_on_selector(selector, """(el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
                && r.bottom <= window.innerHeight && r.right <= window.innerWidth; }""")

    async def close(self) -> None:
        await self.context.close()


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the screen as it is now."""
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run 'make setup' (npm ci)")
    await page.evaluate(AXE.read_text(encoding="utf-8"))   # evaluated, so past the page's CSP
    found = await page.evaluate("""() => axe.run(document, {resultTypes: ["violations"]})
        .then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)})))""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


async def wait_until(condition: Any, timeout: float = 30.0, what: str = "") -> Any:
    import asyncio
    deadline = time.monotonic() + timeout
    while True:
        result = await condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        await asyncio.sleep(0.05)


def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

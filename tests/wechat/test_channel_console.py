"""The staff console in Debian's chromium (Playwright's async API, beside the
in-process gateway): a case from WeChat shows its channel and nickname, and a
person WeChat cannot reach any more is flagged in the queue and in the case,
with why and that a call is the way; the flag goes when the person writes."""
from __future__ import annotations

import time

import pytest

from channels.wechat.setup import WECHAT
from tests.handoff.conftest import PASSWORD
from tests.wechat.gateway import Follower
from tests.wechat.test_channel_events import staff_of
from tests.wechat.test_channel_staff import HOURS_49, Case
from tests.wechat.test_channel_text import eventually, wait_for
from tests.wechat.wechat_peer import OPENID

playwright = pytest.importorskip("playwright.async_api")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


async def test_the_console_flags_a_person_wechat_cannot_reach(aiohttp_client, gateway,
                                                             fake_wechat):
    expect = playwright.expect
    fake_wechat.nicknames[OPENID] = "陈伯"
    person = Follower(gateway)
    await person.text("社保卡丢了")
    await wait_for(lambda: fake_wechat.calls("/cgi-bin/user/info"))
    await person.text("我要找真人")
    staff = await staff_of(aiohttp_client, gateway)
    (summary,) = await staff.cases()
    case = Case(staff, summary["id"])
    url = str(gateway.make_url("")).rstrip("/")

    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.set_default_timeout(20000)
            await page.goto(url + "/console/login")
            await page.fill("#username", "chan")
            await page.fill("#password", PASSWORD)
            await page.click("#login-button")
            await page.wait_for_url(url + "/console")
            item = page.locator(f'li.case[data-id="{case.id}"]')
            await item.click()
            await page.click("#claim")
            facts = page.locator("#case-summary")
            await expect(facts).to_contain_text("微信")
            await expect(facts).to_contain_text("陈伯")
            await expect(page.locator("#case-unreachable")).to_be_hidden()

            gateway.server.app[WECHAT].channel.clock = lambda: time.time() + HOURS_49
            await page.fill("#reply", "还在吗？")
            await page.click("#send")
            banner = page.locator("#case-unreachable")
            await expect(banner).to_be_visible()
            await expect(banner).to_contain_text("超过48小时")
            await expect(banner).to_contain_text("请打电话回访")
            await expect(item).to_contain_text("联系不上")
            await expect(page.locator("#transcript")).to_contain_text("微信发不出去了")

            await person.text("我还在")                    # the person writes: it goes
            await expect(banner).to_be_hidden()
            await expect(item).not_to_contain_text("联系不上")
            await eventually(lambda: _sent(fake_wechat, "还在吗？"))
        finally:
            await browser.close()


async def _sent(fake_wechat, text: str) -> bool:
    return any(content == text for _, content in fake_wechat.sent)

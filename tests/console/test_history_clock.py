"""The history's dates are the centre's days (staff_utc_offset), whatever the time zone of
the agent's browser: a case finished a minute ago is in the default search at every hour.

The centre's clock here is UTC+14 and the browser's Honolulu (UTC-10, no summer time): the
browser's calendar is always one day behind the centre's, so a page that took "today" from
the browser would search up to yesterday and miss the case."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from channels.gateway.app import create_app
from tests.console.conftest import ConsolePage, base_url
from tests.handoff.conftest import chat

CENTRE = timezone(timedelta(hours=14))


@pytest.fixture
def settings(make_settings):
    return make_settings(console_group_min_cases=0, limit_cases_per_source="0",
                         staff_utc_offset="+14:00")


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


async def test_me_says_today_on_the_centres_clock(client, staff_login):
    chan = await staff_login("chan")
    status, me = await chan.get("/console/api/me")
    assert status == 200
    assert me["today"] == datetime.fromtimestamp(time.time(), CENTRE).strftime("%Y-%m-%d")
    assert me["utc_offset"] == 14 * 3600


async def test_the_default_history_holds_a_case_just_finished(client, staff_login, browser):
    chan = await staff_login("chan")
    await chat(client, "ming", "我要找工作人员")
    case = await chan.case_of("ming")
    for step in ("claim", "close"):
        assert (await chan.post(f"/console/api/cases/{case['id']}/{step}"))[0] == 200
    console = await ConsolePage.open(browser, base_url(client), "chan",
                                     timezone="Pacific/Honolulu")
    page = console.page
    try:
        await page.click("#tab-history")
        today = datetime.fromtimestamp(time.time(), CENTRE)
        assert await page.input_value("#h-to") == today.strftime("%Y-%m-%d")
        month_ago = (today - timedelta(days=29)).strftime("%Y-%m-%d")
        assert await page.input_value("#h-from") == month_ago
        await page.locator("#history-rows tr").first.wait_for()
        assert await page.locator("#history-rows tr").count() == 1
        assert "找到 1 件" in await page.locator("#history-count").inner_text()
        # the row's time is the centre's too (Honolulu's calendar says the day before)
        began = datetime.fromtimestamp(case["created_at"], CENTRE)
        shown = f"{began.month}月{began.day}日 {began:%H:%M}"
        assert await page.locator("#history-rows tr td").first.inner_text() == shown
    finally:
        await console.context.close()

"""A link to one case — what a phone transfer hands the agent's screen
(`X-Kaifong-Case-Url: <console>/console/cases/<id>`) — opens the console on that case;
a case the phone put through to agents counts among the finished ones."""
from __future__ import annotations

import pytest

from channels.gateway.handoff import store
from channels.gateway.keys import DATABASE
from tests.console.conftest import ConsolePage, base_url
from tests.handoff.conftest import add_staff, chat, sender_id

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect


async def test_a_link_opens_the_console_on_its_case(client, settings, browser):
    await chat(client, "first-person", "我要找工作人员")
    await chat(client, "linked-person", "救命，我阿妈晕咗")
    cases = await client.get("/console/cases/1")
    assert cases.url.path == "/console/login"          # staff log in first
    db = client.server.app[DATABASE]
    linked = await db.run(store.live_case, sender_id("linked-person"))
    add_staff(settings, "chan")
    console = await ConsolePage.open(browser, base_url(client), "chan",
                                     path=f"/console/cases/{linked.id}")
    try:
        await expect(console.page.locator("#case-title")).to_contain_text(str(linked.id))
        await expect(console.page.locator("#case-summary")).to_contain_text("紧急情况")
        assert console.dialogs == [] and console.errors == []
    finally:
        await console.close()


async def test_a_transferred_case_is_among_the_finished_ones(client, settings, staff_login):
    await chat(client, "caller", "我要找工作人员")
    db = client.server.app[DATABASE]
    case = await db.run(store.live_case, sender_id("caller"))
    await db.run(store.move, case.id, ("waiting",), "transferred", 0.0)
    staff = await staff_login("chan")
    assert case.id in [c["id"] for c in await staff.cases("closed")]
    assert case.id not in [c["id"] for c in await staff.cases("open")]

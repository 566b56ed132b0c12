"""An agent's inbox that is fast to work, in the browser at 1440x900: a compact queue,
「下一位」 taking the urgent case first, the reply box in view after claiming, the case
summary with what the conversation established, canned replies, internal notes, transfer
to a colleague, closing without a browser dialog, the history of finished cases, the
alerts for new and urgent cases, and axe-core on every screen."""
from __future__ import annotations

import sqlite3
import time

import pytest

from channels.gateway.db import database_path
from tests.console.conftest import ConsolePage, axe_violations, base_url, wait_until
from tests.handoff.conftest import add_staff, chat, name_of, poll, sender_id

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect


def age_case(settings, sender: str, minutes: float) -> None:
    """Make a waiting case look as if it joined the queue `minutes` ago."""
    conn = sqlite3.connect(database_path(settings))
    try:
        then = time.time() - minutes * 60
        conn.execute("UPDATE cases SET waiting_since = ?, created_at = ? WHERE sender = ?",
                     (then, then, sender_id(sender)))
        conn.commit()
    finally:
        conn.close()


async def queue_of(client, count: int, settings) -> None:
    for i in range(count):
        await chat(client, f"person-{i:02d}", "我要找工作人员")
    age_case(settings, "person-00", 28)      # the longest wait
    age_case(settings, "person-01", 9)


async def test_next_takes_the_urgent_case_and_the_reply_box_is_in_view(
        client, settings, browser):
    await queue_of(client, 13, settings)
    await chat(client, "fallen", "救命，我阿妈晕咗")            # an emergency: urgent
    add_staff(settings, "chan")
    console = await ConsolePage.open(browser, base_url(client), "chan")
    page = console.page
    try:
        items = page.locator("li.case")
        await expect(items).to_have_count(14)
        visible = [await console.in_view(f'li.case:nth-child({n})') for n in range(1, 15)]
        assert sum(visible) >= 10, f"only {sum(visible)} cases in view at 1440x900"
        first = items.first
        await expect(first).to_contain_text("紧急")
        await expect(page.locator("li.case .wait.very-long")).to_contain_text("很久")
        await expect(page.locator("li.case .wait.long")).to_contain_text("较久")
        await expect(page.locator("#queue-figures")).to_contain_text("14 人")
        await expect(page.locator("#queue-figures")).to_contain_text("28 分钟")
        await console.screenshot("01-queue")
        assert await console.axe() == []

        await page.click("#next")
        await expect(page.locator("#case-title")).to_contain_text("案件")
        await expect(page.locator("#case-summary")).to_contain_text("紧急情况")
        await expect(page.locator("#reply-form")).to_be_visible()
        assert await console.in_view("#reply") and await console.in_view("#send")
        assert await page.evaluate("document.activeElement.id") == "reply"
        await console.screenshot("02-next-urgent-claimed")
        assert await console.axe() == []

        await page.click("#next")                                  # then the longest wait
        await expect(page.locator("#case-summary")).to_contain_text("主动要求找人")
        detail = await page.evaluate("fetch('/console/api/cases?state=all').then(r => r.json())")
        mine = [c for c in detail["cases"] if c["staff"] == "chan"]
        assert sorted(name_of(client, c["sender"]) for c in mine) == ["fallen", "person-00"]
        assert console.dialogs == [] and console.errors == [] and console.failed == []
    finally:
        await console.close()


async def test_the_case_shows_what_the_conversation_established_and_is_worked_in_the_page(
        client, settings, browser):
    from channels.gateway.keys import DATABASE
    from channels.gateway.ratings import add_rating
    # an earlier contact of the same person: a case closed, a low rating with a reason
    await chat(client, "elder", "我要找工作人员")
    add_staff(settings, "chan")
    add_staff(settings, "lee")
    db = client.server.app[DATABASE]
    elder = sender_id("elder")
    await db.run(add_rating, elder, 2, "senior_card", "api", "cmn", time.time() - 3600)
    await db.run(lambda conn: conn.execute(
        "UPDATE ratings SET reason = '等了很久，电话13812345678没人接' WHERE sender = ?", (elder,)))
    chan = await ConsolePage.open(browser, base_url(client), "chan")
    lee = await ConsolePage.open(browser, base_url(client), "lee")
    page = chan.page
    try:
        first = page.locator("li.case").first
        await first.click()
        await page.click("#close")
        await page.click("#close-confirm")
        await expect(page.locator("#notice")).to_contain_text("案件已结束")

        # the person asks about the senior card for a parent, gives the age in words,
        # then presses 3 on the menu (找工作人员)
        await chat(client, "elder", "长者卡怎么办")
        await chat(client, "elder", "2")
        await chat(client, "elder", "七十八岁")
        body = await chat(client, "elder", "3")
        assert body["handoff"]["state"] == "waiting"
        item = page.locator("li.case").first
        await expect(item).to_contain_text("长者卡")
        await expect(item).to_contain_text("3 找工作人员")       # the words they saw, not 「3」
        await item.click()
        summary = page.locator("#case-summary")
        await expect(summary).to_contain_text("帮家人办")
        await expect(summary).to_contain_text(
            "要办卡的人，满60岁了吗？ → 是：满60岁，可以办长者卡。（答：“七十八岁”）")
        await expect(summary).to_contain_text("“七十八岁”")       # what they asked last
        await expect(page.locator("#transcript")).to_contain_text("点的是“2 帮家人办”")
        await expect(page.locator("#transcript")).to_contain_text("点的是“3 找工作人员”")
        earlier = page.locator("#earlier")
        await expect(earlier).to_contain_text("已结束")
        await expect(earlier).to_contain_text("评价 2 分（不满意）")
        await expect(earlier).to_contain_text("138****5678")
        await expect(earlier).not_to_contain_text("13812345678")

        # claim; a canned reply goes into the box, in the person's language, and is sent
        await page.click("#claim")
        await expect(page.locator("#reply-form")).to_be_visible()
        assert await chan.in_view("#reply")
        await page.locator("#canned button", has_text="问好").click()
        await expect(page.locator("#reply")).to_have_value("您好，我是工作人员。请问有什么可以帮您？")
        await page.click("#send")
        await expect(page.locator("#transcript")).to_contain_text("请问有什么可以帮您")

        # an internal note: staff see it, the person never does
        await page.fill("#note", "已核对：是帮母亲办")
        await page.click("#add-note")
        await expect(page.locator("#notes")).to_contain_text("已核对：是帮母亲办")
        await chan.screenshot("03-case-summary-canned-note")
        assert await chan.axe() == []
        got = await poll(client, "elder")
        said = [m["text"] for m in got["messages"]]
        assert "您好，我是工作人员。请问有什么可以帮您？" in said
        assert not any("核对" in t for t in said)

        # transfer to lee: lee gets it, can reply; chan no longer can
        await page.select_option("#transfer-to", "lee")
        await page.click("#transfer")
        await expect(page.locator("#notice")).to_contain_text("已经转给 lee")
        await expect(page.locator("#reply-form")).to_be_hidden()
        await expect(page.locator("#transcript")).to_contain_text("chan 把案件转给 lee")
        lee_item = lee.page.locator("li.case").filter(has_text="接手：lee")
        await lee_item.click()
        await expect(lee.page.locator("#reply-form")).to_be_visible()
        await expect(lee.page.locator("#notes")).to_contain_text("已核对")
        # chan has the console open: lee's list of colleagues says so
        await expect(lee.page.locator("#transfer-to option", has_text="chan（在线）")).to_have_count(1)

        # close without a browser dialog: asked in the page, and can be taken back
        await lee.page.click("#close")
        await expect(lee.page.locator("#close-bar")).to_be_visible()
        await expect(lee.page.locator("#close-confirm")).to_be_focused()
        await lee.screenshot("04-close-asked-in-the-page")
        assert await lee.axe() == []
        await lee.page.click("#close-cancel")
        await expect(lee.page.locator("#close-bar")).to_be_hidden()
        await lee.page.click("#close")
        await lee.page.click("#close-confirm")
        await expect(lee.page.locator("#notice")).to_contain_text("案件已结束")
        await expect(lee.page.locator("li.case")).to_have_count(0)
        for console in (chan, lee):
            assert console.dialogs == [] and console.errors == [] and console.failed == []
        script = await page.evaluate("document.querySelector('script[src*=console]').src")
        source = await page.evaluate(f"fetch({script!r}).then(r => r.text())")
        assert "confirm(" not in source
    finally:
        await chan.close()
        await lee.close()


def backdate(settings, sender: str, days: float) -> None:
    age_case(settings, sender, days * 24 * 60)


async def finish_case(staff, sender: str, how: str = "close") -> None:
    case = await staff.case_of(sender)
    assert (await staff.post(f"/console/api/cases/{case['id']}/claim"))[0] == 200
    assert (await staff.post(f"/console/api/cases/{case['id']}/{how}"))[0] == 200


async def test_history_finds_finished_cases_by_date_service_channel_and_staff(
        client, settings, staff_login, browser):
    chan, lee = await staff_login("chan"), await staff_login("lee")
    for said in ("长者卡怎么办", "2", "七十八岁", "3"):
        await chat(client, "card", said)
    await finish_case(chan, "card")
    await chat(client, "plain", "我要找工作人员")
    await finish_case(lee, "plain", "handback")
    await chat(client, "old", "我要找工作人员")
    await finish_case(lee, "old")
    backdate(settings, "old", 40)
    await chat(client, "still", "我要找工作人员")          # open: not history
    console = await ConsolePage.open(browser, base_url(client), "chan")
    page = console.page
    try:
        await page.click("#tab-history")
        rows = page.locator("#history-rows tr")
        await expect(rows).to_have_count(2)                  # the last 30 days
        await expect(page.locator("#history-count")).to_contain_text("找到 2 件")
        await page.select_option("#h-service", "senior_card")
        await page.click("#h-search")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text("长者卡")
        await page.select_option("#h-service", "")
        await page.select_option("#h-staff", "lee")
        await page.click("#h-search")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text("已交回机器人")
        older = time.strftime("%Y-%m-%d", time.localtime(time.time() - 60 * 86400))
        await page.fill("#h-from", older)
        await page.click("#h-search")
        await expect(rows).to_have_count(2)                  # the old one too
        await page.select_option("#h-channel", "kiosk")
        await page.click("#h-search")
        await expect(rows).to_have_count(0)
        await page.select_option("#h-channel", "api")
        await page.click("#h-search")
        await expect(rows).to_have_count(2)
        await rows.first.click()
        await expect(page.locator("#case-title")).to_contain_text("案件")
        await expect(page.locator("#case-summary")).to_contain_text("lee")
        await console.screenshot("05-history")
        assert await console.axe() == []
        assert console.errors == [] and console.failed == []
    finally:
        await console.close()


async def test_new_and_urgent_cases_sound_and_notify_and_can_be_switched_off(
        client, settings, browser):
    add_staff(settings, "chan")
    console = await ConsolePage.open(browser, base_url(client), "chan")
    page = console.page
    await console.context.grant_permissions(["notifications"], origin=base_url(client))
    try:
        await page.click("#toggle-desktop")
        await expect(page.locator("#toggle-desktop")).to_have_attribute("aria-pressed", "true")
        await expect(page.locator("#toggle-sound")).to_have_attribute("aria-pressed", "true")
        alerts = "() => window.kaifongAlerts"
        await chat(client, "new-one", "我要找工作人员")
        await wait_until(lambda: page.evaluate(f"({alerts})().length === 1"), what="an alert")
        (first,) = await page.evaluate(alerts)
        assert (first["urgent"], first["sound"], first["desktop"]) == (False, True, True)
        await chat(client, "new-one", "救命，我阿妈晕咗")        # the same case turns urgent
        await wait_until(lambda: page.evaluate(f"({alerts})().length === 2"), what="urgent")
        second = (await page.evaluate(alerts))[1]
        assert second["urgent"] and second["title"].startswith("紧急案件")
        await page.click("#toggle-sound")
        await page.click("#toggle-desktop")
        await expect(page.locator("#toggle-sound")).to_have_attribute("aria-pressed", "false")
        await page.reload()
        await page.wait_for_selector("body[data-ready=true]")
        await expect(page.locator("#toggle-desktop")).to_have_attribute("aria-pressed", "false")
        await chat(client, "another", "我要找工作人员")
        await expect(page.locator("li.case")).to_have_count(2)
        quiet = await page.evaluate(alerts)
        assert quiet == [{"id": quiet[0]["id"], "urgent": False, "sound": False,
                          "desktop": False, "title": quiet[0]["title"]}]
    finally:
        await console.close()


async def test_admins_edit_canned_replies_and_every_screen_passes_axe(
        client, settings, browser):
    add_staff(settings, "boss", "admin")
    console = await ConsolePage.open(browser, base_url(client), "boss")
    page = console.page
    try:
        await page.click("#tab-admin")
        await expect(page.locator("#canned-rows tr")).to_have_count(5)
        await page.fill("#canned-title-input", "改时间")
        await page.fill("#canned-cmn", "可以改天再来办。")
        await page.fill("#canned-yue", "可以第二日再嚟办。")
        await page.click("#canned-save")
        await expect(page.locator("#canned-rows")).to_contain_text("可以第二日再嚟办。")
        await page.locator("#canned-rows tr", has_text="改时间").get_by_role("button", name="修改").click()
        await page.fill("#canned-yue", "听日再嚟办都得。")
        await page.click("#canned-save")
        await expect(page.locator("#canned-notice")).to_contain_text("已修改")
        await expect(page.locator("#canned-rows")).to_contain_text("听日再嚟办都得。")
        await expect(page.locator("#figures")).to_contain_text("只算已接手的")
        await console.screenshot("06-admin")
        assert await console.axe() == []

        # a Cantonese case gets the Cantonese text of the new reply
        await chat(client, "yue-person", "我想搵個真人同我講")
        await page.click("#tab-queue")
        await page.click("#next")
        await page.locator("#canned button", has_text="改时间").click()
        await expect(page.locator("#reply")).to_have_value("听日再嚟办都得。")
        assert console.errors == [] and console.failed == []

        login = await console.context.new_page()
        await console.context.clear_cookies()
        await login.goto(base_url(client) + "/console/login")
        await expect(login.locator("#login-form")).to_be_visible()
        assert await axe_violations(login) == []
        icon = await login.evaluate(
            "fetch('/console/static/favicon.svg').then(r => [r.status, r.headers.get('content-type')])")
        assert icon[0] == 200 and icon[1].startswith("image/svg+xml")
        href = await login.evaluate("document.querySelector('link[rel=icon]').href")
        assert href.endswith("/console/static/favicon.svg")
    finally:
        await console.close()

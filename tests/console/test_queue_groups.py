"""Issue 13 #2: a flood of cases from one source is one group row with a count, an admin
closes the group at once (asked in the page), the queue is paged so nothing is lost beyond
200, and an urgent case from a throttled source is marked, never folded away."""
from __future__ import annotations

import pytest

from channels.console.hub import CONSOLE_HUB
from tests.console.cases import Spec, flood, open_cases
from tests.console.conftest import ConsolePage, base_url
from tests.handoff.conftest import add_staff, origin

FLOOD, OTHER = "addr:aaaaaaaaaaaa", "kiosk:bbbbbbbbbbbb"


@pytest.fixture
def settings(make_settings):
    return make_settings(console_group_min_cases=3, limit_cases_per_source="0")


def a_flood_and_real_cases(settings) -> dict[str, int]:
    ids = open_cases(settings, *flood(FLOOD, 6),
                     Spec("fallen", source=FLOOD, urgent=True, throttled=True, minutes=2),
                     Spec("elder", source=OTHER, minutes=3), Spec("walk-in", minutes=4),
                     Spec("twin-1", source=OTHER, minutes=5))
    return {"fallen": ids[6], "elder": ids[7], "walk-in": ids[8], "twin-1": ids[9]}


async def test_a_flood_is_one_group_row_and_real_cases_stay_in_the_list(
        client, settings, staff_login):
    real = a_flood_and_real_cases(settings)
    chan = await staff_login("chan")
    status, body = await chan.get("/console/api/cases?grouped=1")
    assert status == 200
    assert [(g["source"], g["cases"], g["urgent"], g["throttled"]) for g in body["groups"]] == \
        [(FLOOD, 7, 1, 1)]
    listed = {c["id"]: c for c in body["cases"]}
    assert set(listed) == set(real.values())          # the urgent one too, not folded away
    assert listed[real["fallen"]]["throttled"] and listed[real["fallen"]]["urgent"]
    assert not listed[real["elder"]]["throttled"]
    assert body["total"] == 4 and body["counts"] == {"waiting": 10, "open": 10, "unclaimed": 10}
    status, body = await chan.get(f"/console/api/cases?state=open&source={FLOOD}")
    assert status == 200 and len(body["cases"]) == 7
    status, body = await chan.get("/console/api/cases")       # tools: every case, ungrouped
    assert len(body["cases"]) == 10 and body["groups"] == []
    assert (await chan.get("/console/api/cases?source=not%20a%20source"))[0] == 400


async def test_claimed_cases_stay_in_the_list_and_a_small_group_is_no_group(
        client, settings, staff_login):
    ids = open_cases(settings, *flood(FLOOD, 3))
    chan = await staff_login("chan")
    assert len((await chan.get("/console/api/cases?grouped=1"))[1]["groups"]) == 1
    assert (await chan.post(f"/console/api/cases/{ids[0]}/claim"))[0] == 200
    status, body = await chan.get("/console/api/cases?grouped=1")
    assert body["groups"] == [] and len(body["cases"]) == 3


async def test_an_admin_closes_a_group_at_once_and_staff_cannot(client, settings, staff_login):
    real = a_flood_and_real_cases(settings)
    (ring_back,) = open_cases(settings, Spec("ring-me", source=FLOOD, callback="13812345678"))
    chan, boss = await staff_login("chan"), await staff_login("boss", "admin")
    assert (await chan.post(f"/console/api/cases/{ring_back}/claim"))[0] == 200  # a number to ring
    flooded = [c["id"] for c in (await chan.get(f"/console/api/cases?source={FLOOD}"))[1]["cases"]
               if c["id"] != ring_back]
    assert (await chan.post(f"/console/api/cases/{flooded[0]}/claim"))[0] == 200   # being worked
    status, _ = await chan.post(f"/console/api/groups/{FLOOD}/close")
    assert status == 403
    status, body = await boss.post(f"/console/api/groups/{FLOOD}/close")
    assert status == 200 and sorted(body["closed"]) == sorted(flooded[1:])
    status, body = await chan.get("/console/api/cases?grouped=1")
    assert body["groups"] == []
    assert {c["id"] for c in body["cases"]} == {flooded[0], ring_back, real["elder"],
                                                real["walk-in"], real["twin-1"]}
    status, body = await chan.get(f"/console/api/cases/{ring_back}")   # claimed: it stays
    assert (body["state"], body["staff"]) == ("callback", "chan")
    assert (await boss.post("/console/api/groups/nonsense/close"))[0] == 400


async def test_the_queue_is_paged_so_nothing_is_lost_beyond_200(client, settings, staff_login):
    open_cases(settings, *[Spec(f"p{i:03d}", minutes=500 - i) for i in range(450)])
    chan = await staff_login("chan")
    first = (await chan.get("/console/api/cases"))[1]
    assert len(first["cases"]) == 200 and first["total"] == 450
    last = (await chan.get("/console/api/cases?offset=400"))[1]
    assert len(last["cases"]) == 50 and last["cases"][-1]["sender"].startswith("p4")
    seen = {c["id"] for offset in (0, 200, 400)
            for c in (await chan.get(f"/console/api/cases?offset={offset}"))[1]["cases"]}
    assert len(seen) == 450
    assert len((await chan.get("/console/api/cases?limit=1000"))[1]["cases"]) == 450
    for bad in ("limit=5000", "offset=-1", "limit=x"):
        assert (await chan.get(f"/console/api/cases?{bad}"))[0] == 400, bad


async def test_the_pushed_queue_is_grouped_and_says_how_many(client, settings, staff_login):
    a_flood_and_real_cases(settings)
    chan = await staff_login("chan")
    ws = await chan.client.ws_connect("/console/ws", headers={"Origin": origin(client)})
    try:
        assert (await ws.receive_json(timeout=15))["type"] == "hello"
        queue = await ws.receive_json(timeout=15)
        assert [g["cases"] for g in queue["groups"]] == [7]
        assert queue["total"] == 4 and len(queue["cases"]) == 4
        assert queue["counts"]["waiting"] == 10
    finally:
        await ws.close()


# --- in the page -----------------------------------------------------------------------------

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect


async def test_the_page_shows_the_group_opens_it_and_an_admin_closes_it(
        client, settings, browser):
    real = a_flood_and_real_cases(settings)
    add_staff(settings, "boss", "admin")
    console = await ConsolePage.open(browser, base_url(client), "boss")
    page = console.page
    try:
        group = page.locator("li.group")
        await expect(group).to_have_count(1)
        await expect(group).to_contain_text("同一来源")
        await expect(group).to_contain_text("7 件")
        await expect(group).to_contain_text("含紧急 1 件")
        await expect(page.locator("#queue > li.case")).to_have_count(4)
        fallen = page.locator(f'#queue > li.case[data-id="{real["fallen"]}"]')
        await expect(fallen).to_contain_text("紧急")
        await expect(fallen).to_contain_text("来源求助过多")
        await expect(page.locator("#queue-count")).to_contain_text("等待 10 人")
        await console.screenshot("20-queue-group")
        assert await console.axe() == []

        await group.get_by_role("button", name="展开看这 7 件").click()
        await expect(group.locator("li.case")).to_have_count(7)
        await expect(group.get_by_role("button", name="收起")).to_have_attribute(
            "aria-expanded", "true")
        await console.screenshot("21-queue-group-open")
        assert await console.axe() == []

        await group.get_by_role("button", name="结束这一组").click()
        await expect(page.locator("#group-bar")).to_be_visible()
        await expect(page.locator("#group-question")).to_contain_text("7 件")
        await expect(page.locator("#group-question")).to_contain_text("紧急的 1 件")
        assert await console.axe() == []
        await page.click("#group-cancel")                       # asked, and nothing happened
        await expect(page.locator("#group-bar")).to_be_hidden()
        await expect(group).to_have_count(1)
        await group.get_by_role("button", name="结束这一组").click()
        await page.click("#group-confirm")
        await expect(page.locator("li.group")).to_have_count(0)
        await expect(page.locator("#queue-notice")).to_contain_text("已结束同一来源的 7 件")
        await expect(page.locator("#queue > li.case")).to_have_count(3)
        assert console.dialogs == [] and console.errors == [] and console.failed == []
    finally:
        await console.close()


async def test_staff_see_the_group_without_the_close_and_the_page_shows_more_than_200(
        client, settings, browser):
    open_cases(settings, *[Spec(f"p{i:03d}", minutes=500 - i) for i in range(230)],
               *flood(FLOOD, 4))
    add_staff(settings, "chan")
    console = await ConsolePage.open(browser, base_url(client), "chan")
    page = console.page
    try:
        await expect(page.locator("li.group")).to_have_count(1)
        await expect(page.locator("li.group").get_by_role("button", name="结束这一组")).to_have_count(0)
        await expect(page.locator("#queue > li.case")).to_have_count(200)
        more = page.locator("#queue-more")
        await expect(more).to_contain_text("还有 30 件")
        await more.click()
        await expect(page.locator("#queue > li.case")).to_have_count(230)
        await expect(more).to_be_hidden()
        open_cases(settings, Spec("late-comer", minutes=0.1))    # a change is pushed
        client.server.app[CONSOLE_HUB].changed(None)
        await expect(page.locator("#queue > li.case")).to_have_count(231)   # the pages stay
        assert console.dialogs == [] and console.errors == [] and console.failed == []
    finally:
        await console.close()

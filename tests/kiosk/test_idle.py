"""Privacy between people, in a real chromium on the real stack: a kiosk left alone
asks 「还在吗？」 (on screen and aloud), waits, and then clears everything: the
screen, what was typed, the browser's storage, and the person's place in the queue;
the next person is someone new to the assistant."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.handoff.conftest import PASSWORD
from tests.kiosk.conftest import KioskPage, axe_violations, measure

pytestmark = pytest.mark.stack


def staff_cases(page, gateway) -> list[dict]:
    api = page.context.request
    login = api.post(gateway.url + "/console/login", data={"username": "lee", "password": PASSWORD},
                     headers={"Origin": gateway.url})
    assert login.ok, login.text()
    return api.get(gateway.url + "/console/api/cases?state=all").json()["cases"]


def test_a_kiosk_left_alone_is_cleared_for_the_next_person(browser, idle_gateway):
    kiosk = KioskPage(browser, idle_gateway.url).open()
    page = kiosk.page
    try:
        kiosk.tap("#script-hant")
        kiosk.tap("#pick-yue")
        kiosk.turn(lambda: kiosk.tap("#human"))
        expect(page.locator("#queue")).to_be_visible()
        # what a person could leave behind: half-typed words, something in storage
        page.fill("#say", "我個電話係")
        page.evaluate("localStorage.setItem('left', 'x'); sessionStorage.setItem('left', 'y')")

        expect(page.locator("#still")).to_be_visible(timeout=60000)
        expect(page.locator("#still-text")).to_have_text("仲喺度嗎？仲要用，請撳“我仲喺度”。")
        kiosk.wait_for(lambda: kiosk.messages("still_there"), what="the question")
        kiosk.wait_until_said(kiosk.messages("still_there")[-1])
        kiosk.screenshot("10-still-there")
        found = [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in axe_violations(kiosk)]
        found += measure(kiosk)["problems"]
        assert not found, found

        kiosk.tap("#still-here")                 # 「我仲喺度」: nothing is lost
        expect(page.locator("#still")).to_be_hidden()
        expect(page.locator("#queue")).to_be_visible()
        assert page.input_value("#say") == "我個電話係"

        expect(page.locator("#still")).to_be_visible(timeout=60000)
        expect(page.locator("#start")).to_be_visible(timeout=60000)   # nobody answered
        kiosk.screenshot("11-cleared")
        left = page.evaluate("""() => ({
            log: document.getElementById("log").children.length,
            typed: document.getElementById("say").value,
            storage: localStorage.length + sessionStorage.length,
            lang: document.documentElement.lang,
            text: document.body.innerText})""")
        assert (left["log"], left["typed"], left["storage"], left["lang"]) == (0, "", 0, "zh-Hans")
        for trace in ("你排第", "工作人員", "電話", "仲喺度"):
            assert trace not in left["text"], trace
        expect(page.locator("#talk")).to_be_hidden()
        expect(page.locator("#queue")).to_be_hidden()

        # nobody is left waiting for a person who has gone; the next person is new
        cases = staff_cases(page, idle_gateway)
        assert [c["state"] for c in cases] == ["cancelled"]
        assert cases[0]["channel"] == "kiosk"
        kiosk.tap("#pick-cmn")
        kiosk.turn(lambda: kiosk.tap("#human"))
        expect(page.locator("#queue-text")).to_contain_text("您排在第1位")
        cases = staff_cases(page, idle_gateway)
        assert sorted(c["state"] for c in cases) == ["cancelled", "waiting"]
        assert len({c["sender"] for c in cases}) == 2
        assert not kiosk.errors, kiosk.errors
    finally:
        kiosk.close()

"""The kiosk page in a real chromium on the real stack, by touch: an elder chooses
Cantonese in Traditional characters, taps through a service conversation, rates it
with a face, asks for a person, and a member of staff takes the case in the console
and answers. Every screen is audited (axe-core) and measured against the 适老化
rules, and photographed into tests/artifacts/kiosk/."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from channels.kiosk.setup import LOCATION_FACT
from tests.handoff.conftest import PASSWORD
from tests.kiosk.conftest import LOCATION, KioskPage, axe_violations, measure

pytestmark = pytest.mark.stack

STAFF_TEXT = "您好，我是工作人员，请问有什么可以帮您？"   # typed in Simplified


@pytest.fixture
def kiosk(browser, kiosk_gateway):
    page = KioskPage(browser, kiosk_gateway.url).open()
    yield page
    page.close()


class Audit:
    """axe-core (serious and critical) and the 适老化 measurements, screen by screen."""

    def __init__(self, kiosk: KioskPage) -> None:
        self.kiosk = kiosk
        self.found: list[str] = []

    def screen(self, name: str) -> None:
        self.kiosk.screenshot(name)
        for v in axe_violations(self.kiosk):
            self.found.append(f"{name}: axe {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}")
        measured = measure(self.kiosk)
        assert measured["texts"] > 0 and measured["targets"] > 0
        self.found.extend(f"{name}: {problem}" for problem in measured["problems"])

    def check(self) -> None:
        assert not self.found, "\n".join(self.found)


def test_cantonese_by_touch_through_a_service_to_a_person(kiosk, kiosk_gateway, browser):
    page, audit = kiosk.page, Audit(kiosk)
    audit.screen("01-start")
    expect(page.locator("#pick-cmn")).to_have_text("普通话")
    expect(page.locator("#pick-yue")).to_have_text("廣東話")
    expect(page.locator("#human")).to_be_visible()

    kiosk.tap("#script-hant")
    expect(page.locator("#choose-yue")).to_have_text("請揀語言。")
    expect(page.locator("#script-hant")).to_have_attribute("aria-pressed", "true")
    kiosk.tap("#pick-yue")
    expect(page.locator("#log .option").first).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "yue-Hant"
    expect(page.locator("#talk-label")).to_have_text("撳住講嘢")
    expect(page.locator("#location")).to_have_text("東山街長者服務中心一樓")
    expect(page.locator("#human")).to_be_visible()       # on every screen
    kiosk.wait_for(lambda: kiosk.answers_read() >= 1, what="the welcome, read aloud")
    assert int(page.evaluate("document.body.dataset.speechBytes")) > 16000   # the page got it
    audit.screen("02-welcome")

    # a service conversation with the option buttons
    kiosk.tap_option("長者卡")
    expect(page.locator("#log .option")).to_have_count(3)
    expect(page.locator(".msg.bot").last).to_contain_text("你係幫自己辦")
    spoken = kiosk.answers_read()
    kiosk.tap_option("幫自己辦")
    kiosk.tap_number(1)                        # 「1 係」: yes, 60 or over
    expect(page.locator(".msg.bot").filter(has_text="身份證")).to_have_count(1)
    kiosk.wait_for(lambda: kiosk.answers_read() > spoken, what="the answer, read aloud")
    audit.screen("03-service")

    # 「講慢啲」: the same answer again, read more slowly
    normal = kiosk.last_audio()
    read = kiosk.answers_read()
    kiosk.type("講慢啲")
    kiosk.wait_for(lambda: kiosk.answers_read() > read, timeout=60, what="the slow answer")
    assert kiosk.last_audio() > normal * 1.2

    kiosk.tap_option("去邊度辦")
    expect(page.locator(".msg.bot").filter(has_text="地點")).not_to_have_count(0)
    kiosk.tap_option("搞掂")
    expect(page.locator(".face")).to_have_count(5)     # 好差评: five labelled faces
    expect(page.locator(".face").first).to_contain_text("5 非常滿意")
    audit.screen("04-rating")
    kiosk.tap_option("5 非常滿意")
    expect(page.locator(".msg.bot").filter(has_text="多謝你嘅評價")).to_have_count(1)

    # 「找工作人员」, always there: a case for staff, with the place in the queue
    kiosk.turn(lambda: kiosk.tap("#human"))
    expect(page.locator("#queue")).to_be_visible()
    # nobody at the console yet: the banner does not promise a person is on the way
    expect(page.locator("#queue-text")).to_have_text(re.compile(r"你排第\d+位，請等一等。"))
    audit.screen("05-queue")

    staff = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        staff.set_default_timeout(20000)
        staff.goto(kiosk_gateway.url + "/console")
        staff.fill("#username", "chan")
        staff.fill("#password", PASSWORD)
        staff.click("#login-button")
        staff.wait_for_url(kiosk_gateway.url + "/console")
        cases = staff.request.get(kiosk_gateway.url + "/console/api/cases").json()["cases"]
        # this page's case: the newest (a page closed by an earlier test may still be
        # leaving the queue, whatever order the tests run in)
        case = max((c for c in cases if c["channel"] == "kiosk" and c["state"] == "waiting"),
                   key=lambda c: c["id"])
        item = staff.locator(f'li.case[data-id="{case["id"]}"]')
        expect(item).to_contain_text("粤语·繁体")
        item.click()
        summary = staff.locator("#case-summary")
        expect(summary).to_contain_text("社区自助机")
        expect(summary).to_contain_text(LOCATION_FACT)
        expect(summary).to_contain_text(LOCATION)
        expect(staff.locator("#transcript")).to_contain_text("長者卡")
        staff.screenshot(path=str(kiosk.screenshot_path("06-console")))

        staff.click("#claim")
        expect(page.locator("#queue-text")).to_have_text("工作人員同緊你傾偈。")
        read = kiosk.answers_read()
        staff.fill("#reply", STAFF_TEXT)
        staff.click("#send")
        expect(page.locator(".msg.staff").last).to_have_text(
            re.compile("您好，我是工作人員，請問有什麼可以幫您？"))
        kiosk.wait_for(lambda: kiosk.answers_read() > read, what="the staff reply, read aloud")
        audit.screen("07-staff")

        kiosk.type("我想問長者卡要影相嗎")        # the elder's words go to staff, not the bot
        expect(staff.locator("#transcript")).to_contain_text("我想問長者卡要影相嗎")
        staff.click("#handback")
        expect(page.locator("#queue")).to_be_hidden()
        expect(page.locator(".msg.bot").filter(has_text="仲有咩事")).to_have_count(1)
    finally:
        staff.context.close()

    audit.check()
    outside = [url for url in kiosk.requests
               if not url.startswith((kiosk_gateway.url, "data:", "blob:"))]
    assert not outside, f"loaded from outside: {outside}"
    assert not kiosk.errors, kiosk.errors


def test_mandarin_in_simplified_and_a_tap_on_the_person_button_at_the_start(kiosk):
    page = kiosk.page
    kiosk.turn(lambda: kiosk.tap("#human"))      # straight from the start screen
    expect(page.locator("#queue-text")).to_have_text(re.compile(r"您排在第\d+位，请稍等。"))
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    expect(page.locator(".msg.user").last).to_contain_text("找工作人员")
    kiosk.turn(lambda: kiosk.tap("#queue-cancel"))    # the banner's own button
    expect(page.locator("#queue")).to_be_hidden()
    # 「再听一次」: the last answer plays again from the start
    expect(page.locator("body")).to_have_attribute("data-speaking", "no", timeout=30000)
    kiosk.tap("#replay")
    expect(page.locator("body")).to_have_attribute("data-speaking", "yes")
    kiosk.tap("#switch-language")                # 廣東話 from the conversation
    expect(page.locator("#talk-label")).to_have_text("揿住讲嘢")
    assert page.evaluate("document.documentElement.lang") == "yue-Hans"

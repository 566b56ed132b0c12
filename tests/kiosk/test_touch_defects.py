"""The defects a person who can only tap met at the kiosk (issue 12), each walked in a
real chromium on the real stack with no speech model: a second hand-over that
replayed the first; replies with nothing to tap; a switch of script or language that
left old words and buttons; a queue banner that let text through and contradicted
itself; an ID number that changed the service; 「办完了」 that did not end the walk;
faces still tappable after the rating. Screenshots go to tests/artifacts/kiosk/."""
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.handoff.conftest import PASSWORD
from tests.kiosk.conftest import KioskPage
from tests.kiosk.touch import SIZES, Screens, tap_label, wait_until

pytestmark = pytest.mark.stack


@pytest.fixture
def kiosk(browser, touch_gateway):
    width, height = SIZES["portrait"]
    page = KioskPage(browser, touch_gateway.url, width, height).open()
    yield page
    page.close()


class Staff:
    """A member of staff using the console's API, in a browser context of their own."""

    def __init__(self, browser: Any, gateway: Any) -> None:
        self.url = gateway.url
        self.context = browser.new_context()
        self.api = self.context.request
        login = self.api.post(self.url + "/console/login", headers={"Origin": self.url},
                              data={"username": "wong", "password": PASSWORD})
        assert login.ok, login.text()
        self.csrf = login.json()["csrf"]

    def cases(self) -> list[dict[str, Any]]:
        return self.api.get(self.url + "/console/api/cases?state=all").json()["cases"]

    def post(self, path: str, body: dict[str, Any] | None = None) -> None:
        resp = self.api.post(self.url + path, data=body or {}, headers={
            "Origin": self.url, "X-CSRF-Token": self.csrf})
        assert resp.ok, resp.text()

    def close(self) -> None:
        self.context.close()


def new_case(staff: Staff, known: set[int]) -> dict[str, Any]:
    return wait_until(lambda: next((c for c in staff.cases() if c["channel"] == "kiosk"
                                    and c["id"] not in known), None), what="a new kiosk case")


def texts_of(kiosk: KioskPage, selector: str) -> list[str]:
    return kiosk.page.locator(selector).all_inner_texts()


def test_a_second_hand_over_shows_only_its_own_messages(kiosk, browser, touch_gateway):
    page, screens = kiosk.page, Screens(kiosk, "defect2")
    staff = Staff(browser, touch_gateway)
    try:
        known = {c["id"] for c in staff.cases()}
        kiosk.tap("#pick-cmn")
        tap_label(kiosk, "长者卡")
        kiosk.turn(lambda: kiosk.tap("#human"))
        first = new_case(staff, known)
        staff.post(f"/console/api/cases/{first['id']}/claim")
        expect(page.locator(".msg").filter(has_text="工作人员来了")).to_have_count(1)
        staff.post(f"/console/api/cases/{first['id']}/messages", {"text": "您好，我是小王。"})
        expect(page.locator(".msg.staff")).to_have_count(1)
        screens.check("with-staff", choices=False, forward=False)
        staff.post(f"/console/api/cases/{first['id']}/handback")
        expect(page.locator("#queue")).to_be_hidden()
        expect(page.locator(".msg.bot").filter(has_text="还有什么事")).to_have_count(1)
        screens.check("handed-back")                             # something to tap again

        tap_label(kiosk, "社保卡")                                # a new question, by touch
        kiosk.turn(lambda: kiosk.tap("#human"))                   # and a person again
        second = new_case(staff, known | {first["id"]})
        assert second["state"] == "waiting" and second["service"] == "social_security_card"
        expect(page.locator("#queue-text")).to_contain_text("您排在第")
        kiosk.type("我再等一下")                                   # time for anything stale
        screens.check("second-wait", choices=False)
        assert len(texts_of(kiosk, ".msg:has-text('工作人员来了')")) == 1
        assert texts_of(kiosk, ".msg.staff .text") == ["您好，我是小王。"]
        assert len(texts_of(kiosk, ".msg:has-text('还有什么事')")) == 1
        assert len(kiosk.messages("staff")) == 3   # joined, the reply, handed back: once each
        screens.assert_clean()
    finally:
        staff.close()


def test_no_reply_leaves_only_words_to_say(kiosk, browser, touch_gateway):
    """After a switch of script, a cancelled wait, 「问别的事」, a rating and 「重新开始」
    there is always something to tap, and no prompt asks to speak; numbers have a pad."""
    page, screens = kiosk.page, Screens(kiosk, "defect3")
    kiosk.tap("#pick-cmn")
    tap_label(kiosk, "长者卡")
    kiosk.tap("#script-hant")
    expect(page.locator("#log")).to_contain_text("長者卡")
    screens.check("script-switched")
    kiosk.turn(lambda: kiosk.tap("#human"))
    expect(page.locator("#queue-cancel")).to_have_text("取消等待")
    expect(page.locator(".msg.bot").filter(has_text="“取消等待”")).to_have_count(1)
    # nobody at the console: a callback number, on the pad
    page.locator(".keypad-open").last.click()
    for key in "13812345678":
        page.locator(".key.digit").filter(has_text=re.compile(f"^{key}$")).click()
    screens.check("phone-pad")
    kiosk.turn(lambda: page.locator(".key.ok").click())
    expect(page.locator(".msg.user").last).to_contain_text("138****5678")
    expect(page.locator(".msg.bot").last).to_contain_text("138****5678")
    kiosk.turn(lambda: kiosk.tap("#queue-cancel"))
    expect(page.locator("#queue")).to_be_hidden()
    screens.check("wait-cancelled")
    tap_label(kiosk, "長者卡")
    tap_label(kiosk, "給自己辦")
    tap_label(kiosk, "不是")                                     # not 60 yet
    screens.check("not-eligible")
    tap_label(kiosk, "問別的事")
    screens.check("something-else")
    kiosk.type("重新開始")
    expect(page.locator(".msg.bot").filter(has_text="重新開始")).not_to_have_count(0)
    screens.check("restarted")
    screens.assert_clean()
    assert not kiosk.errors, kiosk.errors


def test_a_switch_redraws_the_screen_in_one_form(kiosk):
    page, screens = kiosk.page, Screens(kiosk, "defect6")
    kiosk.tap("#pick-cmn")
    tap_label(kiosk, "长者卡")
    kiosk.tap("#script-hant")
    expect(page.locator("#log .options").last).to_contain_text("給自己辦")
    log = page.inner_text("#log")
    assert "長者卡" in log and "长者卡" not in log and "给自己办" not in log
    screens.check("traditional")
    kiosk.tap("#switch-language")                             # 廣東話
    expect(page.locator(".msg.bot").filter(has_text="我之後同你講廣東話")).to_have_count(1)
    expect(page.locator("#log .options")).to_have_count(1)     # the old buttons are gone
    expect(page.locator("#log .options")).to_contain_text("幫屋企人辦")
    screens.check("cantonese")
    assert "揾" not in page.inner_text("body") and "搵工作人員" in page.inner_text("body")
    kiosk.tap("#script-hans")
    expect(page.locator("#log .options")).to_contain_text("帮屋企人办")
    body = page.inner_text("body")
    assert "搵" not in body and "揾工作人员" in body
    screens.check("simplified-cantonese")
    tap_label(kiosk, "帮屋企人办")
    expect(page.locator(".msg.bot").last).to_contain_text("够60岁未")
    screens.assert_clean()


def test_the_queue_banner_stands_apart_and_says_one_thing(browser, touch_gateway):
    for size in ("portrait", "phone"):
        width, height = SIZES[size]
        kiosk = KioskPage(browser, touch_gateway.url, width, height).open()
        page, screens = kiosk.page, Screens(kiosk, f"defect7-{size}")
        try:
            kiosk.tap("#script-hant")
            kiosk.tap("#pick-yue")
            tap_label(kiosk, "長者卡")
            kiosk.turn(lambda: kiosk.tap("#human"))
            banner = page.locator("#queue")
            expect(banner).to_be_visible()
            expect(page.locator("#queue-text")).to_have_text(re.compile(r"你排第\d+位，請等一等。"))
            expect(page.locator("#queue-cancel")).to_have_text("唔等喇")
            told = page.inner_text("#log") + page.inner_text("#queue")
            assert "好快嚟" not in told and "“唔等喇”" in told and "取消" not in told
            for top in (0, 10 ** 6):                              # scrolled either way
                page.evaluate(f"document.getElementById('main').scrollTop = {top}")
                main = page.locator("#main").bounding_box()
                box = banner.bounding_box()
                assert main["y"] >= box["y"] + box["height"] - 1, "the talk scrolls under it"
            screens.check("waiting", choices=False)
            screens.assert_clean()
        finally:
            kiosk.close()


def test_numbers_are_answers_and_done_ends_every_menu(kiosk, browser, touch_gateway):
    page, screens = kiosk.page, Screens(kiosk, "defect8")
    staff = Staff(browser, touch_gateway)
    try:
        known = {c["id"] for c in staff.cases()}
        kiosk.tap("#pick-cmn")
        tap_label(kiosk, "长者卡")
        tap_label(kiosk, "给自己办")
        kiosk.type("440106195001011234")                      # an ID card at the age question
        expect(page.locator(".msg.user").last).to_contain_text("4401**********1234")
        expect(page.locator(".msg.bot").filter(has_text="满60岁，可以办长者卡")).to_have_count(1)
        expect(page.locator("#log")).not_to_contain_text("换领或补领")   # not the ID card service
        screens.check("id-number")
        kiosk.turn(lambda: kiosk.tap("#human"))
        assert new_case(staff, known)["service"] == "senior_card"
        kiosk.turn(lambda: kiosk.tap("#queue-cancel"))

        tap_label(kiosk, "长者卡")
        tap_label(kiosk, "给自己办")
        tap_label(kiosk, "不是")
        expect(page.locator("#log .options").last).to_contain_text("没有了，办完了")
        kiosk.type("办完了")                                      # on the not-eligible menu
        expect(page.locator(".msg.bot").filter(has_text="祝您办事顺利")).to_have_count(1)
        expect(page.locator(".face")).to_have_count(5)
        screens.check("done-not-eligible")
        page.locator(".face").first.dblclick()                    # a second tap counts once
        expect(page.locator(".msg.bot").filter(has_text="谢谢您的评价")).to_have_count(1)
        expect(page.locator(".face")).to_have_count(0)
        assert [m["text"] for m in kiosk.sent if isinstance(m, dict)
                and m.get("type") == "text"].count("5") == 1

        tap_label(kiosk, "长者卡")                                 # and after the offer of a person
        kiosk.type("今天天气怎么样")
        kiosk.type("讲个笑话听听")
        expect(page.locator("#log .options").last).to_contain_text("不用，我再说一次")
        kiosk.type("办完了")
        expect(page.locator(".msg.bot").filter(has_text="祝您办事顺利")).to_have_count(2)
        expect(page.locator(".msg.bot").filter(has_text="第一步")).to_have_count(0)
        screens.check("done-offer")
        screens.assert_clean()
    finally:
        staff.close()

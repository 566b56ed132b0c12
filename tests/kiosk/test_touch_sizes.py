"""A person who can only tap (no speech model: no microphone button), at the three
kiosk sizes: a portrait kiosk (1080 x 1920), a landscape kiosk (1920 x 1080) and a
phone (390 x 844, also WeChat's browser). Each walks a service from a button to 完成,
rates it low and gives the reason, which the gateway keeps. On every screen: nothing
wider than the screen, the newest choices whole in view, a way forward to tap, no
prompt that asks to speak, axe-core and the 适老化 measures clean. Screenshots go to
tests/artifacts/kiosk/ (issue 12)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.kiosk.conftest import KioskPage
from tests.kiosk.touch import (CHOICES_IN_VIEW, SIZES, Screens, ratings, step_name, tap_label,
                               wait_until, walk_to_done)

pytestmark = pytest.mark.stack


def open_kiosk(browser, gateway, size: str) -> KioskPage:
    width, height = SIZES[size]
    return KioskPage(browser, gateway.url, width, height).open()


def reason_of(gateway, sender_reason: str) -> dict:
    database = gateway.run_dir / "kaifong.sqlite3"
    return wait_until(lambda: next((r for r in ratings(database)
                                    if r["reason"] and sender_reason in r["reason"]), None),
                      what=f"the reason {sender_reason!r} in the ratings table")


def test_portrait_kiosk_by_touch_with_an_age_on_the_number_pad(browser, touch_gateway):
    kiosk = open_kiosk(browser, touch_gateway, "portrait")
    page, screens = kiosk.page, Screens(kiosk, "portrait")
    try:
        expect(page.locator("#intro")).to_have_text("我可以帮您问社保、医保、长者卡这些事。")
        expect(page.locator("#start-services .option")).to_have_count(5)
        screens.check("start", choices=False)
        kiosk.tap("#pick-cmn")
        expect(page.locator("#talk-button")).to_be_hidden()     # no speech model: touch only
        expect(page.locator("#log .options").last).to_contain_text("长者卡")
        expect(page.locator("#log")).not_to_contain_text("按住")
        screens.check("welcome")
        tap_label(kiosk, "长者卡")
        screens.check("who")
        tap_label(kiosk, "给自己办")
        screens.check("age")
        # the age on the number pad, instead of 是/不是
        page.locator(".keypad-open").last.click()
        for key in ("7", "8"):
            page.locator(".key.digit").filter(has_text=key).click()
        expect(page.locator(".pad-shown")).to_have_text("78")
        screens.check("age-pad")
        kiosk.turn(lambda: page.locator(".key.ok").click())
        expect(page.locator(".msg.user").last).to_have_text("您说78")
        expect(page.locator(".msg.bot").filter(has_text="满60岁，可以办长者卡")).to_have_count(1)
        screens.check("materials")
        kiosk.turn(lambda: kiosk.tap("#done"))                  # 完成, at the bottom
        expect(page.locator(".face")).to_have_count(5)
        screens.check("rating")
        tap_label(kiosk, "1 非常不满意")
        expect(page.locator(".face")).to_have_count(0)           # rated: the faces are gone
        expect(page.locator(".msg.bot").last).to_contain_text("不想说")
        screens.check("reason")
        kiosk.type("字太小，看不清")
        expect(page.locator(".msg.bot").filter(has_text="谢谢您告诉我们")).to_have_count(1)
        expect(page.locator(".msg.bot").filter(has_text="慢慢说")).to_have_count(0)
        screens.check("thanks")
        row = reason_of(touch_gateway, "字太小")
        assert (row["score"], row["service"], row["channel"]) == (1, "senior_card", "kiosk")
        screens.assert_clean()
        assert not kiosk.errors, kiosk.errors
    finally:
        kiosk.close()


def test_landscape_kiosk_uses_the_width_and_keeps_the_choices_above_the_fold(browser,
                                                                             touch_gateway):
    kiosk = open_kiosk(browser, touch_gateway, "landscape")
    page, screens = kiosk.page, Screens(kiosk, "landscape")
    try:
        screens.check("start", choices=False)
        # a service straight from the start screen
        kiosk.turn(lambda: page.locator("#start-services .option")
                   .filter(has_text="养老金资格认证").click())
        screens.check("who")
        answer, options = (page.locator(".msg.has-choices").last.locator(".text"),
                           page.locator(".msg.has-choices").last.locator(".options"))
        assert options.bounding_box()["x"] >= answer.bounding_box()["x"] + \
            answer.bounding_box()["width"] - 1, "the choices stand beside the answer"
        walk_to_done(kiosk, lambda tapped: screens.check(step_name(tapped)))
        expect(page.locator(".face")).to_have_count(5)
        tap_label(kiosk, "2 不满意")
        screens.check("reason")
        kiosk.type("等了很久，没人理我")
        expect(page.locator(".msg.bot").filter(has_text="谢谢您告诉我们")).to_have_count(1)
        screens.check("thanks")
        row = reason_of(touch_gateway, "没人理我")
        assert (row["score"], row["service"]) == (2, "pension_certification")
        screens.assert_clean()
        assert not kiosk.errors, kiosk.errors
    finally:
        kiosk.close()


def test_a_phone_shows_the_conversation_first(browser, touch_gateway):
    kiosk = open_kiosk(browser, touch_gateway, "phone")
    page, screens = kiosk.page, Screens(kiosk, "phone")
    page.emulate_media(reduced_motion="reduce")   # the newest answer comes into view at once
    try:
        screens.check("start", choices=False)
        kiosk.tap("#script-hant")
        kiosk.tap("#pick-yue")
        expect(page.locator("#log .options").last).to_contain_text("更多服務")
        screens.check("welcome")
        heights = page.evaluate("""() => ({bar: document.querySelector(".bar").offsetHeight,
            footer: document.getElementById("controls").offsetHeight,
            main: document.getElementById("main").clientHeight})""")
        assert heights["bar"] <= 160 and heights["footer"] <= 170, heights
        assert heights["main"] >= 844 * 0.6, heights           # the conversation first
        # every service by touch: 更多服务 at the bottom, a group, the service
        kiosk.turn(lambda: kiosk.tap("#more"))
        screens.check("more")
        tap_label(kiosk, "睇病同醫保")
        screens.check("group")
        tap_label(kiosk, "醫保報銷")
        assert page.evaluate(CHOICES_IN_VIEW) is True, "reduced motion: no scrolling to wait for"
        screens.check("who")
        walk_to_done(kiosk, lambda tapped: screens.check(step_name(tapped)))
        screens.check("rating")
        tap_label(kiosk, "1 非常唔滿意")
        kiosk.type("個字太細，睇唔到")
        expect(page.locator(".msg.bot").filter(has_text="多謝你話俾我哋知")).to_have_count(1)
        screens.check("thanks")
        row = reason_of(touch_gateway, "字太细")
        assert (row["score"], row["service"], row["language"]) == (1, "medical_reimbursement",
                                                                   "yue")
        screens.assert_clean()
        assert not kiosk.errors, kiosk.errors
    finally:
        kiosk.close()

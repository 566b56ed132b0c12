"""Talking to the kiosk page: chromium's fake microphone plays Korean speech (the
only real vosk model on this machine is the Korean test model, standing in the
Mandarin slot), the page's AudioWorklet streams 16-bit PCM over the websocket, the
gateway's recogniser sends live partials and the words, and the words are the turn."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.kiosk.conftest import KioskPage, axe_violations, measure

pytestmark = pytest.mark.stack


def heard_the_word(text: str) -> bool:
    """Speech from the fake microphone came back as Korean words. Chromium loops the
    file and a tap can start mid-word, so which syllables are heard varies (「이어 요」 for
    「여보세요」); exact recognition is tested in tests/voice with whole files."""
    said = text.replace(" ", "")
    hangul = [c for c in said if "\uac00" <= c <= "\ud7a3"]
    return len(hangul) >= 2 and len(hangul) == len(said)


def audio_sent(kiosk: KioskPage) -> int:
    return sum(x for x in kiosk.sent if isinstance(x, int))


def open_in_mandarin(browser, gateway) -> KioskPage:
    """A fresh page: its microphone opens at the first press, so chromium's fake
    microphone plays the test file from its start (silence, then the word)."""
    kiosk = KioskPage(browser, gateway.url).open()
    kiosk.tap("#pick-cmn")
    expect(kiosk.page.locator("#log .option").first).to_be_visible()
    return kiosk


def test_tap_to_talk(browser, kiosk_gateway):
    kiosk = open_in_mandarin(browser, kiosk_gateway)
    page = kiosk.page
    try:
        page.locator("#talk-button").click()      # a tap: listening until the person pauses
        expect(page.locator("body")).to_have_class(re.compile(r"\blistening\b"))
        expect(page.locator("#talk-label")).to_have_text("正在听，说完再按一下。")
        expect(page.locator("#heard")).to_be_visible()
        kiosk.screenshot("08-listening")
        found = [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in axe_violations(kiosk)]
        found += measure(kiosk)["problems"]
        assert not found, found
        kiosk.wait_for(lambda: kiosk.messages("user"), timeout=40, what="the words heard")
        heard = kiosk.messages("user")[-1]["text"]
        assert heard_the_word(heard), heard
        assert kiosk.messages("partial"), "no live partial transcript"
        assert audio_sent(kiosk) > 16000, "the microphone's audio did not reach the gateway"
        start = next(m for m in kiosk.sent if isinstance(m, dict) and m.get("type") == "mic_start")
        assert 8000 <= start["rate"] <= 48000
        expect(page.locator(".msg.user .text").last).to_have_text(heard)
        page.locator(".thinking").wait_for(state="detached")
        expect(page.locator("body")).not_to_have_class(re.compile(r"\blistening\b"))
        expect(page.locator("#talk-label")).to_have_text("按住说话")
        kiosk.wait_until_said(kiosk.messages("reply")[-1])   # the answer, read aloud
        kiosk.screenshot("09-heard")
        assert not kiosk.errors, kiosk.errors
    finally:
        kiosk.close()


def test_hold_to_talk(browser, kiosk_gateway):
    kiosk = open_in_mandarin(browser, kiosk_gateway)
    page = kiosk.page
    try:
        button = page.locator("#talk-button").bounding_box()
        page.mouse.move(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
        page.mouse.down()
        expect(page.locator("#talk-label")).to_have_text("正在听，说完松手。")
        kiosk.wait_for(lambda: kiosk.messages("partial"), what="the word, heard live")
        page.wait_for_timeout(1500)                  # the pause after it does not end a hold
        assert not kiosk.messages("user")
        page.mouse.up()
        kiosk.wait_for(lambda: kiosk.messages("user"), timeout=40, what="the words heard")
        heard = kiosk.messages("user")[-1]["text"]
        assert heard_the_word(heard), heard
        assert not kiosk.errors, kiosk.errors
    finally:
        kiosk.close()

"""On the real stack (Rasa, actions, gateway) and in a real browser (Debian's
chromium driven by Playwright): a Cantonese Traditional user asks for a person,
staff log in, claim, reply in Simplified, hand back, and close."""
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.handoff.conftest import PASSWORD
from tests.integration.helpers import (Console, Conversation, assert_traditional, get,
                                       wait_until)

pytestmark = pytest.mark.stack

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STAFF_TEXT = "您好，我是工作人员，请问有什么可以帮您？"   # typed in Simplified


def messages_for(user: Conversation, after: int = 0) -> dict:
    status, body = get(f"{user.base_url}/api/chat/messages?after={after}&timeout=15",
                       timeout=30, headers=user.headers)
    assert status == 200, body
    return body


def messages_since(user: Conversation, after: int) -> list[dict]:
    """Everything after `after`, read without waiting (re-reading does not lose anything:
    unacknowledged messages come again)."""
    status, body = get(f"{user.base_url}/api/chat/messages?after={after}&timeout=0",
                       timeout=30, headers=user.headers)
    assert status == 200, body
    return body["messages"]


def test_a_person_asking_for_a_human_waits_with_a_place_and_the_list_needs_a_login(base_url):
    user = Conversation(base_url)
    body = user.say("我想搵個真人同我講")
    assert body["handoff"]["state"] == "waiting"
    assert isinstance(body["handoff"]["position"], int) and body["handoff"]["position"] >= 1
    assert "工作人員" in user.text and f"你排第{body['handoff']['position']}位" in user.text
    assert_traditional(user.text)
    status, body = get(base_url + "/console/api/cases")
    assert status == 401 and "cases" not in body


def case_id_of(page, base_url: str, sender: str) -> int:
    """The sender's open case as the console lists it."""
    def found() -> list[int]:
        cases = page.request.get(base_url + "/console/api/cases").json()["cases"]
        return [c["id"] for c in cases if c["sender"] == sender]
    return wait_until(found, what=f"a case for {sender} in the console")[0]


def test_staff_take_a_cantonese_case_in_the_browser(base_url, stack_admin):
    user = Conversation(base_url)
    body = user.say("我想搵個真人同我講")
    assert (body["language"], body["script"]) == ("yue", "hant")
    assert body["handoff"]["state"] == "waiting"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(20000)
            dialogs = []                          # closing asks in the page, never a dialog
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(base_url + "/console")
            expect(page).to_have_url(re.compile(r"/console/login$"))
            page.fill("#username", stack_admin)
            page.fill("#password", PASSWORD)
            page.click("#login-button")
            page.wait_for_url(base_url + "/console")

            # the case is in the live queue, with its summary and transcript
            case_id = case_id_of(page, base_url, user.sender)
            item = page.locator(f'li.case[data-id="{case_id}"]')
            expect(item).to_contain_text("粤语·繁体")
            item.click()
            expect(page.locator("#case-title")).to_contain_text(f"案件 {case_id}")
            expect(page.locator("#transcript")).to_contain_text("我想搵個真人同我講")

            # claim, reply in Simplified: the user reads Traditional Cantonese script
            page.click("#claim")
            expect(page.locator("#reply-form")).to_be_visible()
            page.fill("#reply", STAFF_TEXT)
            page.click("#send")
            expect(page.locator("#transcript")).to_contain_text(STAFF_TEXT)
            got = messages_for(user)
            while got["messages"][-1]["from"] != "staff":
                got = messages_for(user, got["last_id"])
            assert got["messages"][-1]["text"] == "您好，我是工作人員，請問有什麼可以幫您？"
            assert_traditional(got["messages"][-1]["text"])
            assert got["handoff"]["state"] == "with_staff"

            # the user's answer reaches the console, not the bot
            body = user.say("我想問下長者卡要帶咩")
            assert body["messages"] == [] and body["handoff"]["state"] == "with_staff"
            expect(page.locator("#transcript")).to_contain_text("我想問下長者卡要帶咩")

            # hand back: the bot greets and answers again
            page.click("#handback")
            expect(page.locator("#notice")).to_contain_text("交回机器人")
            got = messages_for(user, got["last_id"])
            assert got["messages"][-1]["text"] == "你好，我係街坊助手。仲有咩事？"
            body = user.say("長者卡點樣辦")
            assert body["handoff"] is None and body["messages"]

            # a second request, closed by staff: the person gets this case's notices only
            assert user.say("我想搵個真人同我講")["handoff"]["state"] == "waiting"
            second = case_id_of(page, base_url, user.sender)
            assert second != case_id
            page.locator(f'li.case[data-id="{second}"]').click()
            page.click("#claim")
            expect(page.locator("#close")).to_be_visible()
            page.click("#close")
            page.click("#close-confirm")
            expect(page.locator("#notice")).to_contain_text("案件已结束")
            assert dialogs == []
            new = messages_since(user, got["last_id"])   # the close is stored
            assert [(m["from"], m["text"]) for m in new] == [
                ("assistant", "工作人員嚟咗，請講。"), ("assistant", "工作人員已經結束咗對話，多謝你！")]
            expect(page.locator(f'li.case[data-id="{second}"]')).to_have_count(0)

            page.click("#logout")
            page.wait_for_url(re.compile(r"/console/login$"))
        finally:
            browser.close()


def test_a_second_handoff_shows_only_the_new_staff_messages(base_url, stack_admin):
    staff = Console(base_url, stack_admin)
    user = Conversation(base_url)
    user.say("我要找工作人员")
    first = staff.case_of(user.sender)["id"]
    staff.act(first, "claim")
    staff.act(first, "messages", {"text": "您的社保卡已经补办好了"})
    staff.act(first, "handback")
    wait_until(lambda: [m for m in user.collect(timeout=10)["messages"]
                        if m["text"].startswith("您好，我是街坊助手")], what="the hand-back")
    assert user.collect()["messages"] == []           # all seen and acknowledged

    user.say("我还要找工作人员")                         # later, a second case
    second = staff.case_of(user.sender)["id"]
    assert second != first
    staff.act(second, "claim")
    staff.act(second, "messages", {"text": "请问还有什么要帮忙？"})
    fresh = Conversation(base_url)                     # the person's next client starts anew
    fresh.sender, fresh.token = user.sender, user.token   # (the same conversation)
    texts = [m["text"] for m in fresh.collect(timeout=10)["messages"]]
    assert texts == ["工作人员来了，请说。", "请问还有什么要帮忙？"]

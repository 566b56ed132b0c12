"""Every one of the services, by touch alone, on the portrait kiosk with no speech
model: 普通话, 更多服务, the group, the service, then the options on screen until
完成. Nothing typed; every screen keeps its newest choices in view, offers a way on,
never asks to speak and passes axe-core and the 适老化 measures (issue 12)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bot.catalog import catalog
from channels.kiosk.ui import GROUPS
from tests.kiosk.conftest import KioskPage
from tests.kiosk.touch import SIZES, Screens, step_name, tap_label, walk_to_done

pytestmark = pytest.mark.stack

CATALOG = catalog()
GROUP_NAMES = {"social": "社保和公积金", "medical": "看病和医保", "seniors": "长者和补助",
               "papers": "证件和入学", "work": "找工作和工伤", "help": "查进度和其他"}
SERVICES = [(group, service) for group, ids in GROUPS.items() for service in ids]


def test_the_groups_hold_every_service_once():
    assert sorted(s for _, s in SERVICES) == sorted(CATALOG) and len(SERVICES) == 24


@pytest.mark.parametrize("group, service", SERVICES)
def test_every_service_by_touch_to_done(browser, touch_gateway, group, service):
    width, height = SIZES["portrait"]
    kiosk = KioskPage(browser, touch_gateway.url, width, height).open()
    page, screens = kiosk.page, Screens(kiosk, f"all-{service}")
    name = CATALOG[service].text("name", "cmn")
    try:
        kiosk.tap("#pick-cmn")
        expect(page.locator("#log .options").last).to_contain_text("更多服务")
        tap_label(kiosk, "更多服务")
        tap_label(kiosk, GROUP_NAMES[group])
        screens.check("group")
        tap_label(kiosk, name)
        expect(page.locator(".msg.bot").filter(
            has_text=CATALOG[service].text("summary", "cmn"))).to_have_count(1)
        screens.check("who")
        tapped = walk_to_done(kiosk, lambda answer: screens.check(step_name(answer)))
        assert tapped[-1] == "没有了，办完了", tapped
        expect(page.locator(".face")).to_have_count(5)          # 完成: the rating
        assert page.input_value("#say") == ""                     # nothing was typed
        assert all(m.get("type") != "text" or m.get("title") or m["text"].isdigit()
                   for m in kiosk.sent if isinstance(m, dict)), "every turn was a tap"
        screens.assert_clean()
        assert not kiosk.errors, kiosk.errors
    finally:
        kiosk.close()

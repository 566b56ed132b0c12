"""Helpers for the touch-only browser tests (issue 12): the three kiosk sizes, a finger
walking a service from its button to 完成, and what every screen must be: nothing
wider than the screen, the newest choices whole in view, a way forward to tap, axe-core
and the 适老化 measures clean."""
from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable

from tests.kiosk.conftest import KioskPage, axe_violations, measure

SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080), "phone": (390, 844)}

# what a prompt must never ask of a person who can only tap
VOICE_ONLY = re.compile(r"请说数字|請說數字|讲个数字|講個數字|可以讲电话号码|可以講電話號碼|"
                        r"说电话号码|說電話號碼|直接说就行|直接說就行|直接讲就得|直接講就得")

WIDER = """() => {
  const width = document.documentElement.clientWidth, wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && (r.right > width + 0.5 || r.left < -0.5)) {
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className
                + " " + Math.round(r.left) + "-" + Math.round(r.right));
    }
  }
  return {wide: wide.slice(0, 10), scroll: document.documentElement.scrollWidth, width};
}"""

# the newest choices (options, faces, the number pad) whole inside the conversation's view
CHOICES_IN_VIEW = """() => {
  const main = document.getElementById("main").getBoundingClientRect();
  const all = document.querySelectorAll("#log .options, #log .rating, #log .keypad");
  if (!all.length) return null;
  const box = all[all.length - 1].getBoundingClientRect();
  return box.top >= main.top - 1 && box.bottom <= main.bottom + 1
      && box.bottom <= window.innerHeight && box.top >= 0;
}"""

WAY_FORWARD = """() => {
  const shown = (el) => el && !el.closest("[hidden]") && el.getBoundingClientRect().height > 0;
  const choices = [...document.querySelectorAll("#log .options button, #log .rating button, "
                                               + "#log .keypad button")].filter(shown);
  const nav = ["back", "more", "done"].map((id) => document.getElementById(id)).filter(shown);
  const cancel = shown(document.getElementById("queue-cancel"));
  return {choices: choices.length, nav: nav.length, cancel};
}"""


class Screens:
    """Every screen of a walk: photographed, audited and measured; problems collected."""

    def __init__(self, kiosk: KioskPage, prefix: str) -> None:
        self.kiosk, self.prefix = kiosk, prefix
        self.found: list[str] = []
        self.count = 0

    def check(self, name: str, choices: bool = True, forward: bool = True) -> None:
        """The screen as it is now, once the newest answer has scrolled into view.
        `forward`: the screen must offer a way on by touch (not while staff talk)."""
        page = self.kiosk.page
        self.count += 1
        label = f"{self.prefix}-{self.count:02d}-{name}"
        if choices:
            self.kiosk.wait_for(lambda: page.evaluate(CHOICES_IN_VIEW) is True, timeout=15,
                                what=f"{label}: the newest choices whole in view")
        settled(self.kiosk)
        self.kiosk.screenshot(label)
        wide = page.evaluate(WIDER)
        if wide["wide"] or wide["scroll"] > wide["width"]:
            self.found.append(f"{label}: wider than the screen: {wide}")
        ways = page.evaluate(WAY_FORWARD)
        if forward and not (page.is_visible("#start") or ways["cancel"]
                            or (ways["choices"] and ways["nav"] == 3)):
            self.found.append(f"{label}: no way forward by touch: {ways}")
        said = VOICE_ONLY.search(page.inner_text("#talk") if page.is_visible("#talk") else "")
        if said:
            self.found.append(f"{label}: a prompt asks to say: {said.group(0)}")
        for v in axe_violations(self.kiosk):
            self.found.append(f"{label}: axe {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}")
        self.found.extend(f"{label}: {p}" for p in measure(self.kiosk)["problems"])

    def assert_clean(self) -> None:
        assert not self.found, "\n".join(self.found)


def settled(kiosk: KioskPage) -> None:
    """Wait until the conversation has stopped scrolling (smooth scrolling takes a moment)."""
    seen: list[float] = []

    def still() -> bool:
        seen.append(kiosk.page.evaluate("document.getElementById('main').scrollTop"))
        return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]
    kiosk.wait_for(still, timeout=10, what="the conversation to stop scrolling")


def last_choices(kiosk: KioskPage) -> list[str]:
    """The words on the newest choices (option buttons and faces)."""
    boxes = kiosk.page.locator("#log .options, #log .rating")
    if boxes.count() == 0:
        return []
    return [t.strip() for t in boxes.last.locator("button").all_inner_texts()]


# How a finger answers each question of the walk: for whom, then yes, then 办完了
WALK = [("给自己办", "給自己辦", "帮自己办", "幫自己辦"), ("是", "系", "係"),
        ("没有了，办完了", "沒有了，辦完了", "冇嘢喇，搞掂", "没有了,办完了")]


def walk_to_done(kiosk: KioskPage, each: Callable[[str], Any] = lambda name: None,
                 turns: int = 8) -> list[str]:
    """Tap through the walk on screen until it is done (the rating, or its thanks);
    returns what was tapped."""
    tapped = []
    for _ in range(turns):
        if kiosk.page.locator("#log .rating").count():
            return tapped
        words = last_choices(kiosk)
        pick = next((w for answers in WALK for w in words if _label(w) in answers), None)
        assert pick is not None, f"nothing to tap towards 完成 in {words}"
        tap_label(kiosk, _label(pick))
        tapped.append(_label(pick))
        each(_label(pick))
        if "办完" in pick or "辦完" in pick or "搞掂" in pick:
            return tapped
    raise AssertionError(f"the walk did not reach 完成: {tapped}")


STEP_NAMES = {"给自己办": "self", "給自己辦": "self", "帮自己办": "self", "幫自己辦": "self",
              "是": "yes", "系": "yes", "係": "yes"}


def step_name(label: str) -> str:
    """A file name for the screen after tapping `label`."""
    return STEP_NAMES.get(label, "done")


def tap_label(kiosk: KioskPage, label: str) -> None:
    """Tap the newest choice whose words are exactly `label` (「是」 is not 「不是」)."""
    box = kiosk.page.locator("#log .options, #log .rating").last
    words = kiosk.page.locator(".label").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    kiosk.turn(box.locator("button").filter(has=words).first.click)


def _label(button_text: str) -> str:
    """「1\\n给自己办」 (number and label) → 给自己办."""
    return re.sub(r"^\d+\s*", "", button_text).strip()


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or condition}")


def ratings(database: Path) -> list[dict[str, Any]]:
    """The gateway's ratings table, as the operator would read it."""
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM ratings ORDER BY id")]

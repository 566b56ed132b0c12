"""The kiosk tests: the gateway app with a fake Rasa (fast, in-process), and the real
page in Debian's chromium (Playwright) on kiosk gateways that share the real stack's
Rasa and action server (tests/conftest.py) but have their own kiosk settings: the
Korean test model as the recogniser, a location, short idle times for the reset test.

Screenshots of every screen go to tests/artifacts/kiosk/ (git-ignored) for review."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from channels.tools.stack import ROOT
from tests.processes import Gateway
from tests.voice.conftest import KO_MODEL, espeak_audio
from voice import audio as au

ARTIFACTS = ROOT / "tests" / "artifacts" / "kiosk"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LOCATION = "东山街长者服务中心一楼"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Korean that espeak-ng says clearly enough for the small Korean model (tests/voice)
KO_WORD = "여보세요"


# --- kiosk gateways on the real stack ------------------------------------------------

@pytest.fixture(scope="session")
def kiosk_gateway(stack, tmp_path_factory) -> Iterator[Gateway]:
    """The kiosk as a service centre runs it, with the test recogniser."""
    gateway = Gateway(stack, tmp_path_factory.mktemp("kiosk"), asr_model_cmn=KO_MODEL,
                      kiosk_location=LOCATION)
    try:
        gateway.start()
        gateway.add_staff("chan")
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture(scope="session")
def touch_gateway(stack, tmp_path_factory) -> Iterator[Gateway]:
    """A kiosk without a speech model (no microphone button): a person can only tap."""
    run_dir = tmp_path_factory.mktemp("kiosk-touch")
    gateway = Gateway(stack, run_dir, asr_model_cmn=str(run_dir / "no-speech-model"),
                      kiosk_location=LOCATION)
    try:
        gateway.start()
        gateway.add_staff("wong")
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture(scope="session")
def idle_gateway(stack, tmp_path_factory) -> Iterator[Gateway]:
    """A kiosk that asks 「还在吗？」 after 3 quiet seconds and clears 3 seconds later."""
    # quick speech and a short welcome: the idle clock waits while the kiosk talks
    gateway = Gateway(stack, tmp_path_factory.mktemp("kiosk-idle"), kiosk_idle_seconds=3,
                      kiosk_idle_waiting_seconds=3, kiosk_idle_answer_seconds=3,
                      kiosk_location=LOCATION, kiosk_services="", tts_wpm_cmn=450,
                      tts_wpm_yue=450)
    try:
        gateway.start()
        gateway.add_staff("lee")
        yield gateway
    finally:
        gateway.stop()


# --- audio ---------------------------------------------------------------------------

def speech_wav(text: str = KO_WORD, lead: float = 1.5, tail: float = 2.5,
               rate: int = 16000) -> bytes:
    """espeak-ng speaking `text` between silences, as a 16-bit mono WAV."""
    speech = espeak_audio(text)
    samples = au.resample(speech.samples, speech.rate, rate)
    silence = np.zeros(int(lead * rate), dtype=np.float32), np.zeros(int(tail * rate),
                                                                      dtype=np.float32)
    return au.wav_bytes(au.float_to_pcm16(np.concatenate([silence[0], samples, silence[1]])),
                        rate)


@pytest.fixture(scope="session")
def fake_microphone(tmp_path_factory) -> Path:
    """What chromium's fake microphone plays, over and over: Korean, then quiet."""
    path = tmp_path_factory.mktemp("mic") / "speech.wav"
    path.write_bytes(speech_wav())
    return path


# --- the browser -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(fake_microphone):
    from playwright.sync_api import sync_playwright
    args = CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                            f"--use-file-for-fake-audio-capture={fake_microphone}"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=args)
        try:
            yield browser
        finally:
            browser.close()


class KioskPage:
    """One kiosk screen in the browser, with what went over its websocket."""

    def __init__(self, browser: Any, base_url: str, width: int = 1080, height: int = 1600) -> None:
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.page.set_default_timeout(30000)
        self.received: list[Any] = []       # JSON messages (dicts) and binary sizes (ints)
        self.sent: list[Any] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("websocket", self._socket)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _socket(self, ws: Any) -> None:
        ws.on("framereceived", lambda payload: self.received.append(_frame(payload)))
        ws.on("framesent", lambda payload: self.sent.append(_frame(payload)))

    def open(self) -> "KioskPage":
        self.page.goto(self.base_url + "/")
        self.page.locator("#pick-yue").wait_for()
        self.wait_for(lambda: any(m.get("type") == "hello" for m in self.messages()))
        return self

    def messages(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.received if isinstance(m, dict)
                and (kind is None or m.get("type") == kind)]

    def speech_bytes(self) -> int:
        return sum(m for m in self.received if isinstance(m, int))

    def wait_for(self, condition: Any, timeout: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"timed out waiting for {what or condition}")

    def turn(self, action: Any) -> None:
        """Do `action` (a tap, typing), then wait until its answer is on screen."""
        before = self.page.locator(".msg.user").count()
        action()
        self.page.locator(".msg.user").nth(before).wait_for()
        self.page.locator(".thinking").wait_for(state="detached")

    def tap(self, selector: str) -> None:
        self.page.locator(selector).click()

    def tap_option(self, title: str) -> None:
        """Tap the (latest) option button with these words, and wait for the answer."""
        self.turn(lambda: self.page.locator(".option, .face").filter(has_text=title).last.click())

    def tap_number(self, number: int) -> None:
        """Tap the (latest) option button numbered so, and wait for the answer."""
        button = self.page.locator(f'.option:has(.number:text-is("{number}"))').last
        self.turn(button.click)

    def type(self, text: str) -> None:
        def send() -> None:
            self.page.fill("#say", text)
            self.page.click("#send")
        self.turn(send)

    def last_audio(self) -> int:
        """Bytes of the last complete answer read aloud."""
        sizes, current = [], None
        for item in self.received:
            if isinstance(item, dict) and item.get("type") == "audio_start":
                current = 0
            elif isinstance(item, int) and current is not None:
                current += item
            elif isinstance(item, dict) and item.get("type") == "audio_end" and current is not None:
                sizes.append(current)
                current = None
        return sizes[-1] if sizes else 0

    def wait_until_said(self, message: dict[str, Any], timeout: float = 30.0) -> None:
        """Wait until the speech that followed `message` has been sent to its end."""
        def said() -> bool:
            after = self.received[self.received.index(message):]
            start = next((m for m in after if isinstance(m, dict)
                          and m.get("type") == "audio_start"), None)
            return start is not None and any(
                isinstance(m, dict) and m.get("type") == "audio_end" and m["id"] == start["id"]
                for m in after)
        self.wait_for(said, timeout, what=f"{message.get('type')} said aloud")

    def answers_read(self) -> int:
        return len(self.messages("audio_end"))

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(self.screenshot_path(name)))

    @staticmethod
    def screenshot_path(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        return ARTIFACTS / f"{name}.png"

    def close(self) -> None:
        self.context.close()


def _frame(payload: Any) -> Any:
    if isinstance(payload, (bytes, bytearray)):
        return len(payload)
    try:
        return json.loads(payload)
    except (TypeError, ValueError):
        return payload


# --- what the 适老化 rules ask, measured in the page ----------------------------------

MEASURE = """() => {
  const problems = [];
  const shown = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden"
      && el.closest("[hidden]") === null && !el.closest(".visually-hidden");
  };
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className ? "." + el.className.split(" ").join(".") : "");
  let texts = 0, targets = 0;
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own && el.tagName !== "INPUT") continue;
    texts += 1;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    const line = s.lineHeight === "normal" ? 0 : parseFloat(s.lineHeight);
    const a = luminance(rgb(s.color)), b = luminance(background(el));
    const contrast = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const text = (el.textContent || el.value || "").trim().slice(0, 20);
    if (size < 30) problems.push(`${name(el)} "${text}": font ${size}px`);
    if (line / size < 1.3 - 1e-6) 
      problems.push(`${name(el)} "${text}": line height ${line / size}`);
    if (contrast < 4.5) problems.push(`${name(el)} "${text}": contrast ${contrast.toFixed(2)}`);
  }
  for (const el of document.querySelectorAll("button, input, a[href], [role=button]")) {
    if (!shown(el)) continue;
    targets += 1;
    const r = el.getBoundingClientRect();
    if (r.width < 60 || r.height < 60) problems.push(`${name(el)}: target ${r.width}x${r.height}`);
  }
  return {problems, texts, targets};
}"""


def measure(kiosk: KioskPage) -> dict[str, Any]:
    return kiosk.page.evaluate(MEASURE)


def axe_violations(kiosk: KioskPage) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the screen as it is now."""
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run 'make setup' (npm ci)")
    kiosk.page.evaluate(AXE.read_text(encoding="utf-8"))
    found = kiosk.page.evaluate("""() => axe.run(document, {resultTypes: ["violations"]})
        .then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)})))""")
    return [v for v in found if v["impact"] in ("serious", "critical")]

"""The kiosk's side of the gateway, in-process with a fake Rasa: the page and its
headers, the websocket protocol (turns, speech out, microphone in with the real
Korean test model, staff messages, the queue), the idle reset, and bad input."""
from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import pytest

from bot.language import detect_script
from bot.settings import SettingsError, load_settings
from channels.gateway.app import create_app
from channels.gateway.handoff import store
from channels.gateway.keys import HANDOFF, PIPELINE
from channels.kiosk.idle import ASK, RESET, IdleWatch
from bot.textrules import join_cjk
from channels.kiosk.setup import LOCATION_FACT, STATIC
from channels.gateway.speaking import KEYPAD, spoken
from tests.kiosk.conftest import KO_WORD, LOCATION, speech_wav
from tests.voice.conftest import KO_MODEL
from tests.conftest import staff_queue
from voice import audio as au

STEP = 3200   # 100 ms of 16 kHz 16-bit audio, as the page's AudioWorklet sends


@pytest.fixture
def make_app(tmp_path, fake_rasa):
    def make(**overrides: Any):
        values = dict(rasa_url=fake_rasa.url, action_url=fake_rasa.url, rasa_timeout=5,
                      data_dir=str(tmp_path), asr_model_cmn=KO_MODEL, kiosk_location=LOCATION)
        values.update(overrides)
        return create_app(load_settings(env={}, **values))
    return make


@pytest.fixture
async def client(aiohttp_client, make_app):
    return await aiohttp_client(make_app())


class Socket:
    """The page's side of the websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seen: list[Any] = []     # JSON messages, and the sizes of binary ones
        self._taken: set[int] = set()

    async def send(self, **message: Any) -> None:
        await self.ws.send_json(message)

    async def _read(self) -> None:
        message = await self.ws.receive()
        if message.type == aiohttp.WSMsgType.BINARY:
            self.seen.append(len(message.data))
            return
        assert message.type == aiohttp.WSMsgType.TEXT, message
        self.seen.append(message.json())

    async def next(self, kind: str, timeout: float = 20.0) -> dict[str, Any]:
        """The first message of that type not taken yet (messages of different types
        may come in either order: staff notices and queue updates race)."""
        async with asyncio.timeout(timeout):
            while True:
                for i, body in enumerate(self.seen):
                    if i not in self._taken and isinstance(body, dict) and body["type"] == kind:
                        self._taken.add(i)
                        return body
                await self._read()

    async def speech(self, timeout: float = 30.0) -> int:
        """Bytes of the next answer read to its end (a newer answer interrupts one)."""
        end = await self.next("audio_end", timeout)
        assert end["error"] is None
        while (start := await self.next("audio_start", timeout))["id"] != end["id"]:
            pass
        first, last = self.seen.index(start), self.seen.index(end)
        return sum(x for x in self.seen[first:last] if isinstance(x, int))


async def connect(client, **headers: str) -> Socket:
    """A page of ours: a browser always says where its page came from."""
    headers.setdefault("Origin", f"http://{client.host}:{client.port}")
    socket = Socket(await client.ws_connect("/kiosk/ws", headers=headers))
    hello = await socket.next("hello")
    assert hello["started"] is False and hello["lang"] == "zh-Hans"
    return socket


def texts(reply: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in reply["messages"])


# --- the page --------------------------------------------------------------------------

async def test_the_page_is_served_at_the_root_with_strict_headers(client):
    resp = await client.get("/")
    assert resp.status == 200 and resp.content_type == "text/html"
    html = await resp.text()
    assert '<html lang="zh-Hans">' in html and "找工作人员" in html
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert resp.headers["Cache-Control"] == "no-store"
    for name, kind in (("kiosk.js", "text/javascript"), ("kiosk.css", "text/css"),
                       ("mic-worklet.js", "text/javascript")):
        resp = await client.get(f"/kiosk/static/{name}")
        assert resp.status == 200 and resp.content_type == kind
    resp = await client.get("/kiosk/static/..%2Fsetup.py")
    assert resp.status == 404 and "error" in await resp.json()


def test_nothing_is_loaded_from_outside():
    """Every script, style, font and sound comes from the gateway: no URL to anywhere
    else in the page's files (the SVG namespace is a name, not a download)."""
    for path in STATIC.iterdir():
        source = path.read_text(encoding="utf-8")
        urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", source))
        assert urls <= {"http://www.w3.org/2000/svg"}, (path.name, urls)
        assert "@import" not in source and "@font-face" not in source, path.name


async def test_a_websocket_from_another_site_is_refused(client):
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect("/kiosk/ws", headers={"Origin": "https://evil.example"})
    assert info.value.status == 403
    await connect(client, Origin=f"http://{client.host}:{client.port}")


# --- turns -----------------------------------------------------------------------------

async def test_choosing_cantonese_in_traditional_greets_and_reads_aloud(client):
    kiosk = await connect(client)
    await kiosk.send(type="script", script="hant")
    ui = await kiosk.next("ui")
    assert ui["started"] is False and ui["labels"]["choose_yue"] == "請揀語言。"
    await kiosk.send(type="start", language="yue", script="hant")
    ui = await kiosk.next("ui")
    assert (ui["language"], ui["script"], ui["lang"], ui["started"]) == ("yue", "hant",
                                                                          "yue-Hant", True)
    assert ui["labels"]["talk"] == "撳住講嘢" and ui["labels"]["location"] == "東山街長者服務中心一樓"
    assert ui["voice"] is True
    welcome = await kiosk.next("reply")
    assert welcome["lang"] == "yue-Hant" and "街坊助手" in texts(welcome)
    assert [b["title"] for b in welcome["messages"][-1]["buttons"]] == [
        "養老金資格認證", "長者卡", "社保卡", "醫保報銷", "更多服務"]
    assert detect_script(texts(welcome)) == "hant"
    assert await kiosk.speech() > 16000 * 2   # more than a second of speech


async def test_a_tap_is_the_user_s_turn_and_the_answer_is_spoken(client, fake_rasa):
    kiosk = await connect(client)
    await kiosk.send(type="start", language="cmn")
    await kiosk.next("reply")
    await kiosk.speech()   # the welcome, read to its end (a busy machine reads slowly)
    await kiosk.send(type="text", text="長者卡", title="長者卡")
    user = await kiosk.next("user")
    assert user["text"] == "長者卡"
    reply = await kiosk.next("reply")
    assert reply["messages"][0]["text"] == "机器人回答：长者卡"   # the chosen script wins
    assert await kiosk.speech() > 0
    sent = fake_rasa.received[-1]
    assert sent["metadata"]["channel"] == "kiosk" and sent["sender"].startswith("kiosk-")


async def test_the_slow_flag_makes_the_speech_slower(client, fake_rasa):
    kiosk = await connect(client)
    await kiosk.send(type="start", language="cmn")
    await kiosk.next("reply")
    await kiosk.speech()
    await kiosk.send(type="text", text="请带上身份证和户口本")
    await kiosk.next("reply")
    normal = await kiosk.speech()
    sender = fake_rasa.received[-1]["sender"]
    client.server.app[PIPELINE].sessions.get(sender).slow = True   # what 「讲慢啲」 sets
    await kiosk.send(type="text", text="请带上身份证和户口本")
    await kiosk.next("reply")
    assert await kiosk.speech() > normal * 1.2


async def test_asking_for_a_person_queues_a_kiosk_case_with_the_location(client):
    kiosk = await connect(client)
    await kiosk.send(type="start", language="yue", script="hant")
    await kiosk.next("reply")
    await kiosk.send(type="human")
    user = await kiosk.next("user")
    assert user["text"] == "搵工作人員"   # one form of 搵 on the whole page
    handoff = await kiosk.next("handoff")
    assert handoff["handoff"] == {"state": "waiting", "position": 1}
    # nobody at the console: the banner does not promise someone is coming, and its
    # button says what the words say
    assert handoff["text"] == "你排第1位，請等一等。" and handoff["cancel"] == "唔等喇"
    told = texts(await kiosk.next("reply"))
    assert "好快嚟" not in told and "“唔等喇”" in told and "取消" not in told
    desk = client.server.app[HANDOFF]
    cases, _, _ = await staff_queue(client.server.app)
    (case,) = cases
    assert case.channel == "kiosk" and case.facts[LOCATION_FACT] == LOCATION
    assert (case.language, case.script) == ("yue", "hant")

    # staff take it and write in Simplified; the kiosk shows and says it in Traditional
    await desk.claim(case.id, "chan")
    joined = await kiosk.next("staff")
    assert joined["messages"] == [{"text": "工作人員嚟咗，請講。", "from": "assistant"}]
    assert (await kiosk.next("handoff"))["handoff"]["state"] == "with_staff"
    await desk.send(case.id, "chan", "您好，我是工作人员。")
    staff = await kiosk.next("staff")
    assert staff["messages"] == [{"text": "您好，我是工作人員。", "from": "staff"}]
    assert await kiosk.speech() > 0
    await desk.hand_back(case.id, "chan")
    back = await kiosk.next("staff")
    assert "街坊助手" in back["messages"][0]["text"]
    # handed back: something to tap, never a dead end
    assert back["messages"][-1]["buttons"][-1] == {"title": "更多服務", "menu": "more"}
    assert (await kiosk.next("handoff"))["handoff"] is None


async def test_the_queue_place_moves_up_live(client):
    first, second = await connect(client), await connect(client)
    for kiosk in (first, second):
        await kiosk.send(type="start", language="cmn")
        await kiosk.next("reply")
        await kiosk.send(type="human")
    assert (await first.next("handoff"))["handoff"]["position"] == 1
    assert (await second.next("handoff"))["handoff"]["position"] == 2
    await first.ws.close()      # the first person walks away: their place is given up
    moved = await second.next("handoff")
    assert moved["handoff"]["position"] == 1 and "第1位" in moved["text"]
    cases, _, _ = await staff_queue(client.server.app, store.STATES)
    assert sorted(c.state for c in cases) == ["cancelled", "waiting"]


# --- the microphone ---------------------------------------------------------------------

async def test_speech_streamed_over_the_socket_comes_back_as_words(client, fake_rasa):
    kiosk = await connect(client)
    await kiosk.send(type="start", language="yue")
    await kiosk.next("reply")
    await kiosk.send(type="mic_start", rate=16000, mode="tap")
    assert (await kiosk.next("listening"))["on"] is True
    pcm = au.decode_wav(speech_wav(lead=0.3, tail=1.5), 60).to_pcm16()
    for i in range(0, len(pcm), STEP):
        await kiosk.ws.send_bytes(pcm[i:i + STEP])
    partial = await kiosk.next("partial")
    assert partial["text"]
    assert (await kiosk.next("listening"))["on"] is False   # tapped: the pause ended it
    user = await kiosk.next("user")
    assert KO_WORD in user["text"]
    reply = await kiosk.next("reply")
    assert KO_WORD in texts(reply)
    # Cantonese was asked for and the Mandarin-side model listened: the person is told, first
    assert "普通话" in reply["messages"][0]["text"] and KO_WORD not in reply["messages"][0]["text"]
    assert fake_rasa.received[-1]["metadata"]["channel"] == "kiosk"


async def test_holding_the_button_listens_through_pauses_until_release(client):
    kiosk = await connect(client)
    await kiosk.send(type="start", language="cmn")
    await kiosk.next("reply")
    await kiosk.send(type="mic_start", rate=16000, mode="hold")
    await kiosk.next("listening")
    pcm = au.decode_wav(speech_wav(lead=0.3, tail=1.5), 60).to_pcm16() * 2   # said twice
    for i in range(0, len(pcm), STEP):
        await kiosk.ws.send_bytes(pcm[i:i + STEP])
    await kiosk.send(type="mic_stop")
    assert (await kiosk.next("listening"))["on"] is False
    user = await kiosk.next("user")
    assert user["text"].count(KO_WORD) == 2


async def test_without_a_speech_model_the_kiosk_says_to_use_the_buttons(aiohttp_client, make_app,
                                                                         tmp_path):
    client = await aiohttp_client(make_app(asr_model_cmn=str(tmp_path / "no-model")))
    kiosk = await connect(client)
    await kiosk.send(type="start", language="cmn")
    ui = await kiosk.next("ui")
    assert ui["voice"] is False
    assert "请点一个按钮" in texts(await kiosk.next("reply"))
    await kiosk.send(type="mic_start", rate=48000, mode="hold")
    await kiosk.next("listening")
    await kiosk.ws.send_bytes(b"\x00\x00" * 4800)
    assert (await kiosk.next("listening"))["on"] is False
    assert texts(await kiosk.next("reply")) == "现在不能说话。请按按钮，或者打字。"


async def test_silence_is_not_a_turn(client, fake_rasa):
    kiosk = await connect(client)
    await kiosk.send(type="start", language="cmn")
    await kiosk.next("reply")
    received = len(fake_rasa.received)
    await kiosk.send(type="mic_start", rate=16000, mode="hold")
    await kiosk.next("listening")
    for _ in range(10):
        await kiosk.ws.send_bytes(b"\x00\x00" * 1600)
    await kiosk.send(type="mic_stop")
    await kiosk.next("listening")
    assert texts(await kiosk.next("reply")) == "没听清楚，请再说一次。"
    assert len(fake_rasa.received) == received


async def test_bad_messages_are_ignored_and_the_kiosk_keeps_working(client, fake_rasa):
    kiosk = await connect(client)
    for raw in ("not json", "[1, 2]", '{"type": 7}', '{"type": "launch"}',
                '{"type": "start", "language": "en"}', '{"type": "text", "text": ""}',
                '{"type": "text", "text": "a\\u0000b"}', '{"type": "script", "script": "latin"}',
                '{"type": "mic_start", "rate": 3, "mode": "hold"}',
                '{"type": "mic_start", "rate": 16000, "mode": "forever"}'):
        await kiosk.ws.send_str(raw)
    await kiosk.ws.send_bytes(b"\x01\x02\x03")   # audio while not listening
    await kiosk.send(type="text", text="社保卡")
    assert (await kiosk.next("reply"))["messages"][0]["text"] == "机器人回答：社保卡"
    assert [m["message"] for m in fake_rasa.received] == ["社保卡"]


# --- the idle reset ----------------------------------------------------------------------

async def test_nobody_answers_still_there_so_the_kiosk_is_cleared(aiohttp_client, make_app,
                                                                   fake_rasa):
    # quick speech and a short welcome: the idle clock waits while the kiosk talks
    client = await aiohttp_client(make_app(kiosk_idle_seconds=2, kiosk_idle_answer_seconds=2,
                                           kiosk_services="", tts_wpm_cmn=450, tts_wpm_yue=450))
    kiosk = await connect(client)
    await kiosk.send(type="start", language="yue")
    await kiosk.next("reply")
    await kiosk.send(type="text", text="社保卡")
    await kiosk.next("reply")
    asked = await kiosk.next("still_there", timeout=60)
    assert asked["on"] is True and asked["text"].startswith("仲喺度吗？")
    assert asked["button"] == "我仲喺度"
    await kiosk.speech()                   # 「还在吗？」 is said aloud too
    await kiosk.send(type="activity")      # 「我仲喺度」
    assert (await kiosk.next("still_there"))["on"] is False
    await kiosk.next("still_there", timeout=60)
    await kiosk.next("reset", timeout=60)
    hello = await kiosk.next("hello")
    assert hello["started"] is False and hello["language"] == "cmn"   # the kiosk's default
    # the next person is somebody new to the assistant
    await kiosk.send(type="start", language="cmn")
    await kiosk.next("reply")
    await kiosk.send(type="text", text="长者卡")
    await kiosk.next("reply")
    first, second = (m["sender"] for m in fake_rasa.received)
    assert first != second


def test_the_idle_clock():
    watch = IdleWatch(idle=10, idle_waiting=100, answer=5)
    watch.activity(0)
    assert watch.due(9, quiet_since=0, with_staff=False) is None
    assert watch.due(15, quiet_since=8, with_staff=False) is None     # the kiosk talked until 8
    assert watch.due(18, quiet_since=8, with_staff=False) == ASK
    assert watch.due(50, quiet_since=0, with_staff=True) is None      # waiting for staff
    watch.asked(18)
    assert watch.due(21, quiet_since=20, with_staff=False) is None    # still saying 「还在吗」
    assert watch.activity(22) is True and not watch.asking            # 「我还在」
    assert watch.due(31, quiet_since=20, with_staff=False) is None
    assert watch.due(32, quiet_since=20, with_staff=False) == ASK
    watch.asked(32)
    assert watch.due(37, quiet_since=20, with_staff=False) == RESET


def test_what_is_read_aloud_includes_the_choices():
    said = spoken([{"text": "您想知道哪一项？"},
                   {"text": "请说数字。", "buttons": [{"title": "1 要带什么材料", "payload": "1"}]}])
    assert said == "您想知道哪一项？\n请说数字。\n1 要带什么材料。"
    assert join_cjk(" 养老金 资格 认证 ") == "养老金资格认证" and join_cjk("여보 세요") == "여보 세요"


def test_a_phone_reads_the_choices_as_keys_to_press():
    reply = [{"text": "您想知道哪一项？", "buttons": [
        {"title": "1 要带什么材料", "payload": "1"}, {"title": "4 找工作人员", "payload": "4"}]}]
    assert spoken(reply, "cmn", KEYPAD) == \
        "您想知道哪一项？\n要带什么材料，请按1。\n找工作人员，请按4。"
    assert spoken(reply, "yue", KEYPAD).endswith("找工作人员，请撳4。")


@pytest.mark.parametrize("setting, value", [
    ("kiosk_default_language", "en"), ("kiosk_default_script", "latin"),
    ("kiosk_idle_seconds", "1"), ("kiosk_idle_answer_seconds", "0"),
    ("kiosk_idle_waiting_seconds", "99999"), ("kiosk_location", "一楼\n二楼"),
    ("kiosk_location", "长" * 41), ("kiosk_services", "senior_card,no_such_service"),
])
def test_a_wrong_kiosk_setting_stops_start_up_with_its_name(setting, value):
    with pytest.raises(SettingsError) as info:
        load_settings(env={"KAIFONG_" + setting.upper(): value})
    assert setting in str(info.value)

"""The hotline talks: baresip calls a real gateway (the real stack's Rasa and action
server, the real TTS, the Korean test recogniser) and hears, presses and says things."""

from __future__ import annotations

import asyncio
import difflib

import numpy as np
import pytest

from bot.catalog import load_catalog
from bot.texts import say

from channels.gateway.keys import HANDOFF
from channels.gateway.listening import Heard
from channels.phone import words
from tests.voice.conftest import KO_MODEL, cn_model_path, espeak_audio  # noqa: F401 (fixture)

from .conftest import needs_baresip, needs_sipp
from .hotline import (heard_each, occurrences, quiet, recognised, said, speech, speech_seconds,
                      telephone, until_said, until_turns)
from .peers import best_correlation, free_port, read_wav, resample, sipp, wait_for, write_wav

pytestmark = [needs_baresip, pytest.mark.stack]

CALLER = "13812345678"   # baresip's user part: the caller's number the PBX would pass
LANGUAGES = {"1": "yue", "2": "cmn"}   # the greeting's keys
CATALOG = load_catalog()


async def hang_up(peer) -> np.ndarray:
    """The caller hangs up; what they heard during the whole call."""
    await peer.command("hangup")
    await peer.wait_event("CALL_CLOSED")
    heard, rate = read_wav(peer.recordings()[0])
    assert rate == 8000
    return heard


async def test_the_greeting_is_heard(make_hotline, make_baresip, quiet_wav):
    hotline = await make_hotline()
    caller = await make_baresip(CALLER, source_wav=quiet_wav)
    session = await hotline.dial(caller)
    greeting = words.greeting(voice=True)
    await wait_for(lambda: said(session) and quiet(session), 30, "the greeting heard")
    assert said(session) == [text for text, _ in greeting]
    heard = await hang_up(caller)

    sentences = []
    for text, language in greeting:   # Cantonese, then Mandarin
        sentences += await speech(hotline.tts, text, language)
    heard_each(sentences, heard)
    expected = speech_seconds(np.concatenate(sentences))
    assert abs(speech_seconds(heard) - expected) <= 0.15 * expected


async def at_the_menu(make_hotline, make_baresip, quiet_wav, key: str = "2"):
    """A caller who pressed 2 (普通话) or 1 (廣東話), cutting the greeting short, and heard
    the service menu: the hotline, the caller, the call's session and the menu's words."""
    hotline = await make_hotline()
    caller = await make_baresip(CALLER, source_wav=quiet_wav)
    session = await hotline.dial(caller)
    await wait_for(lambda: said(session), 30, "the greeting begins")
    await caller.command("sndcode", key)
    menu = await until_said(session, say("phone_press", LANGUAGES[key], label="", digit="0")[1:])
    return hotline, caller, session, menu


async def test_keys_choose_mandarin_then_the_first_service(make_hotline, make_baresip, quiet_wav):
    hotline, caller, session, menu = await at_the_menu(make_hotline, make_baresip, quiet_wav)
    assert session.language == "cmn"
    assert "养老金资格认证，请按1。" in menu and menu.endswith("找工作人员，请按0。")

    await caller.command("sndcode", "1")          # the first service of the menu
    await until_turns(session, 1, timeout=60)
    assert said(session, "caller") == ["养老金资格认证"]   # the key said the service's name
    reply = said(session)[-1]
    assert "养老金" in reply and "请按1" in reply and reply.endswith("找工作人员，请按0。")
    heard = await hang_up(caller)

    # what came back is the Mandarin speech of that reply, every sentence of it
    sentences = await speech(hotline.tts, reply, "cmn")
    heard_each(sentences, heard)
    assert speech_seconds(heard) > sum(len(s) for s in sentences) / 8000 * 0.85


@pytest.mark.parametrize("key", ["2", "1"])       # 普通话, 廣東話
async def test_an_answer_with_nothing_to_press_gets_the_service_menu(make_hotline, make_baresip,
                                                                      quiet_wav, key):
    """「您想问哪件事？」 alone would leave a caller with only keys nowhere to go (a key was
    taken for the start of a number and answered 2.5 s later with the same question)."""
    hotline, caller, session, _ = await at_the_menu(make_hotline, make_baresip, quiet_wav, key)
    language = LANGUAGES[key]
    names = [CATALOG[s].text("name", language)
             for s in hotline.settings.phone_list("phone_services")]
    session.heard(Heard("二十五"))                 # a number, as the recogniser writes it
    await until_turns(session, 1, timeout=60)
    reply = said(session)[-1]
    assert reply.startswith(say("ask_which_service", language))
    assert say("phone_press", language, label=names[0], digit="1") in reply
    assert reply.endswith(words.human_option(language))

    await caller.command("sndcode", "3")          # a key picks a service at once
    await until_turns(session, 2, timeout=60)
    assert said(session, "caller")[-1] == names[2]
    assert not session.digits and names[2] in said(session)[-1]
    await hang_up(caller)


async def test_leaving_the_queue_or_being_handed_back_gives_the_keys_again(make_hotline,
                                                                         make_baresip, quiet_wav):
    """「取消」 during the offer to ring back, and staff handing the caller back: each time
    the caller hears the services by key (before, a key after them was a dead end)."""
    hotline, caller, session, _ = await at_the_menu(make_hotline, make_baresip, quiet_wav)
    staff = await hotline.staff()
    names = [CATALOG[s].text("name", "cmn") for s in hotline.settings.phone_list("phone_services")]
    for leave in ("cancel", "handback"):
        await caller.command("sndcode", "0")
        await wait_for(lambda: session.state == "callback" and quiet(session), 60, "the offer")
        assert "尾数是5678" in said(session)[-1]
        if leave == "cancel":
            turns = len(said(session, "caller"))
            session.heard(Heard("取消"))
            await until_turns(session, turns + 1, timeout=60)
            reply = said(session)[-1]
        else:
            [case] = [c for c in await phone_cases(staff) if c["state"] == "waiting"]
            for step in ("claim", "handback"):
                assert (await staff.post(f"/console/api/cases/{case['id']}/{step}"))[0] == 200
            await wait_for(lambda: say("handoff_back", "cmn") in said(session, "staff")[-1]
                           and quiet(session), 60, "handed back")
            reply = "".join(text for text, _ in session.last_said)   # what the line said
        assert session.state == "talking", leave
        assert say("phone_press", "cmn", label=names[0], digit="1") in reply, leave
        assert reply.endswith(words.human_option("cmn")), leave
        turns = len(said(session, "caller"))
        await caller.command("sndcode", "3")          # a key picks a service at once
        await until_turns(session, turns + 1, timeout=60)
        assert said(session, "caller")[-1] == names[2], leave
    await hang_up(caller)


async def test_an_age_keyed_where_yes_or_no_is_offered_is_an_age(make_hotline, make_baresip,
                                                                  quiet_wav):
    """「满60岁了吗？ 是请按1…」: keying 6 then 8 answers 68, not option 6 at once."""
    hotline, caller, session, _ = await at_the_menu(make_hotline, make_baresip, quiet_wav)
    await caller.command("sndcode", "2")          # 长者卡
    await until_turns(session, 1, timeout=60)
    await caller.command("sndcode", "1")          # for myself
    await until_turns(session, 2, timeout=60)
    assert "岁" in said(session)[-1] and "请按1" in said(session)[-1]   # the age question
    for key in "68":
        await caller.command("sndcode", key)
    await until_turns(session, 3, timeout=60)
    assert said(session, "caller")[-1] == "68"
    await hang_up(caller)


async def test_star_repeats_the_last_answer_without_a_turn(make_hotline, make_baresip, quiet_wav):
    hotline, caller, session, _ = await at_the_menu(make_hotline, make_baresip, quiet_wav)
    await caller.command("sndcode", "3")          # 社保卡
    await until_turns(session, 1, timeout=60)
    reply = said(session)[-1]
    await caller.command("sndcode", "*")
    await wait_for(lambda: said(session)[-1] == "(repeat)" and quiet(session), 60, "repeated")
    assert said(session, "caller") == ["社保卡"]    # no new turn
    heard = await hang_up(caller)
    first = (await speech(hotline.tts, reply, "cmn"))[0]
    assert occurrences(first, heard) == 2   # the answer, then the repeat


# ---- a person ------------------------------------------------------------------

async def phone_cases(staff) -> list[dict]:
    status, body = await staff.get("/console/api/cases?state=all")
    assert status == 200, body
    return [c for c in body["cases"] if c["channel"] == "phone"]


async def test_zero_opens_a_phone_case_and_1_keeps_the_callers_number(make_hotline, make_baresip,
                                                                      quiet_wav):
    hotline = await make_hotline()   # no transfer target: a callback is offered
    staff = await hotline.staff()
    caller = await make_baresip(CALLER, source_wav=quiet_wav)
    session = await hotline.dial(caller)
    await wait_for(lambda: said(session), 30, "the greeting begins")
    await caller.command("sndcode", "0")
    offer = await until_said(session, "尾数是5678", timeout=60)
    assert "对请按1" in offer and "按#结束" in offer

    [case] = await phone_cases(staff)
    assert case["state"] == "waiting" and case["reason"] == "asked"
    assert case["callback"] == "138****5678"          # the caller's number, masked
    # the caller's cases count against their number, whichever call they came in
    assert case["source"] == hotline.app[HANDOFF].source_of("phone", CALLER)
    status, detail = await staff.get(f"/console/api/cases/{case['id']}")
    assert detail["facts"]["来电号码"] == "138****5678"
    assert CALLER not in str(detail)                  # never the full number
    assert CALLER not in session.sender and session.sender.startswith("phone-")   # a random id

    await caller.command("sndcode", "1")              # yes, ring me on this number
    await caller.wait_event("CALL_CLOSED", timeout=60)   # thanked, and we hung up
    assert any("我们会打回给您" in t for t in said(session))
    assert session.call.end_reason == "we_hung_up"
    await wait_for(lambda: not hotline.line.channel.sessions, 10, "the session ended")
    [case] = await phone_cases(staff)
    assert case["state"] == "callback" and case["callback"] == "138****5678"


async def test_a_caller_who_hangs_up_while_waiting_is_rung_back(make_hotline, make_baresip,
                                                               quiet_wav):
    hotline = await make_hotline()
    staff = await hotline.staff()
    caller = await make_baresip(CALLER, source_wav=quiet_wav)
    session = await hotline.dial(caller)
    await wait_for(lambda: said(session), 30, "the greeting begins")
    await caller.command("sndcode", "0")
    await until_said(session, "尾数是5678", timeout=60)
    await caller.command("hangup")
    await wait_for(lambda: not hotline.line.channel.sessions, 10, "the session ended")
    assert session.call.end_reason == "caller_hung_up"
    [case] = await phone_cases(staff)
    assert case["state"] == "callback" and case["callback"] == "138****5678"
    _, detail = await staff.get(f"/console/api/cases/{case['id']}")
    assert detail["transcript"][-1] == {**detail["transcript"][-1], "author": "system",
                                        "text": "（来电者挂断了电话。）"}


async def test_a_person_by_transfer_carries_the_case(make_hotline, make_baresip, quiet_wav):
    agent = await make_baresip("agent", source_wav=quiet_wav)
    hotline = await make_hotline(phone_transfer_uri=agent.uri)
    staff = await hotline.staff()
    caller = await make_baresip(CALLER, source_wav=quiet_wav)
    session = await hotline.dial(caller)
    await wait_for(lambda: said(session), 30, "the greeting begins")
    await caller.command("sndcode", "0")
    await agent.wait_event("CALL_ESTABLISHED", timeout=60, direction="incoming")
    await wait_for(session.call.ended.is_set, 30, "our leg ended")
    assert session.call.end_reason == "transferred"
    assert any("正在为您转接工作人员" in t for t in said(session))

    [case] = await phone_cases(staff)
    assert case["state"] == "transferred"
    _, detail = await staff.get(f"/console/api/cases/{case['id']}")
    assert {"author": "system", "text": "（电话已经转接给坐席。）"}.items() <= detail["transcript"][-1].items()
    # the REFER named the case; baresip dials the Refer-To URI as it is, so the agent sees it there
    caller_log, agent_log = await caller.final_log(), await agent.final_log()
    refer = caller_log.split("REFER sip:", 1)[1].split("\n\n", 1)[0]
    assert f"X-Kaifong-Case: {case['id']}" in refer
    assert f"X-Kaifong-Case-Url: http://127.0.0.1:8080/console/cases/{case['id']}" in refer
    assert f"?X-Kaifong-Case={case['id']}" in agent_log.split("INVITE sip:agent", 1)[1].split("\n", 1)[0]


@needs_sipp
async def test_a_refused_transfer_offers_a_callback(make_hotline, make_baresip, quiet_wav, tmp_path):
    busy_port = free_port()
    busy = asyncio.ensure_future(sipp("uas_busy.xml", None, "-m", "1", cwd=tmp_path, timeout=60,
                                      port=busy_port))
    hotline = await make_hotline(phone_transfer_uri=f"sip:agent@127.0.0.1:{busy_port}")
    staff = await hotline.staff()
    caller = await make_baresip(CALLER, source_wav=quiet_wav)
    session = await hotline.dial(caller)
    await wait_for(lambda: said(session), 30, "the greeting begins")
    await caller.command("sndcode", "0")
    failed = await until_said(session, "现在转接不了", timeout=60)
    assert "尾数是5678" in failed and not session.call.ended.is_set()
    [case] = await phone_cases(staff)
    assert case["state"] == "waiting"
    _, detail = await staff.get(f"/console/api/cases/{case['id']}")
    assert "转接没有成功" in detail["transcript"][-1]["text"]
    code, output = await busy
    assert code == 0, output


# ---- speech --------------------------------------------------------------------

def spoken_wav(tmp_path, samples: np.ndarray, lead: float = 1.0) -> tuple[np.ndarray, "Path"]:
    """The caller's microphone: `lead` s of quiet, the speech, then two quiet minutes."""
    audio = np.concatenate([np.zeros(int(lead * 8000)), samples, np.zeros(8000 * 120)])
    return audio, write_wav(tmp_path / "spoken.wav", audio)


def hangul(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all("\uac00" <= c <= "\ud7a3" for c in letters)


def similar(a: str, b: str) -> bool:
    """The same recognition of the same audio, but for a syllable (the line's timing
    moves the recogniser's frames a little)."""
    return difflib.SequenceMatcher(None, a.replace(" ", ""), b.replace(" ", "")).ratio() >= 0.6


async def test_korean_speech_reaches_the_case_transcript(make_hotline, make_baresip, tmp_path):
    hotline = await make_hotline()
    staff = await hotline.staff()
    korean = espeak_audio("여보세요")
    audio, wav = spoken_wav(tmp_path, resample(korean.samples, korean.rate, 8000) * 16000)
    expected = recognised(telephone(audio), KO_MODEL, hotline.settings.phone_end_silence_seconds)
    assert len(expected) == 1 and hangul(expected[0])

    caller = await make_baresip(CALLER, source_wav=wav)
    session = await hotline.dial(caller)
    await until_turns(session, 1, timeout=60)
    [turn] = said(session, "caller")   # what was said became the turn's text: that speech,
    assert hangul(turn) and similar(turn, expected[0])   # give or take a syllable of the line
    # the speech cut the greeting short: its Mandarin half was never said aloud
    mandarin = words.greeting(True)[1][0]
    await caller.command("sndcode", "0")
    await until_said(session, "尾数是5678", timeout=60)
    [case] = await phone_cases(staff)
    _, detail = await staff.get(f"/console/api/cases/{case['id']}")
    users = [m["text"] for m in detail["transcript"] if m["author"] == "user"]
    assert users[:1] == [turn]
    heard = await hang_up(caller)
    assert best_correlation((await speech(hotline.tts, mandarin, "cmn"))[0], heard) < 0.5


async def test_mandarin_speech_round_trip(make_hotline, make_baresip, tmp_path, cn_model_path):
    """With the real Mandarin model (make model): a question asked aloud gets its answer."""
    hotline = await make_hotline(asr_model_cmn=cn_model_path)
    question = await speech(hotline.tts, "养老金怎么认证", "cmn")
    _, wav = spoken_wav(tmp_path, np.concatenate(question))
    caller = await make_baresip(CALLER, source_wav=wav)
    session = await hotline.dial(caller)
    await until_turns(session, 1, timeout=60)
    assert "养老金" in said(session, "caller")[0]
    assert "养老金" in said(session)[-1]
    await hang_up(caller)

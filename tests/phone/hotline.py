"""Helpers for the hotline tests: a gateway with the phone on, what a call said, what
the caller heard, and the console as staff see it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import Settings, load_settings
from channels.phone.call_session import CallSession
from channels.phone.setup import PHONE_LINE, PhoneLine
from tests.handoff.conftest import StaffClient, add_staff
from tests.voice.conftest import KO_MODEL
from voice.tts import TtsEngine

from .peers import active_span, best_correlation, wait_for

STAFF = "chan"


def hotline_settings(stack: Any, data_dir: Path, **overrides: Any) -> Settings:
    c = stack.config
    values: dict[str, Any] = dict(
        rasa_url=f"http://{c.host}:{c.rasa_port}", action_url=f"http://{c.host}:{c.actions_port}",
        rasa_token=stack.token, data_dir=str(data_dir), asr_model_cmn=KO_MODEL,
        phone_enabled=True, phone_sip_listen="127.0.0.1:0", phone_rtp_ports="0",
        phone_silence_seconds=60)
    values.update(overrides)
    data_dir.mkdir(parents=True, exist_ok=True)
    return load_settings(env={}, **values)


class HotlineUnderTest:
    def __init__(self, client: Any, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.seen: set[str] = set()

    @property
    def app(self) -> Any:
        return self.client.app

    @property
    def line(self) -> PhoneLine:
        return self.app[PHONE_LINE]

    @property
    def sip_port(self) -> int:
        return self.line.address[1]

    @property
    def tts(self) -> TtsEngine:
        return self.line.hotline.tts  # type: ignore[union-attr]

    async def dial(self, peer: Any, number: str = "12345") -> CallSession:
        """baresip calls the hotline; the new call's session."""
        await peer.command("dial", f"sip:{number}@127.0.0.1:{self.sip_port}")
        await peer.wait_event("CALL_ESTABLISHED")
        await wait_for(lambda: set(self.line.channel.sessions) - self.seen, 10, "a call session")
        sender = sorted(set(self.line.channel.sessions) - self.seen)[0]
        self.seen.add(sender)
        return self.line.channel.sessions[sender]

    async def staff(self, name: str = STAFF) -> StaffClient:
        add_staff(self.settings, name, "admin")
        return await StaffClient(self.client).login(name)


# ---- what the call said --------------------------------------------------------

def said(session: CallSession, who: str = "kaifong") -> list[str]:
    return [text for author, text in session.log if author == who]


def quiet(session: CallSession) -> bool:
    """Everything said so far has been sent and heard (the speaker's clock has passed)."""
    return not session._speaking() and not session.speaker.talking


async def until_said(session: CallSession, fragment: str, timeout: float = 30.0) -> str:
    """Wait until Kaifong has said (and the caller has heard) something with `fragment`."""
    await wait_for(lambda: any(fragment in t for t in said(session)) and quiet(session),
                   timeout, f"Kaifong to say {fragment!r}")
    return next(t for t in reversed(said(session)) if fragment in t)


async def until_turns(session: CallSession, count: int, timeout: float = 30.0) -> None:
    """Wait until `count` turns were answered and the answer heard."""
    await wait_for(lambda: len(said(session, "caller")) >= count and not session.busy
                   and quiet(session), timeout, f"{count} turns answered")


# ---- what the caller heard -------------------------------------------------------

async def speech(tts: TtsEngine, text: str, language: str) -> list[np.ndarray]:
    """The TTS of `text` at 8 kHz, one array per sentence (as the Speaker sends it)."""
    chunks = [c async for c in tts.stream(text, language, "normal", 8000)]
    return [np.frombuffer(c.pcm16, dtype="<i2").astype(np.float64) for c in chunks]


def heard_each(sentences: list[np.ndarray], heard: np.ndarray, threshold: float = 0.9) -> list[float]:
    """Each sentence's best correlation within what the caller heard."""
    scores = [best_correlation(s, heard) for s in sentences]
    assert all(score > threshold for score in scores), scores
    return scores


def occurrences(reference: np.ndarray, heard: np.ndarray, threshold: float = 0.9) -> int:
    """How many times `reference` was heard: peaks of the normalised cross-correlation
    above `threshold`, at least the reference's length apart."""
    n = 1 << int(np.ceil(np.log2(len(heard) + len(reference))))
    corr = np.fft.irfft(np.fft.rfft(heard, n) * np.conj(np.fft.rfft(reference, n)), n)
    corr = corr[: len(heard) - len(reference) + 1]
    cumulative = np.concatenate(([0.0], np.cumsum(heard**2)))
    windows = cumulative[len(reference):] - cumulative[: len(cumulative) - len(reference)]
    score = corr / np.sqrt(np.maximum(windows, 1e-9) * (reference**2).sum())
    found, last = 0, -len(reference)
    for index in np.flatnonzero(score > threshold):
        if index - last >= len(reference):
            found, last = found + 1, index
    return found


def speech_seconds(samples: np.ndarray, rate: int = 8000) -> float:
    start, end = active_span(samples, rate)
    return (end - start) / rate



# ---- what the recogniser makes of a caller's audio ----------------------------------

def telephone(samples: np.ndarray) -> bytes:
    """8 kHz audio as it arrives from a G.711 A-law line (the law baresip is offered first)."""
    from channels.phone.g711 import PCMA, G711

    codec = G711(PCMA)
    return codec.decode(codec.encode(np.clip(samples, -32768, 32767).astype("<i2").tobytes()))


def recognised(pcm: bytes, model: str, end_silence: float) -> list[str]:
    """What the call's listener hears in `pcm` (8 kHz), offline: the same gate, the
    same streaming recogniser, 20 ms at a time."""
    from bot.language import join_cjk
    from channels.phone.gate import SpeechGate
    from voice.asr import AsrSession, Transcript, load_model

    session = AsrSession(load_model(model, "cmn"), "cmn", 8000, end_silence=end_silence)
    heard: list[str] = []

    def feed(frame: bytes) -> None:
        heard.extend(join_cjk(e.text) for e in session.accept(frame) if isinstance(e, Transcript))

    gate = SpeechGate(feed, end_silence)
    for i in range(0, len(pcm) - 319, 320):
        gate.push(pcm[i:i + 320])
    return heard


def where(reference: np.ndarray, heard: np.ndarray) -> int:
    """The sample where `reference` is heard best."""
    n = 1 << int(np.ceil(np.log2(len(heard) + len(reference))))
    corr = np.fft.irfft(np.fft.rfft(heard, n) * np.conj(np.fft.rfft(reference, n)), n)
    corr = corr[: len(heard) - len(reference) + 1]
    cumulative = np.concatenate(([0.0], np.cumsum(heard**2)))
    windows = cumulative[len(reference):] - cumulative[: len(cumulative) - len(reference)]
    return int(np.argmax(corr / np.sqrt(np.maximum(windows, 1e-9))))

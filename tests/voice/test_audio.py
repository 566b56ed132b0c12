"""WAV in and out, mono, resampling, level and the energy VAD, on real and synthetic audio."""
import struct

import numpy as np
import pytest

from tests.voice.conftest import espeak_audio, wav_file
from voice import audio as au
from voice import vad
from voice.errors import AudioError


def tone(freq: float, seconds: float, rate: int, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_frequency(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


@pytest.mark.parametrize("rate, channels, encoding", [
    (8000, 1, "pcm16"), (16000, 1, "pcm16"), (44100, 2, "pcm16"), (48000, 2, "float32"),
])
def test_common_wavs_decode_to_the_same_mono_signal(rate, channels, encoding):
    x = tone(440, 0.5, rate)
    clip = au.decode_wav(wav_file(x, rate, channels, encoding), max_seconds=60)
    assert clip.rate == rate and abs(clip.duration - 0.5) < 0.01
    assert np.max(np.abs(clip.samples - x)) < 2e-4  # stereo averaged back to the same wave


def test_24_bit_and_8_bit_pcm_are_read():
    x = tone(300, 0.2, 16000)
    for bits in (8, 24):
        ints = np.rint(x * (2 ** (bits - 1) - 1)).astype(np.int32)
        if bits == 8:
            data = (ints + 128).astype(np.uint8).tobytes()
        else:
            data = b"".join(struct.pack("<i", v)[:3] for v in ints)
        align = bits // 8
        header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16,
                             1, 1, 16000, 16000 * align, align, bits, b"data", len(data))
        clip = au.decode_wav(header + data, 60)
        assert np.max(np.abs(clip.samples - x)) < 0.01


@pytest.mark.parametrize("body, kind", [
    (b"", AudioError.UNSUPPORTED),
    (b"ID3\x03\x00 this is an mp3", AudioError.UNSUPPORTED),
    (b"RIFF\x10\x00", AudioError.UNREADABLE),  # cut inside the header
])
def test_not_a_wav_or_a_cut_header(body, kind):
    with pytest.raises(AudioError) as info:
        au.decode_wav(body, 60)
    assert info.value.kind == kind


def test_a_wav_cut_short_in_its_samples_is_refused():
    data = wav_file(tone(440, 1.0, 16000), 16000)
    with pytest.raises(AudioError, match="truncated") as info:
        au.decode_wav(data[: len(data) // 2], 60)
    assert info.value.kind == AudioError.UNREADABLE


def test_mu_law_is_unsupported_with_a_hint():
    data = bytearray(wav_file(tone(440, 0.1, 8000), 8000))
    struct.pack_into("<H", data, 20, 7)  # format code 7: mu-law
    struct.pack_into("<H", data, 34, 8)
    struct.pack_into("<H", data, 32, 1)
    with pytest.raises(AudioError, match="16-bit PCM") as info:
        au.decode_wav(bytes(data), 60)
    assert info.value.kind == AudioError.UNSUPPORTED


def test_too_long_is_refused_before_decoding():
    with pytest.raises(AudioError) as info:
        au.decode_wav(wav_file(np.zeros(8000 * 3, np.float32), 8000), max_seconds=2)
    assert info.value.kind == AudioError.TOO_LONG


@pytest.mark.parametrize("src, dst", [(22050, 8000), (22050, 16000), (8000, 16000), (44100, 48000)])
def test_resampling_keeps_pitch_and_length(src, dst):
    x = tone(1000, 1.0, src)
    y = au.resample(x, src, dst)
    assert abs(len(y) - dst) <= 1
    assert abs(dominant_frequency(y, dst) - 1000) < 5
    assert abs(au.dbfs(y[200:-200]) - au.dbfs(x)) < 0.5


def test_downsampling_to_the_phone_rate_removes_what_8_khz_cannot_carry():
    x = tone(6000, 1.0, 22050)  # above the 4 kHz Nyquist limit of phone audio
    y = au.resample(x, 22050, 8000)
    assert au.dbfs(y[200:-200]) < au.dbfs(x) - 30  # filtered out, not folded down to 2 kHz


def test_level_normalisation_reaches_the_target_without_clipping():
    quiet = tone(300, 1.0, 16000, level=0.01)
    louder = au.normalize_level(quiet, target_dbfs=-20, peak_limit_dbfs=-1)
    assert abs(au.dbfs(louder) - (-20)) < 0.5
    loud = tone(300, 1.0, 16000, level=0.99)
    capped = au.normalize_level(loud, target_dbfs=-3, peak_limit_dbfs=-6)
    assert au.peak_dbfs(capped) <= -5.9


def test_pcm16_round_trip_and_wav_header():
    x = tone(440, 0.25, 8000)
    data = au.wav_bytes(au.float_to_pcm16(x), 8000)
    fmt = au.parse_wav_header(data)
    assert (fmt.encoding, fmt.bits, fmt.channels, fmt.rate, fmt.data_size) == ("pcm", 16, 1, 8000, 4000)
    assert np.max(np.abs(au.decode_wav(data, 60).samples - x)) < 1e-4


def test_vad_hears_speech_but_not_silence_or_hiss():
    speech = espeak_audio("안녕하세요")
    assert vad.has_speech(speech.samples, speech.rate)
    assert not vad.has_speech(np.zeros(16000, np.float32), 16000)
    hiss = (np.random.default_rng(1).standard_normal(16000) * 0.001).astype(np.float32)  # -60 dBFS
    assert not vad.has_speech(hiss, 16000)


def test_endpointer_ends_on_silence_and_on_length():
    frames = [-20.0] * 20 + [-90.0] * 50  # 0.4 s speech, then 1 s quiet
    e = vad.Endpointer(end_silence=0.8)
    marks = [e.push(f) for f in frames]
    assert marks.index(vad.START) == 2
    assert marks.index(vad.END_SILENCE) == 20 + 40 - 1  # 0.8 s of 20 ms frames after speech
    e = vad.Endpointer(end_silence=0.8, max_utterance=1.0)
    marks = [e.push(-20.0) for _ in range(100)]
    assert vad.END_MAX_LENGTH in marks and marks.index(vad.END_MAX_LENGTH) < 60

"""A simple energy voice-activity detector and an end-of-utterance detector.

Speech is a frame clearly above the noise floor. Good enough for a kiosk microphone
or a phone line; it decides when to stop listening, not what was said.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

FRAME_MS = 20
ABS_FLOOR_DB = -60.0   # never call anything quieter than this speech
ALWAYS_DB = -35.0      # anything louder than this is speech whatever the noise floor
MARGIN_DB = 12.0       # how far above the noise floor speech must be


def frame_levels(samples: np.ndarray, rate: int, frame_ms: int = FRAME_MS) -> np.ndarray:
    """RMS level of each whole frame, in dBFS."""
    n = max(1, rate * frame_ms // 1000)
    count = len(samples) // n
    if count == 0:
        return np.zeros(0, dtype=np.float64)
    frames = samples[:count * n].reshape(count, n).astype(np.float64)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-6))


def threshold(noise_db: float) -> float:
    return max(ABS_FLOOR_DB, min(noise_db + MARGIN_DB, ALWAYS_DB))


def speech_frames(samples: np.ndarray, rate: int) -> np.ndarray:
    """A boolean per frame: is it speech? The noise floor is the quiet tenth of the clip."""
    levels = frame_levels(samples, rate)
    if len(levels) == 0:
        return np.zeros(0, dtype=bool)
    return levels > threshold(float(np.percentile(levels, 10)))


def speech_seconds(samples: np.ndarray, rate: int) -> float:
    return float(np.count_nonzero(speech_frames(samples, rate))) * FRAME_MS / 1000


def has_speech(samples: np.ndarray, rate: int, min_seconds: float = 0.15) -> bool:
    return speech_seconds(samples, rate) >= min_seconds


def speech_level(samples: np.ndarray, rate: int) -> Optional[float]:
    """The loudness of the speech parts (dBFS), for level normalisation; None if none."""
    levels = frame_levels(samples, rate)
    if len(levels) == 0:
        return None
    voiced = levels[levels > threshold(float(np.percentile(levels, 10)))]
    if len(voiced) == 0:
        return None
    power = np.mean(10 ** (voiced / 10))
    return float(10 * np.log10(power))


# --- streaming end of utterance -------------------------------------------------

START = "start"
END_SILENCE = "silence"
END_MAX_LENGTH = "max_length"


@dataclass
class Endpointer:
    """Feed frame levels one by one; says when an utterance starts and when it ends:
    speech followed by `end_silence` seconds of quiet, or `max_utterance` seconds long."""

    end_silence: float = 0.8
    max_utterance: float = 15.0
    start_frames: int = 3          # 60 ms of speech before we believe it
    noise_rise_db: float = 0.1     # per frame: a noise floor that creeps up, drops at once

    def __post_init__(self) -> None:
        self.noise_db: Optional[float] = None
        self.reset()

    def reset(self) -> None:
        self.in_speech = False
        self.run = 0
        self.frames = 0
        self.quiet = 0

    def push(self, level_db: float) -> Optional[str]:
        if self.noise_db is None:
            self.noise_db = level_db
        self.noise_db = min(level_db, self.noise_db + self.noise_rise_db)
        speech = level_db > threshold(self.noise_db)
        if not self.in_speech:
            self.run = self.run + 1 if speech else 0
            if self.run >= self.start_frames:
                self.in_speech, self.frames, self.quiet = True, self.run, 0
                return START
            return None
        self.frames += 1
        self.quiet = 0 if speech else self.quiet + 1
        if self.quiet * FRAME_MS / 1000 >= self.end_silence:
            self.reset()
            return END_SILENCE
        if self.frames * FRAME_MS / 1000 >= self.max_utterance:
            self.reset()
            return END_MAX_LENGTH
        return None

"""Only the audio around speech reaches the recogniser.

vosk decodes silence at nearly the cost of speech (about a seventh of a core per line
on this machine, measured with the small models), and a hotline holds thirty calls on
two cores, most of them quiet most of the time. So each call's audio passes an
energy gate first (voice.vad's endpointer, a few microseconds a frame): it opens after
60 ms of speech and hands over the 0.3 s before it, and it closes once the recogniser
has had enough quiet to end the utterance. The listener's own endpointer still decides
where an utterance starts and ends.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable

from voice import vad
from voice.audio import pcm16_to_float

RATE = 8000
FRAME_SECONDS = 0.02
PRE_ROLL_SECONDS = 0.3    # the start of a word comes before the gate believes it
HANGOVER_SECONDS = 0.25   # quiet handed over beyond what ends an utterance
LONGEST_OPEN_SECONDS = 3600.0   # the listener cuts long utterances itself


class SpeechGate:
    def __init__(self, feed: Callable[[bytes], None], end_silence: float) -> None:
        self._feed = feed
        self._before: deque[bytes] = deque(maxlen=round(PRE_ROLL_SECONDS / FRAME_SECONDS))
        self._vad = vad.Endpointer(end_silence=end_silence + HANGOVER_SECONDS,
                                   max_utterance=LONGEST_OPEN_SECONDS)
        self.open = False

    def push(self, frame: bytes) -> None:
        """One 20 ms frame of 16-bit PCM at 8 kHz from the line."""
        levels = vad.frame_levels(pcm16_to_float(frame), RATE)
        mark = self._vad.push(float(levels[0])) if len(levels) else None
        if self.open:
            self._feed(frame)
            if mark in (vad.END_SILENCE, vad.END_MAX_LENGTH):
                self.open = False
            return
        self._before.append(frame)
        if mark == vad.START:
            self.open = True
            for earlier in self._before:
                self._feed(earlier)
            self._before.clear()

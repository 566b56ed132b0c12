"""Error types of the voice engines; channels turn them into words or HTTP statuses."""
from __future__ import annotations


class VoiceError(Exception):
    """Base of every voice error."""


class AudioError(VoiceError):
    """Audio the engines cannot use. `kind` tells the edge which status fits."""

    UNREADABLE = "unreadable"    # corrupt or truncated: 400
    UNSUPPORTED = "unsupported"  # not a WAV, or an encoding we do not decode: 415
    TOO_LONG = "too_long"        # longer or bigger than allowed: 413
    SILENT = "silent"            # nothing above the noise floor: 400

    def __init__(self, message: str, kind: str = UNREADABLE) -> None:
        super().__init__(message)
        self.kind = kind


class ModelMissing(VoiceError):
    """No speech model at the configured path."""

    def __init__(self, language: str, path: str) -> None:
        where = path or "(no path configured)"
        super().__init__(
            f"the {language} speech recognition model is not installed: "
            f"{where} is missing or incomplete; run `make model` "
            f"(or set KAIFONG_ASR_MODEL_{language.upper()} to a vosk model folder)")
        self.language = language
        self.path = path


class GrammarError(VoiceError):
    """A menu (phrase list) that the model cannot recognise at all."""


class TextError(VoiceError):
    """Text that cannot be read aloud (empty after cleaning, too long)."""


class TtsUnavailable(VoiceError):
    """The synthesis worker is missing a voice, failed, is overloaded or timed out."""


class VoiceBusy(VoiceError):
    """Too much work queued; try again shortly."""

"""Language and script detection on text nobody here wrote (bench/data/real/) and on the
project's own bench/data/language.tsv, scored as /api/understand reports them: a text
that does not tell gets the defaults (cmn, hans) when it stands alone, and keeps what the
conversation had when it is a turn of one (HKCanCor)."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Callable, Optional

from bot.language import LanguageState, detect_language, detect_script

DATA = Path(__file__).resolve().parent / "data"
Detector = Callable[[str], Optional[str]]


def rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def score_sentences(lines: list[list[str]], language: Detector = detect_language,
                    script: Detector = detect_script) -> dict[str, list[int]]:
    """{"language": [right, scored], "script": [right, scored]}; gold "-" is not scored."""
    out = {"language": [0, 0], "script": [0, 0]}
    for text, lang, scr, *_ in lines:
        if lang != "-":
            out["language"][0] += (language(text) or "cmn") == lang
            out["language"][1] += 1
        if scr != "-":
            out["script"][0] += (script(text) or "hans") == scr
            out["script"][1] += 1
    return out


def score_conversations(lines: list[list[str]]) -> dict[str, list[int]]:
    """Every turn of a real Cantonese conversation, through the conversation's state."""
    turns: dict[str, list[str]] = defaultdict(list)
    for conversation, text in lines:
        turns[conversation].append(text)
    out = {"language": [0, 0], "script": [0, 0]}
    for texts in turns.values():
        state = LanguageState()
        for text in texts:
            state = state.observe(text)
            out["language"][0] += state.language == "yue"
            out["script"][0] += state.script == "hant"
            out["language"][1] += 1
            out["script"][1] += 1
    return out


def measure() -> dict[str, dict[str, list[int]]]:
    own = [line for line in rows(DATA / "language.tsv")]
    return {
        "own": score_sentences(own),
        "cantonese": score_sentences(rows(DATA / "real" / "cantonese.tsv")),
        "standard": score_sentences(rows(DATA / "real" / "standard.tsv")),
        "hkcancor": score_conversations(rows(DATA / "real" / "hkcancor.tsv")),
    }


def ratio(pair: list[int]) -> str:
    return f"{pair[0] / pair[1]:.3f}" if pair[1] else "n/a"

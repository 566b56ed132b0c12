"""Plain language everywhere: short sentences, at most three a message, lists of at
most four. Walks every assistant text and every catalog text."""
import re

import pytest

from bot.catalog import BILINGUAL_FIELDS, load_catalog
from bot.texts import load_texts

MAX_SENTENCE = 25        # characters, punctuation and spaces not counted
MAX_SENTENCES = 3
MAX_ITEMS = 4
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_NOT_COUNTED = re.compile(r"[\s，。！？；：、“”‘’（）《》,.!?;:()\"'{}…・\-]")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if _NOT_COUNTED.sub("", s)]


def length(sentence: str) -> int:
    return len(_NOT_COUNTED.sub("", re.sub(r"\{\w+\}", "", sentence)))


def problems(where: str, text: str, max_sentences: int = MAX_SENTENCES) -> list[str]:
    found = []
    parts = sentences(text)
    if len(parts) > max_sentences:
        found.append(f"{where}: {len(parts)} sentences (at most {max_sentences}): {text}")
    for s in parts:
        if length(s) > MAX_SENTENCE:
            found.append(f"{where}: {length(s)} characters: {s}")
    return found


# Lists in texts.yml that are vocabularies, never said as one message.
VOCABULARIES = {"handoff_days"}


def all_texts():
    for key, entry in load_texts().items():
        if key in VOCABULARIES:
            continue
        for lang, value in entry.items():
            yield f"texts.yml {key}.{lang}", value
    for service in load_catalog().values():
        for field in list(BILINGUAL_FIELDS) + ["agent_materials"]:
            for lang in ("cmn", "yue"):
                value = service.optional(field, lang)
                if value is not None:
                    yield f"{service.id}.{field}.{lang}", value
        for i, rule in enumerate(service.rules):
            for field in ("ask", "if_yes", "if_no"):
                for lang in ("cmn", "yue"):
                    yield f"{service.id}.eligibility[{i}].{field}.{lang}", rule.text(field, lang)


def test_every_text_is_plain():
    found = []
    for where, value in all_texts():
        if isinstance(value, list):
            if len(value) > MAX_ITEMS:
                found.append(f"{where}: {len(value)} items (at most {MAX_ITEMS})")
            for i, item in enumerate(value, 1):
                found += problems(f"{where}[{i}]", item, max_sentences=2)
        else:
            found += problems(where, value)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("text, ok", [
    ("好的。", True),
    ("这一句话实在是太长太长了，长到一位八十岁的老人家根本听不完也记不住。", False),
    ("一句。两句。三句。四句。", False),
])
def test_the_check_itself_catches_breaches(text, ok):
    assert (problems("x", text) == []) is ok

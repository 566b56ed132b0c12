"""The assistant's own sentences (not service content), in Mandarin and Cantonese.

Texts live in bot/texts.yml, written in Simplified characters; the gateway
converts them to the user's script. `{hotline}`-style fields are filled by
`say()`.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")
LANGUAGES = ("cmn", "yue")


class TextsError(Exception):
    pass


@functools.lru_cache(maxsize=None)
def load_texts(path: str = str(TEXTS_FILE)) -> dict[str, dict[str, Any]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TextsError(f"{path}: {exc.__class__.__name__}: {exc}") from None
    if not isinstance(data, dict):
        raise TextsError(f"{path}: must be a mapping of key: {{cmn, yue}}")
    for key, entry in data.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
            raise TextsError(f"{path}: {key}: needs exactly cmn and yue")
    return data


def say(key: str, language: str, **fields: Any) -> Any:
    """The text (or list of texts) for `key` in `language`, fields filled in."""
    entry = load_texts()[key]
    value = entry.get(language) or entry["cmn"]
    if isinstance(value, list):
        return [v.format(**fields) if fields else v for v in value]
    return value.format(**fields) if fields else value


def staff_text(key: str, **fields: Any) -> str:
    """A sentence for staff (the console, notes in a case): staff read Simplified Mandarin."""
    return str(say(key, "cmn", **fields))

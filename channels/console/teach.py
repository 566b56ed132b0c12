"""Teach Kaifong from its failures.

On the figures page an admin picks, for a group of questions Kaifong did not understand,
the service or act they meant (or 「不属于服务范围」: out_of_scope). The group's wordings
become Rasa training examples in a file of their own (setting `labelled_examples`,
`nlu_data/nlu/labelled.yml`): reviewed by a person, never trained automatically; `make
train` picks the file up (the model is keyed by a hash of every yml in nlu_data).

- Only texts the gateway stored as unresolved turns can be labelled, and what is written
  is masked again, with masked numbers left out and normalised as the NLU reads it
  (Simplified, no spaces between Chinese words): a training example never holds personal
  digits (channels/gateway/turns.py `training_text`).
- Intents must exist in the domain (bot/domain/*.yml). An example already in the training
  data under the same intent is not written twice; under another intent it is refused (the
  data's contract: no example under two intents, tests/unit/test_nlu_data.py). Labelling an
  example of this file again moves it to the new intent.
- The file is valid even when empty (`nlu: []`), and is rewritten whole, atomically.
- Each label is kept in the database with its time: the console counts the labelled
  examples written after the running model was trained (not yet in it).
"""
from __future__ import annotations

import asyncio
import functools
import os
import re
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import yaml

from bot.settings import ROOT
from bot.texts import staff_text
from channels.gateway.turns import training_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS nlu_labels (
    text TEXT PRIMARY KEY,     -- the unresolved turn's text as stored (masked, normalised)
    example TEXT NOT NULL,     -- the training example it became
    intent TEXT NOT NULL,
    written INTEGER NOT NULL,  -- 1: written to the file; 0: already an example of that intent
    staff TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS nlu_labels_by_time ON nlu_labels(written, at);
"""

DOMAIN = ROOT / "bot" / "domain"
HEADER = """\
# Utterances Kaifong did not understand, labelled by staff on the console's figures page
# (/console/figures). Written by the gateway (channels/console/teach.py): review before
# `make train`, nothing is trained automatically. Normalised Simplified text, personal
# numbers left out. Valid when empty.
"""
# the acts an admin can pick, each named by texts.yml console_act_<intent>
ACTS = ("ask_detail", "greet", "goodbye", "thanks", "affirm", "deny", "repeat", "slower",
        "restart", "back", "human", "help", "emergency", "rate", "out_of_scope")
MAX_TEXTS = 200
_UNSAFE = re.compile(r"[\[\]{}\n\r\t]")   # entity markup and line breaks have no place here


class TeachError(Exception):
    """A label that cannot be written; the message is shown to the admin as is."""


@functools.lru_cache(maxsize=None)
def domain_intents(domain: Path = DOMAIN) -> frozenset[str]:
    """The domain's intents, read once (the domain changes only with a new release)."""
    found: set[str] = set()
    for path in sorted(domain.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found.update(str(i) if not isinstance(i, dict) else next(iter(i))
                     for i in data.get("intents") or [])
    return frozenset(found)


def choices(names: Mapping[str, str], domain: Path = DOMAIN) -> list[tuple[str, str]]:
    """(intent, label) an admin can pick: the services by name, then the acts."""
    intents = domain_intents(domain)
    services = [(f"svc_{s}", staff_text("console_act_service", name=name))
                for s, name in names.items() if f"svc_{s}" in intents]
    acts = [(i, staff_text(f"console_act_{i}")) for i in ACTS if i in intents]
    return services + acts


def read_examples(path: Path) -> dict[str, list[str]]:
    """intent -> examples of one training file (none if it does not exist)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, list[str]] = {}
    for item in data.get("nlu") or []:
        if isinstance(item, dict) and "intent" in item:
            out.setdefault(item["intent"], []).extend(
                line.strip()[2:].strip() for line in str(item.get("examples") or "").splitlines()
                if line.strip().startswith("- "))
    return out


def render(examples: Mapping[str, list[str]]) -> str:
    lines = [HEADER.rstrip("\n"), 'version: "3.1"']
    kept = {intent: ex for intent, ex in examples.items() if ex}
    if not kept:
        return "\n".join(lines + ["nlu: []", ""])
    lines.append("nlu:")
    for intent in sorted(kept):
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {e}" for e in kept[intent]]
    return "\n".join(lines + [""])


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".labelled-", suffix=".yml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def example_of(text: str) -> str:
    return re.sub(r"\s+", " ", _UNSAFE.sub(" ", training_text(text))).strip()


def _key(example: str) -> str:
    return example.replace(" ", "")


class Teacher:
    """Writes labels to the training file and the database; one label at a time."""

    def __init__(self, path: str | Path, domain: Path = DOMAIN) -> None:
        self.path = Path(path)
        self.domain = domain
        self._lock = asyncio.Lock()

    def others(self) -> dict[str, str]:
        """Every example of the other training files: example (no spaces) -> intent."""
        known: dict[str, str] = {}
        for path in sorted(self.path.parent.glob("*.yml")):
            if path.resolve() == self.path.resolve():
                continue
            for intent, examples in read_examples(path).items():
                for example in examples:
                    known.setdefault(_key(example), intent)
        return known

    async def label(self, db: Any, texts: Iterable[str], intent: str, staff: str
                    ) -> dict[str, Any]:
        if intent not in domain_intents(self.domain) or intent == "choose":
            raise TeachError(staff_text("console_label_no_intent"))
        wanted = list(dict.fromkeys(t for t in texts if isinstance(t, str) and t.strip()))
        if not wanted or len(wanted) > MAX_TEXTS:
            raise TeachError(staff_text("console_label_count", length=MAX_TEXTS))
        stored = await db.run(unresolved_texts, wanted)
        async with self._lock:
            result = await asyncio.to_thread(self._write, [t for t in wanted if t in stored],
                                             intent)
        result["unknown"] = len(wanted) - len(stored)
        await db.run(record_labels, result.pop("labels"), intent, staff, time.time())
        return result

    def _write(self, texts: list[str], intent: str) -> dict[str, Any]:
        mine = read_examples(self.path)
        others = self.others()
        added, known, conflicts, labels = [], [], [], []
        for text in texts:
            example = example_of(text)
            if not example:
                continue
            key = _key(example)
            if key in others:
                if others[key] == intent:
                    known.append(example)
                    labels.append((text, example, 0))
                else:
                    conflicts.append({"example": example, "intent": others[key]})
                continue
            for other, examples in mine.items():   # labelled again: it moves
                if other != intent:
                    mine[other] = [e for e in examples if _key(e) != key]
            if any(_key(e) == key for e in mine.get(intent, [])):   # written before
                known.append(example)
                labels.append((text, example, 0))
                continue
            mine.setdefault(intent, []).append(example)
            added.append(example)
            labels.append((text, example, 1))
        if added or labels:
            write_atomically(self.path, render(mine))
        return {"added": added, "known": known, "conflicts": conflicts, "labels": labels,
                "file": str(self.path)}


# --- the database side -----------------------------------------------------------------

def unresolved_texts(conn: sqlite3.Connection, texts: list[str]) -> set[str]:
    marks = ",".join("?" * len(texts))
    rows = conn.execute(f"SELECT DISTINCT text FROM turns WHERE unresolved IS NOT NULL"
                        f" AND text IN ({marks})", texts).fetchall()
    return {row[0] for row in rows}


def record_labels(conn: sqlite3.Connection, labels: list[tuple[str, str, int]], intent: str,
                  staff: str, now: float) -> None:
    """A text labelled again with the intent it has keeps its row (and its time: it is not
    a new example the model lacks); labelled with another, the row moves."""
    conn.executemany(
        "INSERT INTO nlu_labels (text, example, intent, written, staff, at) VALUES"
        " (?, ?, ?, ?, ?, ?) ON CONFLICT(text) DO UPDATE SET example = excluded.example,"
        " intent = excluded.intent, written = excluded.written, staff = excluded.staff,"
        " at = excluded.at WHERE nlu_labels.intent != excluded.intent",
        [(t, e, intent, w, staff, now) for t, e, w in labels])


def labels(conn: sqlite3.Connection) -> dict[str, str]:
    """Stored text -> intent, for every label."""
    return {row[0]: row[1] for row in conn.execute("SELECT text, intent FROM nlu_labels")}


def not_in_model(conn: sqlite3.Connection, trained_at: Optional[float]) -> dict[str, Any]:
    """Examples written to the file: all of them, and those after the running model."""
    total = conn.execute("SELECT COUNT(*) FROM nlu_labels WHERE written = 1").fetchone()[0]
    pending = None if trained_at is None else conn.execute(
        "SELECT COUNT(*) FROM nlu_labels WHERE written = 1 AND at > ?",
        (trained_at,)).fetchone()[0]
    return {"labelled": total, "not_in_model": pending}


def model_trained_at(model: Optional[str]) -> Optional[float]:
    """When the running model was trained: its file's time (a model is named by the hash
    of what it was trained on, so a file this old holds every label written before it)."""
    if not model:
        return None
    path = Path(model)
    for candidate in (path, ROOT / path, ROOT / ".build" / "models" / path.name):
        if candidate.is_file():
            return candidate.stat().st_mtime
    return None

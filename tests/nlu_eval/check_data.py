"""Sanity checks for nlu_data/nlu: intent contract, counts, duplicates, normalisation.

Run from the repo root with the Rasa venv (needs opencc):
    python tests/nlu_eval/check_data.py
"""
from __future__ import annotations

import collections
import glob
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.language import normalize  # noqa: E402
from bot import services  # noqa: E402
from bot.services import ACT_INTENTS, DETAIL_INTENT, SERVICE_IDS, service_intent  # noqa: E402

MIN_SERVICE, MIN_ACT, MIN_OOS = 35, 30, 150


def load(pattern: str = str(ROOT / "nlu_data/nlu/*.yml")) -> dict[str, list[str]]:
    data: dict[str, list[str]] = collections.defaultdict(list)
    for path in sorted(glob.glob(pattern)):
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for item in doc.get("nlu", []):
            for line in item["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    data[item["intent"]].append(line[2:].strip())
    return data


def main() -> int:
    data = load()
    errors = []
    expected = {service_intent(s) for s in SERVICE_IDS} | {DETAIL_INTENT} | set(ACT_INTENTS)
    extra = set(getattr(services, "INTENT_ACTS", {}))  # navigation intents owned elsewhere
    for name in sorted(expected - set(data)):  # noqa
        errors.append(f"missing intent {name}")
    for name in sorted(set(data) - expected - extra):
        errors.append(f"unexpected intent {name}")
    seen: dict[str, str] = {}
    for intent, examples in sorted(data.items()):
        need = MIN_OOS if intent == "out_of_scope" else (
            MIN_SERVICE if intent.startswith("svc_") else MIN_ACT)
        if len(examples) < need:
            errors.append(f"{intent}: {len(examples)} examples < {need}")
        for ex in examples:
            key = ex.replace(" ", "")
            if normalize(key) != key:
                errors.append(f"{intent}: not normalised: {ex!r} -> {normalize(key)!r}")
            if key in seen:
                errors.append(f"duplicate {ex!r} in {intent} and {seen[key]}")
            seen[key] = intent
    for intent, examples in sorted(data.items()):
        print(f"{intent:36s} {len(examples)}")
    print("total", sum(map(len, data.values())))
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

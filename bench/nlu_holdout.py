"""Held-out NLU evaluation, run in .venv-rasa by `make bench`.

Splits the project's NLU data 80/20 per intent (fixed seed), trains an NLU-only
model on the 80 % (timed), and parses the 20 % it never saw, after the same
normalisation the gateway applies. Prints JSON: train seconds and
(expected, predicted) pairs.
"""
from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bot.language import normalize

ROOT = Path(__file__).resolve().parent.parent


def load_examples() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in block:
                continue
            lines = [l[2:].strip() for l in block["examples"].splitlines() if l.startswith("- ")]
            examples.setdefault(block["intent"], []).extend(l for l in lines if l)
    return examples


def split(examples: dict[str, list[str]], seed: int = 13) -> tuple[dict, list]:
    rng = random.Random(seed)
    train, test = {}, []
    for intent, lines in sorted(examples.items()):
        lines = sorted(set(lines))
        rng.shuffle(lines)
        k = max(1, len(lines) // 5)
        test += [(intent, l) for l in lines[:k]]
        train[intent] = lines[k:]
    return train, test


def write_nlu(train: dict[str, list[str]], path: Path) -> None:
    blocks = [{"intent": i, "examples": "".join(f"- {l}\n" for l in lines)} for i, lines in train.items()]
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True), encoding="utf-8")


async def predict(model: Path, test: list[tuple[str, str]]) -> list[tuple[str, str]]:
    from rasa.core.agent import Agent
    agent = Agent.load(str(model))
    pairs = []
    for intent, text in test:
        result = await agent.parse_message(normalize(text) or text)
        pairs.append((intent, result["intent"]["name"]))
    return pairs


def main(argv: list[str] | None = None) -> int:
    config = Path((argv or sys.argv[1:] or [str(ROOT / "config.yml")])[0])
    out = ROOT / ".build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    train, test = split(load_examples())
    write_nlu(train, out / "train.yml")
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--nlu", str(out / "train.yml"),
                    "--config", str(config), "--out", str(out),
                    "--fixed-model-name", "holdout", "--quiet"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    pairs = asyncio.run(predict(out / "holdout.tar.gz", test))
    print(json.dumps({"train_seconds": round(seconds, 1), "train_examples": sum(map(len, train.values())),
                      "pairs": pairs}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

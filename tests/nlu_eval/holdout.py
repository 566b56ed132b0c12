"""Held-out accuracy of the NLU data: stratified 80/20 split, train on 80%, parse 20%.

    cd /work/main && /tmp/setup/venv-rasa/bin/python tests/nlu_eval/holdout.py [--out /tmp/nlu_eval]
    ... holdout.py --model <model.tar.gz> --fresh tests/nlu_eval/fresh.tsv   # only parse

Not part of CI: a training run takes a few minutes.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_data import load  # noqa: E402
from bot.language import normalize  # noqa: E402


def write_yml(path: Path, data: dict[str, list[str]]) -> None:
    lines = ['version: "3.1"', "nlu:"]
    for intent, exs in sorted(data.items()):
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {e}" for e in exs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def split(data, seed=42, frac=0.2):
    rng = random.Random(seed)
    train, test = {}, {}
    for intent, exs in data.items():
        exs = list(exs)
        rng.shuffle(exs)
        k = max(1, round(len(exs) * frac))
        test[intent], train[intent] = exs[:k], exs[k:]
    return train, test


async def parse_all(model: str, texts: list[str]):
    from rasa.core.agent import Agent
    agent = Agent.load(model)
    out = []
    for t in texts:
        r = await agent.parse_message(t)
        name = r["intent"]["name"]
        raw = [i for i in r.get("intent_ranking", []) if i["name"] != "nlu_fallback"]
        top = (raw[0]["name"], raw[0]["confidence"]) if raw else (name, r["intent"]["confidence"])
        # the gateway maps the fallback intent to out_of_scope (bot.services.intent_to_act)
        out.append(("out_of_scope" if name == "nlu_fallback" else name, top))
    return out


def report(pairs, title):
    """pairs: (text, gold, predicted, (diet_top_intent, diet_confidence))"""
    ok = sum(g == p for _, g, p, _ in pairs)
    raw_ok = sum(g == c[0] for _, g, _, c in pairs)
    print(f"\n== {title}: accuracy {ok}/{len(pairs)} = {ok / len(pairs):.3f}"
          f" (DIET top intent, no fallback: {raw_ok / len(pairs):.3f})")
    conf = collections.Counter((g, p) for _, g, p, _ in pairs if g != p)
    for (g, p), n in conf.most_common(15):
        print(f"  {n}  {g} -> {p}")
    for t, g, p, c in pairs:
        if g != p:
            print(f"  MISS {t!r}: gold {g}, got {p} (DIET top {c[0]} {c[1]:.2f})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/nlu_eval")
    ap.add_argument("--model", help="skip training, use this model")
    ap.add_argument("--fresh", help="TSV of gold_intent<TAB>raw utterance to check too")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--config", default=str(ROOT / "config.yml"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train, test = split(load(), seed=args.seed)
    model = args.model
    if not model:
        write_yml(out / "train.yml", train)
        subprocess.run(
            [sys.executable.replace("python", "rasa"), "train", "nlu", "--nlu", str(out / "train.yml"),
             "--config", args.config, "--out", str(out / "models"),
             "--fixed-model-name", "holdout"], cwd=ROOT, check=True)
        model = str(out / "models" / "holdout.tar.gz")
    items = [(normalize(t), g) for g, ts in test.items() for t in ts]
    fresh = []
    if args.fresh:
        for line in Path(args.fresh).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                g, raw = line.split("\t", 1)
                fresh.append((normalize(raw), g, raw))
    preds = asyncio.run(parse_all(model, [t for t, _ in items] + [n for n, _, _ in fresh]))
    report([(t, g, p, c) for (t, g), (p, c) in zip(items, preds)], f"held-out 20% (seed {args.seed})")
    if fresh:
        fp = preds[len(items):]
        report([(raw, g, p, c) for (n, g, raw), (p, c) in zip(fresh, fp)], "fresh utterances")
    return 0


if __name__ == "__main__":
    sys.exit(main())

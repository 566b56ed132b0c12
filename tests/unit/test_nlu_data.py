"""The NLU training data keeps its contract: every intent present with enough
examples, examples written the way the gateway normalises text, no example
under two intents."""
from collections import defaultdict
from pathlib import Path

import yaml

from bot.language import normalize
from bot.services import ACT_INTENTS, DETAIL_INTENT, INTENT_ACTS, SERVICE_IDS, service_intent

ROOT = Path(__file__).resolve().parents[2]
MIN_SERVICE, MIN_ACT, MIN_OUT_OF_SCOPE = 35, 30, 150


def load() -> dict[str, list[str]]:
    data: dict[str, list[str]] = defaultdict(list)
    for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in item["examples"].splitlines():
                if line.strip().startswith("- "):
                    data[item["intent"]].append(line.strip()[2:].strip())
    return data


def test_every_intent_is_there_with_enough_examples():
    data = load()
    expected = {service_intent(s) for s in SERVICE_IDS} | {DETAIL_INTENT} | set(ACT_INTENTS)
    assert expected <= set(data)
    assert set(data) - expected <= set(INTENT_ACTS)
    for intent, examples in data.items():
        need = (MIN_OUT_OF_SCOPE if intent == "out_of_scope" else
                MIN_SERVICE if intent.startswith("svc_") else MIN_ACT)
        assert len(examples) >= need, f"{intent}: {len(examples)} examples, need {need}"


def test_examples_are_normalised_and_unique():
    seen: dict[str, str] = {}
    problems = []
    for intent, examples in load().items():
        for example in examples:
            key = example.replace(" ", "")
            if normalize(key) != key:
                problems.append(f"{intent}: {example!r} is not normalised ({normalize(key)!r})")
            if key in seen and seen[key] != intent:
                problems.append(f"{example!r} is under {intent} and {seen[key]}")
            seen[key] = intent
    assert not problems, "\n".join(problems)

"""The accuracy gate (issue 15): a regression in understanding fails `make test`.

Every utterance of bench/data/blind/ (written apart from the training data, never trained
on) goes through /api/understand on the real stack, with the trained model; act and service
must be right for at least GATE of them. When this was added the model scored 0.991 on
the 227 utterances (DIET before it: 0.987); the gate sits just under, so one or two slips
pass and a real regression does not.
"""
from pathlib import Path

from bot.services import intent_to_act
from tests.integration.helpers import post

BLIND = Path(__file__).resolve().parents[2] / "bench" / "data" / "blind"
GATE = 0.97


def blind_cases() -> list[tuple[tuple[str, str | None], str]]:
    cases = []
    for path in sorted(BLIND.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                gold, text = line.split("\t", 1)
                cases.append((intent_to_act(gold), text))
    return cases


def test_blind_utterances_are_understood_at_least_as_well_as_today(base_url):
    cases = blind_cases()
    assert len(cases) >= 200
    wrong = []
    for (act, service), text in cases:
        _, body = post(base_url + "/api/understand", {"text": text})
        if (body["act"], body["service"]) != (act, service):
            wrong.append(f"{text}: expected {act}/{service}, got {body['act']}/{body['service']}")
    accuracy = 1 - len(wrong) / len(cases)
    assert accuracy >= GATE, f"blind accuracy {accuracy:.3f} < {GATE}:\n" + "\n".join(wrong)

"""The figures from real turns (the real stack): what the actions tell of each turn reaches
the turn records — the service asked, a question Kaifong could not help with and its masked
words — and a label is counted as not yet in the running model (Rasa's own model file)."""
from __future__ import annotations

import shutil
from typing import Iterator

import pytest

from channels.console import teach
from channels.tools.stack import ROOT
from tests.integration.helpers import Console, Conversation, wait_until
from tests.processes import Gateway

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def gateway(stack, tmp_path_factory) -> Iterator[Gateway]:
    run_dir = tmp_path_factory.mktemp("figures")
    shutil.copytree(ROOT / "nlu_data", run_dir / "nlu_data")
    gateway = Gateway(stack, run_dir,
                      labelled_examples=str(run_dir / "nlu_data" / "nlu" / "labelled.yml"))
    try:
        gateway.start()
        gateway.add_staff("boss", "admin")
        yield gateway
    finally:
        gateway.stop()


def test_real_turns_make_the_figures_and_a_label_waits_for_training(gateway):
    person = Conversation(gateway.url)
    person.say("今天股市怎么样，跌咗几多")           # nothing on screen yet: out of scope
    person.say("长者卡怎么办")
    boss = Console(gateway.url, "boss")
    seen = []

    def tables():
        status, body = boss.get("/console/api/figures/tables?period=today&channel=api")
        assert status == 200, body
        found = {t["key"]: t for t in body["tables"]}
        seen[:] = [found["unresolved"]["rows"], found["services"]["rows"],
                   found["conversations"]["rows"]]
        return body if found["unresolved"]["rows"] and found["services"]["rows"] else None
    body = wait_until(tables, what=f"the turn records of the conversation (seen {seen})")
    found = {t["key"]: t for t in body["tables"]}
    (today,) = found["conversations"]["rows"]
    assert today[1:] == [1, 1, 2]                      # api: one conversation of two turns
    assert found["services"]["rows"][0][:2] == ["长者卡", 1]
    (question,) = found["unresolved"]["rows"]
    assert question[0] == "今天股市怎么样,跌咗几多"      # as the NLU read it
    assert body["teach"]["labelled"] == 0 and body["teach"]["not_in_model"] == 0

    status, result = boss.post("/console/api/unresolved/label",
                               {"texts": [question[0]], "intent": "out_of_scope"})
    assert status == 200 and len(result["added"]) == 1, result
    assert result["status"] == {**result["status"], "labelled": 1, "not_in_model": 1}
    written = teach.read_examples(gateway.run_dir / "nlu_data" / "nlu" / "labelled.yml")
    (example,) = written["out_of_scope"]
    assert example == "今天股市怎么样,跌咗几多"

"""What a turn's result tells a channel about the way forward."""
import pytest

from channels.gateway.pipeline import TurnResult

ASK = {"text": "您想问哪件事？比如“长者卡”或者“医保报销”。"}
MENU = {"text": "您是给自己办，还是帮家人办？", "buttons": [{"title": "1 给自己办", "payload": "1"}]}


@pytest.mark.parametrize("fields, bare", [
    (dict(messages=[ASK]), True),                                   # nothing to pick
    (dict(messages=[ASK, MENU]), False),                            # options offered
    (dict(messages=[ASK], handoff={"state": "waiting", "position": 1}), False),  # staff have it
    (dict(messages=[ASK], unavailable="rasa"), False),              # the apology
    (dict(messages=[ASK], limited=30.0), False),                    # over a limit
])
def test_an_answer_that_leaves_no_choice(fields, bare):
    assert TurnResult(language="cmn", script="hans", **fields).leaves_no_choice is bare

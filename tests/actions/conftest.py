"""Action tests run in .venv-rasa with a real rasa_sdk Tracker and CollectingDispatcher."""
from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(text: str, intent: str, language: str = "cmn",
                 slots: Optional[dict[str, Any]] = None,
                 metadata: Optional[dict[str, Any]] = None) -> Tracker:
    meta = {"language": language, "script": "hans", "channel": "api"}
    meta.update(metadata or {})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99},
              "entities": [], "metadata": meta}
    return Tracker(sender_id="test-user", slots=dict(slots or {}), latest_message=latest,
                   events=[{"event": "user", "text": text, "parse_data": latest, "metadata": meta}],
                   paused=False, followup_action=None, active_loop={},
                   latest_action_name="action_listen")


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()

"""Action tests run in .venv-rasa with a real rasa_sdk Tracker and CollectingDispatcher."""
from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import settings


def make_tracker(text: str, intent: str, language: str = "cmn",
                 slots: Optional[dict[str, Any]] = None,
                 metadata: Optional[dict[str, Any]] = None,
                 ranking: Optional[list[tuple[str, float]]] = None) -> Tracker:
    meta = {"language": language, "script": "hans", "channel": "api"}
    meta.update(metadata or {})
    confidence = ranking[0][1] if ranking else 0.99
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking or []],
              "entities": [], "metadata": meta}
    return Tracker(sender_id="test-user", slots=dict(slots or {}), latest_message=latest,
                   events=[{"event": "user", "text": text, "parse_data": latest, "metadata": meta}],
                   paused=False, followup_action=None, active_loop={},
                   latest_action_name="action_listen")


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(autouse=True)
def fresh_settings():
    """The actions read the settings once per process; a test that changes the
    environment gets them read again, and the next test gets the defaults back."""
    settings.cache_clear()
    yield
    settings.cache_clear()

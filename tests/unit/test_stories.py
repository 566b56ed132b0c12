"""The Rasa test stories (tests/stories, run by make test) ask about every service at
least once in Mandarin and once in Cantonese."""
from pathlib import Path

import yaml

from bot.language import YUE, detect_language
from bot.services import SERVICE_IDS, service_intent

STORIES = Path(__file__).resolve().parents[1] / "stories"


def asked() -> dict[str, set[str]]:
    """intent -> the languages of the user turns labelled with it."""
    found: dict[str, set[str]] = {}
    for path in sorted(STORIES.glob("test_*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                if "user" in step and "intent" in step:
                    language = "yue" if detect_language(step["user"]) == YUE else "cmn"
                    found.setdefault(step["intent"], set()).add(language)
    return found


def test_every_service_is_asked_in_both_languages():
    found = asked()
    missing = [(service, language) for service in SERVICE_IDS for language in ("cmn", "yue")
               if language not in found.get(service_intent(service), set())]
    assert missing == []

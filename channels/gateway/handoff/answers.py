"""The eligibility questions a person answered before a hand-over, read from the turns
the desk keeps for the case: each outcome the walk said (a rule's if_yes or if_no text
from the catalog, in either language) is an answer, and the person's turn before it is
what they said (the option's words for a pressed number). Staff read the question and
the outcome in Mandarin. Channel-neutral, and needs nothing from the dialogue's state."""
from __future__ import annotations

from typing import Any, Optional, Sequence

from bot.catalog import LANGUAGES, Service
from channels.gateway.handoff.store import Turn


def rule_answers(service: Optional[Service], turns: Sequence[Turn]) -> list[dict[str, Any]]:
    if service is None or not service.rules:
        return []
    outcomes = {rule.text(field, lang): (index, field == "if_yes")
                for index, rule in enumerate(service.rules)
                for field in ("if_yes", "if_no") for lang in LANGUAGES}
    found: dict[int, dict[str, Any]] = {}
    said = None
    for turn in turns:
        if turn.author == "user":
            said = turn.shown or turn.text
            continue
        for line in turn.text.splitlines():
            if line.strip() in outcomes:            # the latest answer to a question counts
                index, yes = outcomes[line.strip()]
                rule = service.rules[index]
                found[index] = {"question": rule.text("ask", "cmn"),
                                "answer": "yes" if yes else "no",
                                "outcome": rule.text("if_yes" if yes else "if_no", "cmn"),
                                "said": said}
    return [found[i] for i in sorted(found)]

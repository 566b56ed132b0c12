"""Words that answer the walk before the NLU's guess, as plain rules on an Utterance:
a service named exactly (a button's words), a long number typed at a menu (an ID
card, a phone number: never a new request), the age an ID card number tells, and
the words that end a walk or skip the reason for a low rating.

The walk (actions/flow.py) and the rating steps (actions/feedback_steps.py) use them.
"""
from __future__ import annotations

import datetime
import functools
import re
from typing import Optional

from actions.common import service_catalog
from bot.controls import OPTION_WORDS, parse_rating
from bot.language import Utterance, read

_PARTICLES = re.compile(r"[啦吧呀啊喇嘞咯喎噃]+$")
_LONG_NUMBER = re.compile(r"\d{6,}[\dx]*")
_ID_NUMBER = re.compile(r"(?<!\d)\d{6}((?:19|20)\d{2})(\d{2})(\d{2})\d{3}[\dx](?!\d)")
_DONE = re.compile(OPTION_WORDS["done"])
# skipping the reason: 「不说了」「冇嘢」「没有」「办完了」 and nothing else
_SKIP_REASON = re.compile("|".join((OPTION_WORDS["skip"], OPTION_WORDS["done"],
                                    r"冇嘢|没有|没什么|没事|冇所谓|不用|唔使|冇|无")))
_FILLER = re.compile(r"[我都也就啦了喇吧呀啊嘅的]")
SHORT = 10   # characters: longer words are a sentence of their own, not a button's words


def bare(said: Utterance) -> str:
    return _PARTICLES.sub("", said.plain)


@functools.lru_cache(maxsize=4)
def _names(catalog_id: int) -> dict[str, str]:
    names: dict[str, str] = {}
    for service_id, service in service_catalog().items():
        for language in ("cmn", "yue"):
            names[read(service.text("name", language)).plain] = service_id
    return names


def named_service(said: Utterance) -> Optional[str]:
    """The service whose name is all that was said (「长者卡」「醫保報銷」), or None."""
    return _names(id(service_catalog())).get(bare(said))


def long_number(said: Utterance) -> Optional[str]:
    """A number of six digits or more (an ID card, a phone), or None."""
    match = _LONG_NUMBER.search(said.plain.replace("-", ""))
    return match.group(0) if match else None


def age_from_id(number: str, today: Optional[datetime.date] = None) -> Optional[int]:
    """The age a mainland ID card number tells (digits 7-14 are the birth date)."""
    match = _ID_NUMBER.search(number)
    if match is None:
        return None
    try:
        born = datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
    today = today or datetime.date.today()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age if 0 <= age < 130 else None


def says_done(said: Utterance) -> bool:
    """「办完了」「没有了，办完了」「搞掂」: short words that end the walk."""
    return len(said.plain) <= SHORT and bool(_DONE.search(said.plain))


def skips_reason(said: Utterance) -> bool:
    """「不说了」「冇嘢」「不想讲」「办完了」 and nothing more: no reason for the low
    rating (「等了很久，算了」 is a reason)."""
    words = bare(said)
    return bool(words) and not _FILLER.sub("", _SKIP_REASON.sub("", words))


def only_a_rating(said: Utterance) -> Optional[int]:
    """A new rating said on its own (「非常满意」「一般」「5分」), or None."""
    score = parse_rating(said)
    if score is None or len(bare(said)) > 6:
        return None
    return score

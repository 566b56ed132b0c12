"""Unresolved questions, grouped: the same question asked in different words counts once.

Texts are compared after a light canonical form (Cantonese function words as their
Mandarin forms, particles and politeness dropped, punctuation and spaces gone), by the
Dice coefficient of their character bigrams. Grouping is greedy, most frequent text
first, through an inverted index of bigrams, so a month of unresolved turns groups in
milliseconds; each group is led by its most frequent wording.

    今天天气怎么样 / 今日天气点样呀 / 今天天气怎么样？   -> one group of 3
    长者饭堂几点开门 / 长者饭堂在哪里                     -> two groups
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional

# Cantonese words as the Mandarin words they mean (longest first: 咩嘢 before 咩).
CANTONESE = (("点样", "怎么样"), ("点解", "为什么"), ("咩嘢", "什么"), ("乜嘢", "什么"),
             ("边度", "哪里"), ("边个", "谁"), ("几时", "什么时候"), ("几多", "多少"),
             ("今日", "今天"), ("听日", "明天"), ("琴日", "昨天"), ("寻日", "昨天"),
             ("而家", "现在"), ("冇", "没有"), ("唔该", "谢谢"), ("咩", "什么"), ("乜", "什么"),
             ("系", "是"), ("唔", "不"), ("嘅", "的"), ("佢", "他"), ("喺", "在"), ("俾", "给"),
             ("畀", "给"), ("咗", "了"), ("啲", "些"), ("嚟", "来"), ("睇", "看"), ("讲", "说"),
             ("揾", "找"), ("搵", "找"), ("仲", "还"))
DROPPED = re.compile(r"请问|想问|我想|一下|[呀啊吗呢啦嘛喇咯吧哦噢啰嘞喎㗎嗎]|[^\w]|[_0-9]")
SIMILAR = 0.5          # Dice of bigrams at least this: the same question
MAX_TEXTS = 5000       # the most frequent distinct texts grouped; the rest counted apart


@dataclass
class Group:
    key: str                       # stable id of the group (from its leading text)
    text: str                      # the most frequent wording
    count: int = 0                 # every time any wording of it was said
    variants: list[tuple[str, int]] = field(default_factory=list)   # wording, times
    last_day: int = 0

    @property
    def texts(self) -> list[str]:
        return [text for text, _ in self.variants]


def canonical(text: str) -> str:
    out = text.lower()
    for cantonese, mandarin in CANTONESE:
        out = out.replace(cantonese, mandarin)
    return DROPPED.sub("", out)


def grams(text: str) -> frozenset[str]:
    form = canonical(text) or text
    if len(form) < 2:
        return frozenset({form})
    return frozenset(form[i:i + 2] for i in range(len(form) - 1))


def similarity(a: str, b: str) -> float:
    ga, gb = grams(a), grams(b)
    return 2 * len(ga & gb) / (len(ga) + len(gb)) if ga and gb else 0.0


def group_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def group(counted: Iterable[tuple[str, int, int]], threshold: float = SIMILAR,
          limit: Optional[int] = None) -> tuple[list[Group], int]:
    """(text, times, last day) rows -> groups, most frequent first, and how many distinct
    texts were beyond MAX_TEXTS (counted, not grouped)."""
    rows = sorted(counted, key=lambda r: (-r[1], r[0]))
    skipped = max(0, len(rows) - MAX_TEXTS)
    groups: list[Group] = []
    leaders: list[frozenset[str]] = []
    index: dict[str, list[int]] = defaultdict(list)
    for text, times, last_day in rows[:MAX_TEXTS]:
        mine = grams(text)
        shared: dict[int, int] = defaultdict(int)
        for gram in mine:
            for g in index[gram]:
                shared[g] += 1
        best, score = None, 0.0
        for g, n in shared.items():
            dice = 2 * n / (len(mine) + len(leaders[g]))
            if dice > score:
                best, score = g, dice
        if best is None or score < threshold:
            best = len(groups)
            groups.append(Group(group_key(text), text))
            leaders.append(mine)
            for gram in mine:
                index[gram].append(best)
        found = groups[best]
        found.count += times
        found.variants.append((text, times))
        found.last_day = max(found.last_day, last_day)
    groups.sort(key=lambda g: (-g.count, g.text))
    return (groups[:limit] if limit else groups), skipped

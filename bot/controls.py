"""Deterministic understanding of the few things that must never be missed or
guessed: emergencies, 「0」 for a person, 「返回」, numbered choices, and answers to
the question on screen (「帮我阿妈办」「满咗」「好满意」「78岁」).

All functions take raw user text and normalise it themselves.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from bot.aspects import ASPECT_WORDS
from bot.language import Utterance, as_utterance, parse_choice
from bot.textrules import cn_number

# --- controls that override the NLU ----------------------------------------

_EMERGENCY = re.compile(
    r"救命|救护车|叫白车|晕倒|晕咗|晕低|昏倒|昏迷|跌倒|跌亲|跌咗落|摔倒|摔了|滚落|"
    r"(?:胸口|心口|胸)(?:好|很|非常|十分|极|剧)?痛|心绞痛|喘不过气|透不过气|唞唔到气|抖唔到气|呼吸困难|"
    r"中风|抽筋抽到|大出血|流好多血|流了很多血|不省人事|冇晒反应|没有反应|没反应了|心脏病发")
# An emergency is happening now to someone present. A fall, a faint or a stroke told as
# part of a claim, a certificate, a payment or an appointment is a service question
# (工伤, 报销, 残疾证), and one told in the past (上个月, 去年) is history — unless the
# person calls for help or says it is still going on.
_CALL_FOR_HELP = re.compile(r"救命|救护车|叫白车|白车|打120|叫120|call120|快啲嚟|快点来|快来人|快啲叫|快点叫")
_SERVICE_CONTEXT = re.compile(
    r"工伤|报销|报返|认定|鉴定|赔偿|赔钱|补偿|理赔|保险|申请|补贴|津贴|证明|证书|残疾证|医药费|医疗费|住院费|"
    r"病假|仲裁|手续|材料|表格|怎么办理|点样办|点办|办理|挂号|预约|复诊|门诊|攞返|领取|发放|养老金|社保")
_PAST = re.compile(
    r"以前|之前|上次|上个月|上个礼拜|上个星期|上星期|上礼拜|上周|去年|旧年|上年|前年|年前|月前|当时|嗰阵|那时|"
    r"曾经|试过|早几日|前几天|前几日|几日前|几天前|昨天|琴日|寻日|尋日|噚日|以往|过去|那次|嗰次")
_STILL_NOW = re.compile(
    r"而家|宜家|依家|现在|正在|仲系|还是|起唔到|起不来|起不了|爬不起|郁唔到|动不了|唔郁|不动了|冇反应|没反应|"
    r"叫唔醒|叫不醒|流紧血|还在流血|不停流血|又跌|又摔|又晕|刚刚|啱啱")


def is_emergency(plain: str) -> bool:
    """The keyword check, kept instant: an emergency word, unless the words around it
    make it a question about a service or a story from the past."""
    if _CALL_FOR_HELP.search(plain):
        return True
    if not _EMERGENCY.search(plain):
        return False
    if _SERVICE_CONTEXT.search(plain):
        return False
    if _PAST.search(plain):
        return bool(_STILL_NOW.search(plain))
    return True


_BACK = re.compile(r"^(?:请)?(?:返回|退回|回到)?(?:上一步|上一个|上一页|返上一步|返去上一步|倒返转头|返回|后退|退后)(?:吧|啦|呀|啊)?$")
_ZERO = re.compile(r"^(?:0|零|〇|按0|拨0|撳0|揿0)$")


def control_intent(text: Utterance | str) -> Optional[tuple[str, Optional[int]]]:
    """(intent, choice) when the utterance is unmistakably a control, else None."""
    said = as_utterance(text)
    s = said.plain
    if is_emergency(s):
        return "emergency", None
    if _ZERO.match(s):
        return "human", None
    if _BACK.match(s):
        return "back", None
    choice = parse_choice(said)
    if choice is not None:
        return "choose", choice
    return None


# --- answers to the options on screen -----------------------------------------

OPTION_WORDS = {
    "self": r"自己|本人|我自己|帮我办|俾我办|我办",
    "family": r"阿妈|妈妈|母亲|阿爸|爸爸|父亲|老豆|老窦|家人|屋企人|老公|老婆|老伴|丈夫|太太|"
              r"个仔|个女|儿子|女儿|孩子|细路|孙|父母|亲戚|别人|帮人|代办|代人|替人|长辈|老人家",
    "yes": r"^(?:是|是的|係|系|系呀|有|有呀|有的|满了|满咗|够|够咗|够了|对|啱|冇错|没错|嗯|好|得)"
           r"(?:啊|呀|啦|嘅|的|了|咗)?$|已经满|已经够|有户口|有本市户口",
    "no": r"^(?:不是|唔系|唔係|没有|冇|冇呀|未|未够|未满|还没|还没有|不够|唔够|没满|不满|否|不)"
          r"(?:啊|呀|啦|嘅|的|了|咗)?$|未够|未满|还没满|还不够|冇户口|没有户口|没户口",
    # the menu options named after an aspect answer to that aspect's words, kept in one place
    **{aspect: ASPECT_WORDS[aspect] for aspect in ("materials", "where", "online")},
    "human": r"工作人员|真人|人工|职员|搵人|找人",
    "done": r"办完|搞掂|冇嘢|没事了|没有了|冇其他|没别的|唔使了|不用了|够了|可以了|明白了|知道了",
    "continue": r"继续|再试|再问|自己问|唔使人|不用人",
    "other": r"别的事|其他事|第二样|另一件|其他嘢",
    "skip": r"不想讲|唔想讲|不说了|唔讲|算了|跳过|不用了|唔使了",
}
_OPTION_RE = {key: re.compile(pattern) for key, pattern in OPTION_WORDS.items()}


def match_option(text: Utterance | str, keys: Iterable[str]) -> Optional[str]:
    """Which of the options on screen the words pick, when exactly one does."""
    said = as_utterance(text)
    hits = [k for k in keys if k in _OPTION_RE and _OPTION_RE[k].search(said.plain)]
    if len(hits) == 1:
        return hits[0]
    rating = parse_rating(said)
    if rating is not None and f"rate:{rating}" in keys:
        return f"rate:{rating}"
    return None


# --- 好差评: five levels ------------------------------------------------------

_RATINGS = [
    (1, r"非常不满意|十分不满意|好唔满意|极唔满意|非常差|好差|差评|垃圾|一星|1星|1分|一分"),
    (2, r"不满意|唔满意|唔系几满意|不太满意|差|两星|2星|2分|两分|二分"),
    (3, r"基本满意|一般|麻麻哋|麻麻地|还行|还可以|马马虎虎|过得去|普通|三星|3星|3分|三分"),
    (5, r"非常满意|十分满意|好满意|好好|超满意|好正|非常好|五星|5星|5分|五分|满分|好评"),
    (4, r"满意|几好|不错|唔错|挺好|四星|4星|4分|四分"),
]
_RATING_RE = [(score, re.compile(p)) for score, p in _RATINGS]


def parse_rating(text: Utterance | str) -> Optional[int]:
    """1-5 from words (「好满意」「麻麻哋」「唔满意」「五星」), or None."""
    s = as_utterance(text).plain
    for score, rx in _RATING_RE:
        if rx.search(s):
            return score
    return None


# --- ages: 「78」「七十八岁」「我今年82」 ------------------------------------------

_CN_AGE = "[一二两三四五六七八九]?十[一二三四五六七八九]?"


def parse_age(text: Utterance | str) -> Optional[int]:
    """An age in years said on its own or with 岁/今年, or None."""
    s = as_utterance(text).plain
    m = re.search(r"(\d{1,3})(?:岁|周岁)?", s)
    if m and (len(s) <= 8 or "岁" in s or "今年" in s):
        age = int(m.group(1))
        return age if 0 < age < 130 else None
    m = re.search(f"({_CN_AGE})(?:岁|周岁)", s) or \
        re.fullmatch(f"(?:我|佢|她|他|老人家)?(?:今年)?({_CN_AGE})(?:岁)?", s)
    if m:
        return cn_number(m.group(1))
    return None

"""Language layer shared by the gateway, the actions and the tests.

Detects the script (hans/hant) and the language (cmn/yue) of an utterance,
normalises text to Simplified for the NLU, converts replies back to the
user's script, and parses the small things every channel needs: numbered
choices and explicit "speak Cantonese" / "use Traditional" requests.

Everything here is pure and fast; OpenCC converters are created once, lazily.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Optional

import opencc

from bot.textrules import cn_number, join_cjk, read_digits, strip_punctuation

CMN, YUE = "cmn", "yue"
HANS, HANT = "hans", "hant"
LANGUAGES = (CMN, YUE)
SCRIPTS = (HANS, HANT)


@functools.lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def to_script(text: str, language: str, script: str, hant_cmn: str = "s2t") -> str:
    """Convert a reply (written in Simplified) to the user's script.

    Cantonese uses the Hong Kong standard; Traditional Mandarin uses `hant_cmn`
    (s2t, or s2tw for Taiwan forms), chosen by setting.
    """
    if script != HANT or not text:
        return text
    if language == YUE:
        # Cantonese writes the copula 係 as 系 in Simplified; OpenCC keeps 系 (系统, 关系).
        return _converter("s2hk").convert(_YUE_COPULA.sub("係", text))
    return _converter(hant_cmn).convert(text)


_YUE_COPULA = re.compile(r"(?<![关联体派院科学世母父直旁])系(?![统列数谱])")


# --- script -----------------------------------------------------------------

def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def script_evidence(text: str) -> tuple[int, int]:
    """Count characters only Traditional (t2s changes them) and only Simplified."""
    hant = hans = 0
    to_s, to_t = _converter("t2s"), _converter("s2t")
    for ch in {c for c in text if _is_cjk(c)}:
        n = text.count(ch)
        if to_s.convert(ch) != ch:
            hant += n
        elif to_t.convert(ch) != ch:
            hans += n
    return hant, hans


def detect_script(text: str) -> Optional[str]:
    """hans, hant, or None when the text has no telling character (「你好」「2」)."""
    hant, hans = script_evidence(text)
    if hant > hans:
        return HANT
    if hans > hant:
        return HANS
    return None


# --- language ---------------------------------------------------------------
# Markers are matched on the Simplified form, so Cantonese typed in either
# script is found. Weights: 3 = unmistakable, 2 = strong, 1 = a hint.

_YUE_MARKERS = [
    (3, r"嘅|咗|喺|冇|啲|嚟|佢|哋|嘢|噉|嗰|𠮶|乜|揾|搵|睇|攞|畀|㗎|喎|嘞|啱|咩|唔|冚|嘥|咁样|咁多|咁耐"),
    (3, r"点样|点解|点算|点搞|点办|点先|点做|点去|点知|点讲|点攞|点申请|点弄|点过|点补"),
    (3, r"边度|边个|边间|边啲|边位|边区|边条|边张|边样|边处|几多|几耐|而家|宜家|依家|屋企|老豆|琴日|听日|寻日"),
    (3, r"系咪|系唔系|唔系|系咩|真系|就系|都系|我系|佢系|你系|系边|系度|先得|得唔得|使唔使|要唔要|有冇|识唔识"),
    (2, r"听下|讲下|睇下|个仔|个女|仔女|细路|成日|出粮|倾下|倾偈|返工|放工|收工|几钱|俾我|俾佢|俾你|同我讲|我想问下|问下|搞掂|攞|仲要|仲有|仲系|咪|啦嘛|吖|啫|咋|喇|呀嘛|个喎"),
    (3, r"呢个|呢度|呢啲|呢间|呢位|呢排|呢张|呢样|呢次"),
    (1, r"阿妈|阿爸|老人家|几时|边|多谢"),
]
_CMN_MARKERS = [
    (3, r"什么|怎么|怎样|哪里|哪儿|哪个|这个|那个|这里|那里|没有|我们|他们|你们|她们|咱们|为什么|多少钱"),
    (2, r"吗|呢(?=[?？。!！]*$)|是不是|是否|的话|了吧|不是|不用|不要|应该|可以吗|在哪|哪些|这样|那样|怎么办|啥"),
    (1, r"的|了|是|不|在|这|那|妈妈|爸爸|今天|明天"),
]
# Text is converted with OpenCC t2s before matching, and t2s changes a few
# Cantonese characters (喎, 嗰); convert the patterns the same way so they meet.
_YUE_RE = [(w, re.compile(_converter("t2s").convert(p))) for w, p in _YUE_MARKERS]
_CMN_RE = [(w, re.compile(_converter("t2s").convert(p))) for w, p in _CMN_MARKERS]


def language_scores(simplified: str) -> tuple[int, int]:
    """(cantonese, mandarin) evidence in Simplified text; each hit counts once per weight group."""
    yue = sum(w * len(rx.findall(simplified)) for w, rx in _YUE_RE)
    cmn = sum(w * len(rx.findall(simplified)) for w, rx in _CMN_RE)
    return yue, cmn


def detect_language(text: str) -> Optional[str]:
    """yue, cmn, or None when the text does not tell (「社保卡」「2」「好」)."""
    simplified = to_simplified(text)
    yue, cmn = language_scores(simplified)
    # Cantonese writing borrows standard Chinese freely, so one clear Cantonese
    # marker outweighs a few weak Mandarin ones.
    if yue >= 3 and yue * 2 >= cmn:
        return YUE
    if yue > cmn and (yue >= 2 or len(simplified) < 12):
        # A lone weak hint (「阿妈」) decides a short utterance, not a long formal one.
        return YUE
    if cmn > yue or (yue == 0 and len(simplified) >= 12):
        # A long sentence with no Cantonese in it is standard written Chinese.
        return CMN
    return None


# --- normalisation ----------------------------------------------------------

_EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\ufe0f\u200d]")
_MULTISPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Text as the NLU was trained on: Simplified, half-width, no emoji,
    no spaces between Chinese words (the recogniser writes 「养老金 资格 认证」)."""
    text = unicodedata.normalize("NFKC", text)
    text = _EMOJI_RE.sub("", text)
    text = join_cjk(_MULTISPACE.sub(" ", text))
    return to_simplified(text).lower()


# --- one utterance, read once ------------------------------------------------

@dataclass(frozen=True)
class Utterance:
    """What the person said, read once at the entry and passed on: every rule of a
    turn (controls, switches, the queue's words, the NLU) reads these fields
    instead of normalising the text again."""
    raw: str                  # as typed or recognised
    normalized: str           # what the NLU reads: Simplified, half-width, lower case
    plain: str                # normalized without spaces and punctuation: keyword rules
    digits: str               # plain with numbers read out (一三八 → 138)
    language: Optional[str]   # what this text alone tells (None: it does not tell)
    script: Optional[str]

    def __str__(self) -> str:
        return self.raw


def read(text: str) -> Utterance:
    normalized = normalize(text)
    plain = strip_punctuation(normalized)
    return Utterance(raw=text, normalized=normalized, plain=plain,
                     digits=read_digits(plain, min_digits=1), language=detect_language(text),
                     script=detect_script(text))


def as_utterance(text: "Utterance | str") -> Utterance:
    """Rules take an Utterance; plain strings (tests, the actions' text) are read here."""
    return text if isinstance(text, Utterance) else read(text)


# --- explicit choices: 「講廣東話」「说普通话」「用繁體字」 -------------------------

@dataclass(frozen=True)
class Switch:
    language: Optional[str] = None
    script: Optional[str] = None


_SWITCH_VERB = r"(?:讲|说|用|转|换|改|转做|换做|改用|换成|转成|讲返|说回|用返|要)"
_LANG_YUE = re.compile(_SWITCH_VERB + r"(?:返)?(?:广东话|粤语|广州话|白话|cantonese)")
_LANG_CMN = re.compile(_SWITCH_VERB + r"(?:返)?(?:普通话|国语|mandarin)")
_SCRIPT_HANT = re.compile(_SWITCH_VERB + r"(?:返)?(?:繁体|繁体字|繁体中文|正体字|繁字)")
_SCRIPT_HANS = re.compile(_SWITCH_VERB + r"(?:返)?(?:简体|简体字|简体中文|简字)")


def parse_switch(text: "Utterance | str") -> Optional[Switch]:
    """An explicit request to change language or script, or None.

    Only short utterances count, so 「你可唔可以講廣東話」 switches but a long
    question that merely mentions 普通话 does not.
    """
    s = as_utterance(text).plain
    if len(s) > 16:
        return None
    language = YUE if _LANG_YUE.search(s) else CMN if _LANG_CMN.search(s) else None
    script = HANT if _SCRIPT_HANT.search(s) else HANS if _SCRIPT_HANS.search(s) else None
    if language is None and script is None:
        return None
    return Switch(language=language, script=script)


# --- numbered choices: 「2」「第二个」「揀二」「二號」 -----------------------------

_CHOICE_RE = re.compile(
    r"^(?:我)?(?:想|要|拣|选|揀|揀选|按|选择|就|要第)?(?:第)?"
    r"(?P<n>\d{1,2}|[一二两三四五六七八九十])"
    r"(?:个|项|样|号|条|下|个选项|个吧|个啦|吧|啦|呀|啊|喇|嘞|号啦)?$"
)


def parse_choice(text: "Utterance | str") -> Optional[int]:
    """The option number in a short choosing utterance, or None."""
    m = _CHOICE_RE.match(as_utterance(text).plain)
    if not m:
        return None
    n = m.group("n")
    return int(n) if n.isdigit() else cn_number(n)


# --- per-conversation state ---------------------------------------------------

@dataclass(frozen=True)
class LanguageState:
    """What a conversation speaks. `*_locked` marks an explicit choice that sticks."""
    language: str = CMN
    script: str = HANS
    language_locked: bool = False
    script_locked: bool = False

    def observe(self, text: "Utterance | str") -> "LanguageState":
        """The state after the user said `text` (switch requests included)."""
        said = as_utterance(text)
        switch = parse_switch(said)
        if switch is not None:
            new = self
            if switch.language:
                new = replace(new, language=switch.language, language_locked=True)
            if switch.script:
                new = replace(new, script=switch.script, script_locked=True)
            elif switch.language and not self.script_locked:
                # 「講廣東話」 typed in Traditional also says which script they read.
                new = replace(new, script=said.script or new.script)
            return new
        new = self
        if not self.language_locked:
            new = replace(new, language=said.language or new.language)
        if not self.script_locked:
            new = replace(new, script=said.script or new.script)
        return new

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
    return ("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
            or "\U00020000" <= ch <= "\U0003ffff")


_TRADITIONAL_STANDARDS = ("s2t", "s2hk", "s2tw")
# Characters OpenCC's Simplified-to-Traditional tables map to another character although
# Traditional writing uses them too (里 公里, 游 游水, 干 干擾, 准 唔准, 后 天后, 郁 唔郁 …), and two
# that Hong Kong writes for Cantonese particles (晒 唔該晒, 吓 睇吓): they tell no script.
_BOTH_SCRIPTS = set("熏淀郁适雇采里辟荐胜苹虫跖腊腌范蚝蝎蜡膻准几凶厂厘划占叶吁后帘岩岳党夸咨咸尸干广"
                    "征确种筑挂涂涌杠杰极游据斗愿朴柜万丑丰伙于云亘仆价余佣晒吓")


def _changed(text: str, converted: str) -> list[bool]:
    """Which characters of `text` a whole-text conversion changed (OpenCC keeps length;
    if it did not, fall back to converting character by character)."""
    if len(converted) == len(text):
        return [a != b for a, b in zip(text, converted)]
    return [True] * len(text)


def script_evidence(text: str) -> tuple[int, int]:
    """(characters only Traditional writes, characters only Simplified writes), each
    decided in context by whole-text conversions: t2s changes a Traditional-only
    character; a Simplified-only one is changed by every Traditional standard (s2t, and
    the Hong Kong and Taiwan forms s2hk, s2tw)."""
    to_s = _changed(text, _converter("t2s").convert(text))
    to_t = [_changed(text, _converter(c).convert(text)) for c in _TRADITIONAL_STANDARDS]
    hant = hans = 0
    for i, ch in enumerate(text):
        if not _is_cjk(ch):
            continue
        if to_s[i]:
            hant += 1
        elif all(t[i] for t in to_t) and ch not in _BOTH_SCRIPTS:
            hans += 1
    return hant, hans


def detect_script(text: str) -> Optional[str]:
    """hant when the text stays the same under a Traditional standard (s2t, s2hk or s2tw)
    and changes under t2s; hans the other way round; None when it reads the same in
    both (「你好」「2」). Mixed text goes by its telling characters, Traditional on a tie:
    a Simplified keyboard does not type Traditional-only characters, while Traditional
    writers use a few Simplified forms (「唔該晒」)."""
    if not any(_is_cjk(ch) for ch in text):
        return None
    simplified = _converter("t2s").convert(text) == text
    traditional = any(_converter(c).convert(text) == text for c in _TRADITIONAL_STANDARDS)
    if simplified and traditional:
        return None
    if traditional:
        return HANT
    hant, hans = script_evidence(text)
    if simplified:
        return HANS if hans else None
    if hant == 0 and hans == 0:
        return None
    return HANT if hant >= hans else HANS


# --- language ---------------------------------------------------------------
# Markers are matched on the Simplified form (so Cantonese typed in either script is
# found), except 係, which t2s merges with 系 (系统, 关系): it is read on the raw text.
# Weights: 3 = unmistakable, 2 = strong, 1 = a hint.

_END = r"(?=[\s,.!?;:~…。，！？；：、」』\"')）]*$)"   # a sentence-final particle
# a classifier that begins a noun phrase as its determiner (the word after it is a noun,
# not 个人 / 部分 / 条件 / 张开 / 间接 …)
_DET_CLASSIFIER = (r"(?:个(?![人别体性子案])|张(?![开贴家三罗望扬口力])|部(?![分份门长署队位件])|"
                   r"条(?![件例款约目理文])|间(?![接隔歇暇或断格距])|架(?![构设子势空]))")

_YUE_MARKERS = [
    (3, r"嘅|咗|喺|冇|啲|嚟|佢|哋|嘢|噉|嗰|𠮶|乜|揾|搵|睇|攞|畀|㗎|喎|嘞|啱|咩|唔|冚|嘥|咁|啫|囖|噃|啩|"
        r"諗|瞓|攰|嬲|嗌|黐|冧|孭|餸|𡃉|𠺢|嚹|𠻹|𠸏|𠻺|𨋢|揦|𢫏|揼|踎|唞|閂|喐|嚿|掹|"
        r"咁样|咁多|咁耐"),
    (3, r"点样|点解|点算|点搞|点办|点先|点做|点去|点知|点讲|点攞|点申请|点弄|点过|点补|点会|点呀|点啊"),
    (3, r"边度|边个|边间|边啲|边位|边区|边条|边张|边样(?![式本品板子])|边处|边类(?!型)|边一|边瓣|去边|喺边|几多|几耐|几时嘅|而家|宜家|依家|"
        r"屋企|老豆|老窦|琴日|琴晚|听日|寻日|尋日|朝头早|晏昼|夜晚黑|头先|啱啱|即刻"),
    (3, r"系咪|系唔系|唔系|系咩|真系|就系|都系|我系|佢系|你系|系边|系度|即系|梗系|实系|又系|仲系|先系|"
        r"先得|得唔得|使唔使|要唔要|有冇|识唔识|同埋|一齐|揾工|搵工|得闲|唔该|多谢晒|唔好意思"),
    (3, r"呢个|呢度|呢啲|呢间|呢位|呢排|呢张|呢样|呢次|呢种|呢条|呢件|呢部|呢单|呢句|呢头|呢边|呢班|呢两|呢几|"
        r"哩个|哩度|哩啲|哩间|哩位|哩排|哩张|哩样|哩次|哩种|哩条|哩件|哩部|哩句|哩头|哩几"),
    # 「再讲多次」「讲多一次」: a verb, then 多 and how many times
    (3, r"(?<!执)(?:讲|讲多|讲慢|讲快|讲大声|说慢|睇|听|试|问|写|做|食|饮|等|坐|住|玩)多(?:一)?(?:次|遍|阵|下|啲|句)|讲慢|讲快啲"),
    (2, r"听下|讲下|睇下|个仔|个女|仔女|细路|成日|出粮|倾下|倾偈|倾计|返工|放工|收工|几钱|俾我|俾佢|俾你|同我讲|"
        r"同你讲|我想问下|问下|搞掂|仲要|仲有|仲未|仲系|咪|啦嘛|吖|咋" + _END + r"|喇|呀嘛|个喎|第二度|"
        r"钟意|(?<=[好唔都我你佢最几冇])中意|得返|冇问题|好彩|搞笑|吓" + _END + r"|囉" + _END + r"|噉样"),
    # 「同职员倾」「同工作人员讲」: with someone, talk
    (2, r"同(?:我|你|佢|人|职员|工作人员|真人|客服|staff|社工|医生)\w{0,3}(?:讲|倾|讲嘢)"),
    # 「得一部手机」: 得 meaning "only have"
    (2, r"(?:^|[我你佢都就])得(?:一|两|几|[0-9])(?:个|张|部|间|架|条|对|件|本|份|次|日|蚊|千|百|万|成|只)"),
    # measure words as determiners, without 一 or 呢/嗰: 「张卡唔见咗」「我张卡」「买张八达通」
    (2, r"(?:^|[，,。!！?？])(?:[我你佢]|阿妈|阿爸|老公|老婆)?" + _DET_CLASSIFIER + r"[\u4e00-\u9fff]"),
    (1, r"(?:买|攞|拎|揸|租|借|搵|揾)" + _DET_CLASSIFIER + r"[\u4e00-\u9fff]"),
    # more Cantonese grammar: V紧 (progressive), V晒 (all), V先 / V添 / V未 at the end, V左 for V咗
    (3, r"(?:做|讲|睇|听|食|等|搵|揾|写|打|用|学|倾|返|行|玩|上载|下载|处理|准备|排|搞|揾|谂|诸|返|住|瞓|煮|买)紧"),
    (2, r"(?<![曝日暴])晒(?!太阳|衣|被|干|黑|伤|图|单|台|书|娃|照|网|场|晒)|(?<![首优事原预率祖领抢])先" + _END +
        r"|(?<![增附新])添" + _END + r"|(?<![尚从])未" + _END +
        r"|(?:去|食|做|讲|买|嚟|返|走|见|冇|完|死|收|睇|学|搬|病)左(?![右边手脚侧方转派倾翼面岸])"
        r"|(?:你|我|佢|人哋|佢哋|个个|人人)话(?![题筒剧费语])|俾(?!使|斯)|经已|是但|剩低|因住|够胆|学识|费事"
        r"|[\u4e00-\u9fff][dD][\u4e00-\u9fff]"),
    (2, r"几(?:好|靓|贵|平|难|开心|辛苦|过瘾|正|得意|犀利|有型|舒服|方便|麻烦|远|快|慢|重要|紧要|难得|抵)|最尾|近排|"
        r"掂(?!量|掇)|(?:试|练|睇|讲|问|听|倾|谂)下(?![来去面午次个周月载班雨单手降跌令属级山车楼水游方边])|"
        r"倾(?![向斜听销覆泻注倒城慕诉尽家力吐巢盆谈印卸])|"
        r"(?:贵|平|大|细|好|多|少|高|矮|靓|叻|严重|正|快|慢|远|近)过(?![来去年节程了的滤敏失错期度分关户目后河桥夜头半往问瘾奖意活境路客])"
        r"(?=[我你佢他她人一]|以前|其他)|个钟(?!头)|[一二三四五六七八九十百千万两几\d]蚊"),
    # V亲 (hurt by), V埋 (as well), 点 + verb (how to), 未 + V过 (not yet), … 未呀 at the end
    (3, r"(?:跌|整|撞|烫|淥|伤|捽|刮|夹|咬|烧|辣|冻|吓|扭|刺|割|㓤|碰|挤|踩|屈|撬|晒)亲|"
        r"点(?:显示|写|用|搞|算|做|办|知|申请|报|攞|填|改|装|揾|搵|整|交|续|补|查|弄|睇|样)"),
    (2, r"(?<![掩活])埋(?!葬|怨|伏|头|没|藏|名|线|怀)|(?<![从尚并])未(?:试|去|做|见|食|听|睇|讲|用|办|收|攞|交|搞)过|"
        r"(?<![尚从])未(?:呀|啊|吖|啰)" + _END + "|屙"),
    (1, r"好多|出面|有无.{0,8}[?？]$"),
    (1, r"阿妈|阿爸|阿婆|阿伯|老人家|几时|多谢|今日|禮拜|礼拜|仲|讲(?!座|解|究|课|师|台|话|述|义|稿|学|授|理|演|求)"),
]
# Whole replies: 早晨 opening an utterance is the Cantonese morning greeting (Mandarin says
# 早上好; its 早晨 is "the morning"), and 係 on its own is "yes".
_YUE_WHOLE = re.compile(r"^(?:早晨|早唞|早抖|系|得喇)(?:呀|啊|啦|嘅|喇|咯|晒|你|大家)?(?:[\s,.!?~…。，！？]|$)")
_YUE_RAW = re.compile(r"(?<![关關联聯干維维])係(?![数數统統])")

_CMN_MARKERS = [
    (3, r"什么|怎么|怎样|哪里|哪儿|哪个|哪些|这个|那个|这里|那里|这些|那些|这样|那样|没有|我们|他们|你们|她们|咱|为什么|"
        r"多少钱|干嘛|啥|怎"),
    (2, r"吗|是不是|是否|的话|了吧|不是|不用|不要|应该|可以吗|在哪|怎么办|吧" + _END + r"|很|东西|今天|明天|昨天|"
        r"给(?!予)|们|没(?!收)"),
    (1, r"(?<!目)的(?!士|确)|(?<![为除算罢受未明])了(?!解|不起|结|事)|(?<![但于总还可就凡老正更亦])是(?!非|否)|"
        r"(?<![现存实自正])在(?!于)|这|那|他|她|它|呢" + _END + r"|说(?!话)|看|找(?!返|换|钱|数)|现在|"
        r"不(?!过|如|同|断|论|少|错|理|停|知|得了|住|单|止|可|然)"),
]
_YUE_RE = [(w, re.compile(to_simplified(p))) for w, p in _YUE_MARKERS]
_CMN_RE = [(w, re.compile(to_simplified(p))) for w, p in _CMN_MARKERS]


def language_scores(simplified: str, raw: str = "") -> tuple[int, int]:
    """(cantonese, mandarin) evidence; `raw` is the text before t2s, for 係."""
    yue = sum(w * len(rx.findall(simplified)) for w, rx in _YUE_RE)
    yue += 3 * len(_YUE_RAW.findall(raw))
    cmn = sum(w * len(rx.findall(simplified)) for w, rx in _CMN_RE)
    return yue, cmn


def detect_language(text: str) -> Optional[str]:
    """yue, cmn, or None when the text does not tell (「社保卡」「2」「好」)."""
    raw = unicodedata.normalize("NFKC", text)
    simplified = to_simplified(raw)
    if _YUE_WHOLE.match(simplified.strip()) or _YUE_WHOLE.match(raw.strip()):
        return YUE
    yue, cmn = language_scores(simplified, raw)
    # Cantonese writing borrows standard Chinese freely, so one clear Cantonese
    # marker outweighs a few weak Mandarin ones; a lone weak hint (「阿妈」) decides
    # a short utterance, not a long formal one.
    length = sum(1 for ch in simplified if _is_cjk(ch))
    if yue >= 3 and yue * 2 >= cmn:
        return YUE
    if yue > cmn and (yue >= 2 or length < 12):
        return YUE
    if cmn > yue or length >= 12:
        # A long sentence with no clear Cantonese in it is standard written Chinese.
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

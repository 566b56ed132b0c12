"""How text is read aloud: numbers like a clerk says them, sentences, pinyin.

Both espeak-ng voices read a digit string as a quantity (12345 -> 一万二千三百四十五), so
numbers are written out in characters first: phone and hotline numbers digit by
digit, quantities as numbers, dates, times, money and percentages in words. In
Mandarin a number read digit by digit says 1 as 幺 (yāo), as a hotline clerk does:
「yī」 heard down a phone line is easily taken for 七 (qī). Years, dates, decimals
and quantities keep 一. Mandarin then becomes tone-numbered pinyin (pypinyin) for
the `cmn-latn-pinyin` voice, which reads polyphones (银行、重新、长者、还款) right only
from pinyin; the tone changes of 一 and a few readings of 还 that pypinyin misses
are corrected here. Cantonese stays in characters for the `yue` voice, which reads
them well in either script (and says 1 as 一 in phone numbers too).
"""
from __future__ import annotations

import functools
import re
import unicodedata

from pypinyin import Style, lazy_pinyin, load_phrases_dict

CMN, YUE = "cmn", "yue"
_DIGITS = "零一二三四五六七八九"

# --- numbers as words --------------------------------------------------------------


def _below_10k(n: int) -> str:
    out, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[d] + unit)
    return "".join(out)


def number_words(n: int) -> str:
    """18 -> 十八, 1005 -> 一千零五, 20000 -> 两万, 120000000 -> 一亿二千万."""
    if n == 0:
        return "零"
    if n >= 10**12:
        return digit_words(str(n))
    out: list[str] = []
    gap = False
    for value, unit in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if value == 0:
            gap = bool(out)
            continue
        if out and (gap or value < 1000):
            out.append("零")                   # 一万零八十六, 一亿零一千
        out.append(_below_10k(value) + unit)
        gap = False
    text = "".join(out)
    if text.startswith("一十"):
        text = text[1:]                       # 十五, not 一十五
    return re.sub(r"^二(?=[千万亿])", "两", text)  # 两千, 两万


def digit_words(digits: str, one: str = "一") -> str:
    """Each digit on its own: 12345 -> 一二三四五 (years, codes); `one="幺"` for
    numbers a Mandarin speaker dials (phone and hotline numbers, ID fragments)."""
    return "".join(one if d == "1" else _DIGITS[int(d)] for d in digits if d.isdigit())


def dialled_words(digits: str, language: str = CMN) -> str:
    """A number to dial or quote, digit by digit, as a clerk says it: 12345 ->
    幺二三四五 in Mandarin, 一二三四五 in Cantonese."""
    return digit_words(digits, "幺" if language == CMN else "一")


def decimal_words(text: str) -> str:
    whole, _, frac = text.partition(".")
    words = number_words(int(whole))
    return words + ("点" + digit_words(frac) if frac else "")


# --- the number rules ----------------------------------------------------------------

_PHONE_CUE = re.compile(r"(电话|電話|热线|熱線|号码|號碼|拨打|撥打|致电|致電|手机|手機|编号|編號|"
                        r"工号|工號|打|call|tel|fax|传真|傳真|短信|分机|分機|WhatsApp|微信号|微信號|"
                        r"尾数|尾數|尾号|尾號|卡号|卡號|位)"
                        r"[\s:：是为為]*$", re.IGNORECASE)
# 2 becomes 两 before these (两个, 两岁), but stays 二 in 二月, 二号, 二楼, 第二
_MEASURE = ("个|個|岁|歲|位|张|張|份|次|天|年|周|週|星期|小时|小時|分钟|分鐘|钟头|鐘頭|名|本|件|种|種|条|條|"
            "项|項|类|類|句|步|遍|样|樣|间|間|户|戶|人|口|只|隻|双|雙|对|對|元|块|塊|蚊|角|毛|斤|"
            "公斤|千克|米|公里|套|台|部|辆|輛|栋|棟|座|所|家|支|杯|碗|包|盒|瓶|成|倍|点|點")
_CURRENCY_PREFIX = {"¥": "元", "￥": "元", "RMB": "元", "HK$": "港元", "HKD": "港元",
                    "MOP$": "澳门元", "MOP": "澳门元", "$": "元"}
_CURRENCY_SUFFIX = "港元|港币|港幣|澳门元|澳門元|澳门币|澳門幣|人民币|人民幣|元|块|塊|蚊|圆|圓"

_DATE = re.compile(r"(?<!\d)(\d{4})\s*([年/.-])\s*(\d{1,2})\s*(?:月|\2)\s*(\d{1,2})(?!\d)\s*[日号號]?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=\s*年)")  # 2024年: a year; 1000年: a duration
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*([日号號])")
_TIME = re.compile(r"(?<![\d:：])([01]?\d|2[0-3])\s*[:：]\s*([0-5]\d)(?![\d:：])")
_MONEY_PREFIX = re.compile(r"(HK\$|HKD|MOP\$?|RMB|[¥￥$])\s*(\d[\d,]*(?:\.\d{1,2})?)(?!\d)",
                           re.IGNORECASE)
_MONEY_SUFFIX = re.compile(r"(?<![\d.])(\d[\d,]*(?:\.\d{1,2})?)\s*(" + _CURRENCY_SUFFIX + ")")
_PERCENT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[%％]")
_GROUPED = re.compile(r"(?<![\d.])\d{2,5}(?:[ \-]\d{2,5}){1,3}(?![\d.])")  # 2345 6789, 852-2345-6789
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])")


def _money(amount: str, unit: str, language: str) -> str:
    whole, _, cents = amount.replace(",", "").partition(".")
    cents = (cents + "00")[:2]
    dime, cent = ("毫", "仙") if language == YUE else ("角", "分")
    out = number_words(int(whole)) + unit if int(whole) or cents == "00" else ""
    if int(cents[0]):
        out += _DIGITS[int(cents[0])] + dime
    if int(cents[1]):
        out += ("零" if out and cents[0] == "0" else "") + _DIGITS[int(cents[1])] + cent
    return out


def _time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    words = ("两" if hour == 2 else number_words(hour)) + "点"
    if minute == 0:
        return words + "整"
    return words + ("零" if minute < 10 else "") + number_words(minute) + "分"


def _grouped(match: re.Match[str], language: str) -> str:
    groups = re.split(r"[ \-]", match[0])
    if sum(len(g) for g in groups) < 7:        # 10-20 is a range, not a phone number
        return match[0]
    return "，".join(dialled_words(g, language) for g in groups)


def _plain_number(match: re.Match[str], language: str) -> str:
    token = match[1]
    before = match.string[max(0, match.start() - 12):match.start()]
    after = match.string[match.end():match.end() + 4]
    if "." in token:
        return decimal_words(token)
    cue = _PHONE_CUE.search(before)
    counted = re.match(r"\s*(?:" + _MEASURE + r"|万|萬|亿|億)", after)
    round_amount = token.endswith("000") and not token.startswith("0")
    if cue or (len(token) > 1 and token.startswith("0")) or (len(token) >= 5 and not counted
                                                             and not round_amount):
        return dialled_words(token, language)  # hotline 12345, code 0755, ID fragments
    if token == "2" and re.match(_MEASURE, after) and not before.endswith("第"):
        return "两"                            # 两个, 两岁, but 二月, 二号, 第二
    return number_words(int(token))


def spell_numbers(text: str, language: str = CMN) -> str:
    """Every digit in `text` written out in characters, as a clerk would say it."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 12,000 -> 12000
    text = _DATE.sub(lambda m: f"{digit_words(m[1])}年{number_words(int(m[3]))}月"
                               f"{number_words(int(m[4]))}日", text)
    text = _YEAR.sub(lambda m: digit_words(m[1]), text)
    text = _MONTH_DAY.sub(lambda m: f"{number_words(int(m[1]))}月{number_words(int(m[2]))}{m[3]}",
                          text)
    text = _TIME.sub(_time, text)
    text = _MONEY_PREFIX.sub(lambda m: _money(m[2], _CURRENCY_PREFIX[m[1].upper()], language), text)
    text = _MONEY_SUFFIX.sub(
        lambda m: _money(m[1], "元" if m[2] in ("元", "圆", "圓") else m[2], language), text)
    text = _PERCENT.sub(lambda m: "百分之" + decimal_words(m[1]), text)
    text = _GROUPED.sub(lambda m: _grouped(m, language), text)
    text = re.sub(r"(?<=\d)\s*[-~～]\s*(?=\d)", "至", text)  # 10-20人 -> 10至20人
    return _NUMBER.sub(lambda m: _plain_number(m, language), text)


# --- sentences ---------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])|(?<=[.])(?=\s)|\n+")
_CLAUSE_END = re.compile(r"(?<=[，,、：:])")
_SPEAKABLE = re.compile(r"[\w]", re.UNICODE)


def split_sentences(text: str, max_chars: int = 60) -> list[str]:
    """Sentences to synthesise one by one; a long sentence is cut at its commas."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not _SPEAKABLE.search(sentence):
            continue
        while len(sentence) > max_chars:
            cut = max((m.start() for m in _CLAUSE_END.finditer(sentence, 0, max_chars)), default=0)
            cut = cut or max_chars
            out.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if _SPEAKABLE.search(sentence):
            out.append(sentence)
    return out


# --- Mandarin: pinyin ------------------------------------------------------------------------

# pypinyin's phrase list gets these wrong in service text; corrected once, process-wide
_PHRASE_FIXES = {
    "还款": [["huán"], ["kuǎn"]],
    "还钱": [["huán"], ["qián"]],
    "还本": [["huán"], ["běn"]],
    "还息": [["huán"], ["xī"]],
    "还书": [["huán"], ["shū"]],
    "得去": [["děi"], ["qù"]],
    "在行动": [["zài"], ["xíng"], ["dòng"]],   # not 在行 (zai4 hang2, "expert") + 动
    "可行动": [["kě"], ["xíng"], ["dòng"]],
}

_LETTERS = {
    "a": "ei1", "b": "bi4", "c": "xi1", "d": "di4", "e": "yi4", "f": "ai2 fu5", "g": "ji4",
    "h": "ai2 qi1", "i": "ai4", "j": "jie4", "k": "kai4", "l": "ai2 le5", "m": "ai2 mu5",
    "n": "en1", "o": "ou1", "p": "pi4", "q": "qiu1", "r": "a1 er3", "s": "ai2 si1", "t": "ti4",
    "u": "you1", "v": "wei1", "w": "da2 bu5 liu1", "x": "ai2 ke4 si1", "y": "wai4", "z": "zei4",
}
_PUNCT = {"，": ",", "、": ",", "：": ",", "；": ".", "。": ".", "！": ".", "？": ".",
          ",": ",", ":": ",", ";": ".", ".": ".", "!": ".", "?": ".", "…": "."}
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z]+|\d|[，、：；。！？,:;.!?…]")


@functools.lru_cache(maxsize=1)
def _fix_phrases() -> bool:
    load_phrases_dict(_PHRASE_FIXES)
    return True


# 还 is huán (give back) where pypinyin says hái (still): before a person and what is
# given back (「还你钱」「还我身份证」), and closing a clause (「借了要还」).
_HUAN = re.compile(r"还(?=(?:我|你|您|他|她|它|人家|别人)(?:们)?\w{0,3}?"
                   r"(?:钱|款|书|东西|证|卡|债|账|帐))|还(?=$)")
# 一 keeps its own tone as a number: after 第, a numeral or 月 (第一, 十一, 三月一日),
# before a digit, before 月/号/楼 (一月, 一号, 一楼), and at the end of a word.
_YI_AS_NUMBER_BEFORE = set("第十百千万亿零〇一二两三四五六七八九幺月")
_YI_AS_NUMBER_AFTER = set("零〇一二两三四五六七八九幺月号楼")


def _han_pinyin(token: str, sandhi: bool) -> list[str]:
    syllables = lazy_pinyin(token, style=Style.TONE3, neutral_tone_with_five=True,
                            tone_sandhi=sandhi)
    if len(syllables) != len(token):   # a character pypinyin cannot read: leave it
        return syllables
    for match in _HUAN.finditer(token):
        syllables[match.start()] = "huan2"
    if sandhi:
        _yi_sandhi(token, syllables)
    return syllables


def _yi_sandhi(token: str, syllables: list[str]) -> None:
    """一 is yí before a fourth tone (一遍, 一样, 一次) and yì before the others (一天, 一年,
    一起); pypinyin 0.55 misses the first and, when 一 is a word of its own, both."""
    for i, char in enumerate(token):
        if char != "一":
            continue
        before = token[i - 1] if i else ""
        after = token[i + 1] if i + 1 < len(token) else ""
        if not after or before in _YI_AS_NUMBER_BEFORE or after in _YI_AS_NUMBER_AFTER:
            syllables[i] = "yi1"
        elif after == before:   # 看一看, 想一想: unstressed
            syllables[i] = "yi5"
        else:
            syllables[i] = "yi2" if syllables[i + 1].endswith("4") else "yi4"


def to_pinyin(text: str, sandhi: bool = True) -> str:
    """Tone-numbered pinyin for the `cmn-latn-pinyin` voice; Latin letters are spelled
    with their Chinese names, punctuation becomes pauses, anything else is dropped."""
    _fix_phrases()
    out: list[str] = []
    for token in _TOKEN.findall(text):
        if _HAN.fullmatch(token):
            out.extend(_han_pinyin(token, sandhi))
        elif token.isascii() and token.isalpha():
            out.extend(_LETTERS[c] for c in token.lower())
        elif token.isdigit():
            out.extend(lazy_pinyin(digit_words(token), style=Style.TONE3))
        else:
            mark = _PUNCT[token]
            if out and out[-1] not in (",", "."):
                out.append(mark)
    text = " ".join(out)
    return text.replace(" ,", ",").replace(" .", ".").strip(" ,")


# --- Cantonese -------------------------------------------------------------------------------

_YUE_DROP = re.compile(r"[^\w\s，、：；。！？,:;.!?…'\-]", re.UNICODE)


def for_cantonese(text: str) -> str:
    """Characters as they are (the `yue` voice reads both scripts); symbols dropped."""
    return " ".join(_YUE_DROP.sub(" ", text).split())


# --- the whole front end ---------------------------------------------------------------------

def prepare(text: str, language: str, max_sentence_chars: int = 60) -> list[str]:
    """Text -> what each voice is given, sentence by sentence."""
    sentences = split_sentences(spell_numbers(text, language), max_sentence_chars)
    if language == CMN:
        prepared = [to_pinyin(s) for s in sentences]
    else:
        prepared = [for_cantonese(s) for s in sentences]
    return [p for p in prepared if _SPEAKABLE.search(p)]

"""The masker against generated numbers and generated ordinary text (hypothesis).

1. Every kind of personal number, written in ASCII, full-width or Chinese
   numerals (or mixed, or spaced like the speech recogniser), with random
   separators and optional country codes, inside a random Chinese sentence:
   after masking (and reading the digits back with read_digits), no more than
   4 of its own digits stand together, at least 4 are hidden, the rest of the
   sentence is untouched, and masking again changes nothing. Left out on
   purpose: an 8-digit number written exactly like a date or two years
   (2012-12-12, 2019/2020), which the masker takes for what it looks like.
2. Ordinary text (dates, times, prices, ages, hotlines, options, percentages,
   counts, years, words with numerals) comes back unchanged.
"""
import re
from dataclasses import dataclass
from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.privacy import mask
from bot.textrules import SEPARATORS, read_digits, to_halfwidth

SETTINGS = settings(max_examples=300, deadline=None)

# --- personal numbers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A generated number: what may stay in the clear (country code, letters)
    and the person's own characters, which must not survive together."""
    country: str   # digits of a country code, "" if none
    plus: bool
    letters: str
    own: str       # the national number / document digits (an ID card's X included)
    check: str     # check character written in parentheses, "" if none
    area: int = 0  # length of a landline's area code, which may be written in parentheses


def _digits(draw, count: int, first: str = "0123456789") -> str:
    return draw(st.sampled_from(first)) + "".join(
        draw(st.sampled_from("0123456789")) for _ in range(count - 1))


@st.composite
def mobiles(draw):
    country = draw(st.sampled_from(["", "", "86", "0086"]))
    return Number(country, country == "86" and draw(st.booleans()), "",
                  "1" + _digits(draw, 10, "3456789"), "")


@st.composite
def landlines(draw):
    area = draw(st.sampled_from(["010", "020", "021", "025", "0755", "0757", "0760", "0898"]))
    subscriber = _digits(draw, 8 if len(area) == 3 else draw(st.sampled_from([7, 8])), "23456789")
    country = draw(st.sampled_from(["", "", "86", "0086"]))
    if country and draw(st.booleans()):
        area = area[1:]                          # +86 20 12345678: the trunk 0 is dropped
    return Number(country, country == "86" and draw(st.booleans()), "", area + subscriber, "",
                  len(area))


@st.composite
def hong_kong_macau(draw):
    own = draw(st.sampled_from(["2", "3", "5", "6", "7", "8", "9", "28", "6"]))
    own += _digits(draw, 8 - len(own))
    country = draw(st.sampled_from(["", "", "852", "853", "00852", "00853"]))
    return Number(country, country in ("852", "853") and draw(st.booleans()), "", own, "")


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@st.composite
def id_cards(draw):
    region = _digits(draw, 6, "12345678")
    birth = draw(st.dates(date(1920, 1, 1), date(2024, 12, 31)))
    if draw(st.booleans()):                      # the old 15-digit form
        return Number("", False, "", region + birth.strftime("%y%m%d") + _digits(draw, 3), "")
    body = region + birth.strftime("%Y%m%d") + _digits(draw, 3)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS)) % 11]
    return Number("", False, "", body + draw(st.sampled_from([check, check.lower()])), "")


@st.composite
def bank_cards(draw):
    body = draw(st.sampled_from(["62", "4", "5"]))
    body += _digits(draw, draw(st.integers(16, 19)) - len(body) - 1)
    total = sum(int(d) if k % 2 else (2 * int(d) - 9 if int(d) > 4 else 2 * int(d))
                for k, d in enumerate(reversed(body)))
    return Number("", False, "", body + str(-total % 10), "")     # a valid Luhn digit


@st.composite
def documents(draw):
    kind = draw(st.sampled_from(["hkid", "hkid_bare", "macau_id", "passport", "permit"]))
    if kind == "hkid":
        letters = draw(st.sampled_from(["A", "K", "Z", "AB", "XA"]))
        return Number("", False, letters, _digits(draw, 6), draw(st.sampled_from("0123456789A")))
    if kind == "hkid_bare":
        return Number("", False, draw(st.sampled_from("ACKPZ")), _digits(draw, 7), "")
    if kind == "macau_id":
        return Number("", False, "", _digits(draw, 7, "157"), _digits(draw, 1))
    if kind == "passport":
        letters = draw(st.sampled_from(["E", "G", "P", "S", "D", "EA", "EB"]))
        return Number("", False, letters, _digits(draw, 9 - len(letters)), "")
    letters = draw(st.sampled_from(["C", "H", "M"]))
    count = 8 if letters == "C" else draw(st.sampled_from([8, 10]))
    return Number("", False, letters, _digits(draw, count), "")


NUMBERS = st.one_of(mobiles(), landlines(), hong_kong_macau(), id_cards(), bank_cards(),
                    documents())

_CHINESE = {"0": "零〇", "1": "一幺", "2": "二两兩", "3": "三", "4": "四", "5": "五", "6": "六",
            "7": "七", "8": "八", "9": "九"}
_GAPS = [" ", "\u3000", ".", "-", "/", ",", "，", " - ", "．", "－", "／", "  "]


def _write_digit(draw, digit: str, form: str) -> str:
    if not digit.isdigit():
        return digit                                            # an ID card's X
    if form == "mixed":
        form = draw(st.sampled_from(["ascii", "fullwidth", "chinese"]))
    if form == "fullwidth":
        return chr(0xFF10 + int(digit))
    if form in ("chinese", "vosk"):
        return draw(st.sampled_from(_CHINESE[digit]))
    return digit


def _write_digits(draw, digits: str, form: str) -> str:
    out = ""
    for k, digit in enumerate(digits):
        if k and form == "vosk":
            out += " "
        elif k:
            out += draw(st.one_of(st.just(""), st.sampled_from(_GAPS)))
        out += _write_digit(draw, digit, form)
    return out


@st.composite
def written(draw, number: Number) -> str:
    """The number as a person or the recogniser might write it."""
    form = draw(st.sampled_from(["ascii", "fullwidth", "chinese", "mixed", "vosk"]))
    text = ("+" if number.plus else "") + _write_digits(draw, number.country, form)
    if number.country:
        text += draw(st.sampled_from(["", " ", "-"]))
    letters = number.letters
    if form == "fullwidth":
        letters = "".join(chr(ord(char) + 0xFEE0) for char in letters)
    if number.area and draw(st.booleans()):                    # (020)12345678
        left, right = draw(st.sampled_from(["()", "（）"]))
        area = _write_digits(draw, number.own[:number.area], form)
        gap = draw(st.sampled_from(["", " "]))
        own = left + area + right + gap + _write_digits(draw, number.own[number.area:], form)
    else:
        own = _write_digits(draw, number.own, form)
    text += letters + own
    if number.check:
        left, right = draw(st.sampled_from(["()", "（）"]))
        space = draw(st.sampled_from(["", " "]))
        text += space + left + _write_digit(draw, number.check, form) + right
    return text


SENTENCES = [
    "我电话{}，有事打给我", "我嘅電話係{}呀", "身份证号码是{}", "我身份證號碼係{}，幫我查下",
    "卡号{}，谢谢", "{}", "请打{}联系我", "回乡证{}过期了", "號碼：{}。", "我的护照是 {} 。",
    "麻烦帮我记低{}，唔该", "打{}搵我阿仔", "我老伴的银行卡{}收不到养老金", "聯絡電話 {}",
    "回电请打{}吧", "證件號碼「{}」", "我个仔电话系{}，佢会帮我", "通行证是{}，要续签",
]
# Filler words around the sentence: Chinese in both scripts and punctuation,
# none of them digits, letters, units or 十百千万 (those change what a number is).
FILLER = st.lists(st.sampled_from([
    "你好", "請問", "请问", "唔該", "谢谢", "我想", "點樣", "怎么", "办", "辦理", "社保卡", "長者卡",
    "养老金", "醫保", "，", "。", "？", "！", "：", " ", "啊", "喂", "嗯", "呢", "吧", "阿婆", "阿伯",
]), max_size=4).map("".join)


def _reads_as_date(text: str) -> bool:
    """The written number also reads as a date, a year range or a list of two
    years (2012-12-12, 2019/2020): the masker takes those for what they look like."""
    reading = to_halfwidth(read_digits(text)).strip()
    return bool(re.fullmatch(r"\d{4}([-/.])\d{2}\1\d{2}|\d{2}([-/.])\d{2}\2\d{4}"
                             r"|(?:19|20)\d\d ?[-–—~,，/、] ?(?:19|20)\d\d", reading))


def _visible(masked: str) -> str:
    """The masked text read back to ASCII digits, separators removed."""
    return "".join(char for char in read_digits(masked) if char not in SEPARATORS)


@SETTINGS
@given(data=st.data())
def test_no_personal_number_survives(data):
    number = data.draw(NUMBERS)
    text = data.draw(written(number))
    assume(not _reads_as_date(text))
    before, after = data.draw(st.sampled_from(SENTENCES)).split("{}")
    before, after = data.draw(FILLER) + before, after + data.draw(FILLER)

    masked = mask(before + text + after)

    visible = _visible(masked)
    own = number.own.upper()
    survivors = [own[i:i + 5] for i in range(len(own) - 4) if own[i:i + 5] in visible.upper()]
    assert not survivors, (text, masked)
    assert masked.startswith(before) and masked.endswith(after), (text, masked)
    assert masked.count("*") >= 4, (text, masked)
    assert mask(masked) == masked


# --- ordinary text ---------------------------------------------------------------------------

_CHINESE_DIGITS = "零一二三四五六七八九"
_FULLWIDTH = {ord(char): chr(ord(char) + 0xFEE0) for char in "0123456789-"}


def _chinese_year(year: int) -> str:
    return "".join(_CHINESE_DIGITS[int(d)] for d in str(year))


@st.composite
def dates(draw):
    day = draw(st.dates(date(1930, 1, 1), date(2099, 12, 31)))
    y, m, d = day.year, day.month, day.day
    sep = draw(st.sampled_from("-/."))
    pad = draw(st.booleans())
    mm, dd = (f"{m:02d}", f"{d:02d}") if pad else (str(m), str(d))
    return draw(st.sampled_from([
        f"{y}{sep}{mm}{sep}{dd}", f"{dd}{sep}{mm}{sep}{y}", f"{y}年{m}月{d}日",
        f"{_chinese_year(y)}年{m}月{d}号", f"{y}{sep}{mm}{sep}{dd} {draw(times())}",
        f"{y}-{mm}-{dd}".translate(_FULLWIDTH),
    ]))


@st.composite
def times(draw):
    h, m = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    return draw(st.sampled_from([f"{h}:{m:02d}", f"{h:02d}:{m:02d}-{(h + 8) % 24:02d}:00",
                                 "下午三点半", "上午九点", "朝早十點"]))


@st.composite
def prices(draw):
    amount = draw(st.integers(1, 99_999_999))
    cents = draw(st.integers(0, 99))
    return draw(st.sampled_from([
        f"¥{amount % 100000}.{cents:02d}", f"{amount % 10000}元", f"{amount:,}元",
        f"¥{amount:,}.{cents:02d}", f"HK${amount:,}", f"{amount}元", f"{amount}蚊",
        "一千二百块", "三百五十元",
    ]))


ORDINARY_ITEMS = st.one_of(
    dates(), times(), prices(),
    st.integers(50, 110).map(lambda age: f"{age}岁"),
    st.sampled_from(["七十八", "七十八岁", "八十五歲", "九十"]),
    st.sampled_from(["12345", "12333", "120", "110", "119", "999", "12366"]),
    st.sampled_from(["1", "2", "「3」", "第二个", "揀二", "第1个", "0"]),
    st.integers(0, 100).map(lambda p: f"{p}%"), st.sampled_from(["12.5%", "百分之五十"]),
    st.sampled_from(["三四个人", "两三次", "五六个", "一两天"]),
    st.integers(1900, 2099).map(lambda y: f"{y}年"),
    st.integers(1990, 2030).map(lambda y: f"{y}-{y + 1}学年"),
    st.integers(0, 999_999).map(str),
    st.sampled_from(["一二三", "三三两两", "一五一十", "九九重阳", "四五十岁", "乱七八糟", "一清二楚",
                     "七上八下", "五湖四海", "万一", "九九八十一", "一千零一夜"]),
)
WORDS = st.sampled_from([
    "我", "今年", "你好，", "请问", "住喺", "热线", "打", "价钱", "大概", "每日", "辦理時間", "阿婆",
    "要带", "醫保", "有冇", "大约", "時間：", "社区", "长者卡 ", "。我", "，佢話", "好似",
])


@SETTINGS
@given(st.lists(st.tuples(WORDS, ORDINARY_ITEMS), min_size=1, max_size=5), WORDS)
def test_ordinary_text_stays(items, end):
    text = "".join(word + item for word, item in items) + end
    assert mask(text) == text

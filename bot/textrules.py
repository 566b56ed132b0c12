"""How digits are written: the one definition of the digit-reading rules.

People and the speech recogniser write the same number in many ways: ASCII
digits, full-width digits (１３８), Chinese numerals read digit by digit
(一三八, 幺三八, 兩), mixed, and with separators between the digits (spaces,
the spaces vosk puts between words, dots, hyphens, slashes, commas,
parentheses). Everything here is pure and keeps the length of the text, so a
position in the result is the same position in the input.
"""
from __future__ import annotations

import re

# Chinese numerals as read digit by digit. 幺 is "one" when reading numbers
# aloud; 两/兩 is "two" in speech; ○ is often typed for 〇 (二○二四年).
NUMERALS = {
    "零": "0", "〇": "0", "○": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "兩": "2",
    "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}
FULLWIDTH_DIGITS = {chr(0xFF10 + i): str(i) for i in range(10)}
DIGIT_MAP = {**NUMERALS, **FULLWIDTH_DIGITS}
DIGIT_CHARS = "0123456789" + "".join(DIGIT_MAP)

# Characters that make numerals a quantity (七十八, 一千二百), not a digit reading.
POSITIONAL = "十拾百佰千仟万萬亿億"

# What may stand between the digits of one number: spaces (ASCII, no-break,
# ideographic U+3000), dots, hyphens and dashes, slashes, commas, parentheses,
# each in ASCII and full-width form.
SEPARATORS = " \t\u00a0\u3000.．-－‐‑–—/／,，()（）"
SEPARATOR = "[" + re.escape(SEPARATORS) + "]"
MAX_GAP = 3  # separator characters allowed between two digits of one number (" - ")

_DIGIT_TABLE = str.maketrans(DIGIT_MAP)
_FULLWIDTH_DIGIT_TABLE = str.maketrans(FULLWIDTH_DIGITS)
# Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space, one to one.
_HALFWIDTH_TABLE = str.maketrans(
    {chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)} | {"\u3000": " "})
_CHINESE_NUMERAL = re.compile("[" + "".join(NUMERALS) + "]")

_DIGIT = "[" + re.escape(DIGIT_CHARS) + "]"
# A run of digit characters joined by short separators, not touching a
# positional character (in 一三八…七八十 the last 八 belongs to 八十).
_RUN = re.compile(
    f"(?<![{POSITIONAL}]){_DIGIT}(?:{SEPARATOR}{{0,{MAX_GAP}}}{_DIGIT})*(?![{POSITIONAL}])")


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits, punctuation and U+3000 to ASCII; same length."""
    return text.translate(_HALFWIDTH_TABLE)


def has_chinese_numeral(text: str) -> bool:
    """Whether any Chinese numeral (零〇一幺二两兩三…九) occurs in the text."""
    return _CHINESE_NUMERAL.search(text) is not None


def read_digits(text: str, min_digits: int = 3) -> str:
    """Full-width digits and digit-by-digit readings to ASCII digits.

    Full-width digits always become ASCII. Chinese numerals do when they are
    read digit by digit: a run of digits (any form, mixed) joined by
    separators, with at least `min_digits` digits and not part of a quantity.
    「一三八 一二三四」 -> 「138 1234」, 「１２」 -> 「12」, but 「七十八」
    「四五十岁」「三四个人」 stay. Separators are kept; the result has the
    length of the input.
    """
    def read(match: re.Match[str]) -> str:
        run = match.group(0)
        count = sum(char in DIGIT_CHARS for char in run)
        return run.translate(_DIGIT_TABLE) if count >= min_digits else run
    return _RUN.sub(read, text.translate(_FULLWIDTH_DIGIT_TABLE))


# --- punctuation, spaces and small numbers: the rules keyword matching shares ---------

# Spaces and the punctuation people and the recogniser put around short answers
# (「2。」「好，」「唔等喇！」), ASCII and full-width.
PUNCTUATION = "\\s。，,.!！?？、~～;；:：\"'“”‘’「」『』（）()…·"
_PUNCTUATION_RE = re.compile(f"[{PUNCTUATION}]+")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def strip_punctuation(text: str) -> str:
    """No spaces and no punctuation: what keyword rules match on (「第 二 个。」 → 「第二个」)."""
    return _PUNCTUATION_RE.sub("", text)


def join_cjk(text: str) -> str:
    """No spaces between Chinese words: the recogniser writes 「养老金 资格 认证」."""
    return _SPACE_BETWEEN_CJK.sub("", text).strip()


_SMALL = re.compile(f"([{''.join(NUMERALS)}])?(十)?([{''.join(NUMERALS)}])?")


def cn_number(text: str) -> int | None:
    """A number from 0 to 99 in Chinese numerals (「二」「十」「七十八」「廿」 no), or None.

    Only quantities up to 99 are needed: option numbers and ages."""
    if not text:
        return None
    match = _SMALL.fullmatch(text)
    if match is None:
        return None
    tens, ten, ones = match.groups()
    if ten is None:
        return int(NUMERALS[tens]) if tens and ones is None else None
    value = (int(NUMERALS[tens]) if tens else 1) * 10
    if tens and NUMERALS[tens] == "0":
        return None
    return value + (int(NUMERALS[ones]) if ones else 0)

"""Masking personal numbers: the one masker for everything logged, stored or shown to staff.

`mask(text)` finds the numbers that identify a person inside Chinese
(Simplified or Traditional) or English text and hides most of their digits:

- mainland ID cards (18 characters, the last may be X; the old 15-digit form)
  and bank cards (16-19 digits);
- mainland mobiles (1[3-9] + 9 digits) and landlines with area code, with or
  without +86 / 86 / 0086 (010-12345678, (020)12345678, +86 20 12345678);
- Hong Kong and Macau numbers (8 digits), with or without +852 / +853 / 00852;
- documents: letters + digits (HKID A123456(7), passports E12345678,
  EA1234567, permits C12345678, H1234567890) and numbers ending in a check
  digit in parentheses (Macau ID 1234567(8));
- any other run of 7 or more digits (it could be one of the above, mistyped).

Digits count in every written form (`bot.textrules`): ASCII, full-width,
Chinese numerals read digit by digit (一三八, 幺, 两/兩), mixed, with
separators between them (spaces, U+3000, dots, hyphens, slashes, commas,
parentheses, the spaces the speech recogniser puts between words).

The style, one everywhere. Of a number's digits, a country code as written
and a non-identifying prefix stay; then at least half of the remaining digits
are hidden, and at most the last 4 are shown. So never more than 4 of the
person's own digits stand together, and the length stays recognisable.

    kind                  prefix shown          example
    mainland mobile       network code (3)      13812345678        -> 138****5678
      with country code   + country code        +86 138 1234 5678  -> +86 138 **** 5678
    mainland landline     area code             020-12345678       -> 020-****5678
                                                0755-1234567       -> 0755-****567
                                                +86 20 12345678    -> +86 20 ****5678
    Hong Kong / Macau     none                  91234567           -> ****4567
                                                +853 6612 3456     -> +853 **** 3456
    ID card (18 / 15)     region (4)            44010619500101123X -> 4401**********123X
    bank card (16-19)     issuer (4)            6222021234567890123 -> 6222***********0123
    letters + digits      the letters           E12345678          -> E****5678
                                                H1234567890        -> H******7890
    check digit in ( )    always hidden         A123456(7)         -> A***456(*)
                                                1234567(8)         -> ****567(*)
    other 7+ digits       none                  1234567            -> ****567

Separators stay where they were. Digits that stay are written in ASCII
(一三八一二三四五六七八 -> 138****5678); in a number with Chinese numerals
the recogniser's spaces between words are dropped. Masking is idempotent.

A comma or slash between digits may join the groups of one number
(138，1234，5678) or separate a list (12345，120). Groups are joined only when
together they make a phone, a document, a valid ID card (check character or
birth date), a bank card passing the Luhn check, or 4-digit groups of a
possible card; 「91234567, 020-12345678」 is two phones, not one card.

Left as written: runs of fewer than 7 digits (hotlines 12345, 120, ages,
option numbers, short prices, years, 三四个人, 一五一十), quantities with
十百千万 (七十八, 一千二百), dates (2024-03-05, 2024/3/5, 05/03/2024,
二零二四年三月五号), year ranges and lists (2024-2025, 2023，2024), times
(09:00-17:00), amounts with thousands separators (1,234,567.50) and amounts
next to a currency sign or unit (¥1234567, 1234567元), unless the digits make
a phone number. An 8-digit Hong Kong number written exactly like a date
(2012-12-12) is taken for the date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from bot.textrules import (DIGIT_CHARS, MAX_GAP, SEPARATOR, SEPARATORS, has_chinese_numeral,
                           read_digits, to_halfwidth)

HIDDEN = "*"
MIN_DIGITS = 7            # a bare run this long could be a phone, an ID or a card
MIN_DOCUMENT_DIGITS = 6   # with letters or a check digit (A123456(7)) it is a document
MAX_SHOWN_TAIL = 4
MAX_NUMBER_DIGITS = 20    # longer than any kind: list items are not joined beyond this

_ASCII_DIGITS = frozenset("0123456789")
_ANY_DIGIT = re.compile("[" + re.escape(DIGIT_CHARS) + "]")

# Numbers are found in the "working text": the text with every digit reading in
# ASCII and full-width forms in half-width, position for position, so offsets
# found there are offsets in the original text.
_NUMBER = re.compile(
    r"(?:(?<![A-Za-z0-9])(?P<letters>[A-Za-z]{1,2}))?(?<![0-9])"
    rf"(?P<body>[0-9](?:{SEPARATOR}{{0,{MAX_GAP}}}[0-9])*"
    rf"(?:{SEPARATOR}{{0,{MAX_GAP}}}[Xx](?![A-Za-z])| ?\([Aa]\))?)")

# Dates and year ranges would look like long numbers once their separators
# are read as part of a number, so they are blanked out of the working text
# first, when they stand alone: not glued to more digits (6222.2024.03.05.1234
# is a card), except by a comma (a list of dates) or before a time (2024-03-05 09:30).
_GLUE = "[" + re.escape(SEPARATORS.replace(",", "").replace("，", "")) + "]"
_ALONE_BEFORE = "(?<![0-9])" + "".join(f"(?<![0-9]{_GLUE}{{{k}}})" for k in range(1, MAX_GAP + 1))
_ALONE_AFTER = rf"(?:(?!{_GLUE}{{0,{MAX_GAP}}}[0-9])|(?={_GLUE}{{1,{MAX_GAP}}}\d\d?:\d\d))"
_DATE = re.compile(
    _ALONE_BEFORE
    + r"(?:(?:19|20)\d\d(?P<a>[-/.])(?:0?[1-9]|1[0-2])(?P=a)(?:0?[1-9]|[12]\d|3[01])"
    + r"|(?:0?[1-9]|[12]\d|3[01])(?P<b>[-/.])(?:0?[1-9]|1[0-2])(?P=b)(?:19|20)\d\d)"
    + _ALONE_AFTER)
_YEARS = re.compile(
    _ALONE_BEFORE + r"((?:19|20)\d\d) ?[-–—~至到,/] ?((?:19|20)\d\d)" + _ALONE_AFTER)
_BLANK = "#"
_TRAILING_DIGITS = re.compile(r"([0-9]*)[^0-9*]*$")
_MASKED_NEXT = re.compile(f"{SEPARATOR}{{0,{MAX_GAP}}}{re.escape(HIDDEN)}")

_CURRENCY_BEFORE = re.compile(r"(?:[¥$￥]|HK\$|MOP\$?|RMB|人民[币幣]|港[币幣元]) ?$")
_UNIT_AFTER = re.compile(r" ?(?:[元圆圓块塊蚊%‰]|港[元币幣]|澳[门門]?元|美元)")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?")
_PLAIN_AMOUNT = re.compile(r"\d+(?:\.\d{1,2})?")

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(0(?:10|2\d)|0[3-9]\d\d)\d{7,8}")     # group 1: area code
_LANDLINE_AFTER_86 = re.compile(r"(10|2\d|[3-9]\d\d)\d{7,8}")  # the trunk 0 dropped
_HK_MACAU = re.compile(r"[2356789]\d{7}")
_HK_MACAU_AFTER_CODE = re.compile(r"[2-9]\d{7}")
_ID_OR_CARD_LENGTHS = range(15, 20)
_ID_OR_CARD_PREFIX = 4
_OLD_ID_BIRTH = re.compile(r"\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# Kinds of number. A "checked" kind is certain enough to be joined from list
# items and to win over reading the items as several numbers.
_PHONE, _DOCUMENT, _ID, _CARD, _ID_OR_CARD, _LONG = (
    "phone", "document", "id", "card", "id_or_card", "long")
_CHECKED = frozenset({_PHONE, _DOCUMENT, _ID, _CARD})


@dataclass(frozen=True)
class _Plan:
    """How to mask one number: its kind and how many leading digits stay."""
    kind: str
    head: int


@dataclass(frozen=True)
class _Run:
    """Digits joined by separators, with the letters before them."""
    letters: str
    spots: tuple[int, ...]       # offsets of the digits (and of an ID card's final X)
    check: Optional[int]         # offset of a check character in parentheses
    bounds: tuple[int, ...]      # digit indexes where list items start, and the end

    def digits(self, work: str) -> str:
        return "".join(work[i] for i in self.spots)


Segment = tuple[int, int, _Plan]   # digits [lo, hi) of a run, masked by the plan


def mask(text: str) -> str:
    """The text with every personal number masked (see the module docstring)."""
    if not _ANY_DIGIT.search(text):
        return text
    work = _working_text(text)
    out, done = [], 0
    for match in _NUMBER.finditer(work):
        if match.end() - match.start("body") < MIN_DOCUMENT_DIGITS:
            continue      # too short to hold enough digits: most runs, so skip them early
        for start, end, masked in _mask_run(text, work, match):
            out += [text[done:start], masked]
            done = end
    return "".join(out) + text[done:] if out else text


def mask_phone(phone: str) -> str:
    """A callback number ("13812345678", "+852 91234567") masked for staff and read-back."""
    masked = mask(phone)
    if masked != phone or not _ANY_DIGIT.search(phone):
        return masked
    work = _working_text(phone)   # too short to look personal, but it is a phone: hide it
    spots = tuple(i for i, char in enumerate(work) if char in _ASCII_DIGITS)
    if not spots:    # only a date or a time in it: nothing personal to hide
        return masked
    run = _Run("", spots, None, (0, len(spots)))
    start, end, masked = _render(phone, work, run, (0, len(spots), _Plan(_LONG, 0)))
    return phone[:start] + masked + phone[end:]


def last_digits(phone: str, n: int = 4) -> str:
    """The last n digits of a phone, never more than `mask_phone` shows (「尾数是5678」)."""
    shown = _TRAILING_DIGITS.search(mask_phone(phone)).group(1)
    return shown[-n:] if n > 0 else ""


def _working_text(text: str) -> str:
    work = read_digits(to_halfwidth(text))
    work = _DATE.sub(lambda m: _BLANK * len(m.group(0)), work)
    return _YEARS.sub(_blank_year_range, work)


def _blank_year_range(match: re.Match[str]) -> str:
    # 2024-2025 is a school year; two unrelated years or a phone stay numbers.
    first, last = int(match.group(1)), int(match.group(2))
    return _BLANK * len(match.group(0)) if 0 < last - first <= 10 else match.group(0)


def _parse(work: str, match: re.Match[str]) -> _Run:
    start, end = match.span("body")
    spots = [i for i in range(start, end) if work[i] in _ASCII_DIGITS]
    check = None
    if work[end - 1] == ")":                              # ...(A)
        check = end - 2
    elif work[end - 1] in "Xx" and len(spots) == 17:
        spots.append(end - 1)                            # ID card ending in X
    elif work[end - 2:end] == "(" + work[end - 1] and work[end:end + 1] == ")":
        check = spots.pop()                              # ...(7)
    bounds = [0] + [k + 1 for k in range(len(spots) - 1)
                    if _is_list_separator(work[spots[k] + 1:spots[k + 1]])]
    return _Run(match.group("letters") or "", tuple(spots), check, tuple(bounds + [len(spots)]))


def _is_list_separator(gap: str) -> bool:
    return "," in gap or "/" in gap


def _mask_run(text: str, work: str, match: re.Match[str]) -> list[tuple[int, int, str]]:
    """(start, end, masked text) for each personal number in one run."""
    run = _parse(work, match)
    digits = run.digits(work)
    if not run.letters and _is_amount(work, *match.span("body"), digits):
        return []
    segments = _segments(work, run, digits)
    if segments and segments[-1][2].kind == _LONG and _MASKED_NEXT.match(work, run.spots[-1] + 1):
        segments.pop()   # 「0086138****5678」 masked again: what the first masking left
    return [_render(text, work, run, segment) for segment in segments]


def _is_amount(work: str, start: int, end: int, digits: str) -> bool:
    """Money and counts: ¥1234567 or 1234567元, and 1,234,567.50 unless the
    digits make a phone, a valid ID or a card."""
    thousands = _THOUSANDS.fullmatch(work, start, end) is not None
    if _CURRENCY_BEFORE.search(work, max(start - 6, 0), start) or _UNIT_AFTER.match(work, end):
        return thousands or _PLAIN_AMOUNT.fullmatch(work, start, end) is not None
    return thousands and not _is_checked(digits)


def _segments(work: str, run: _Run, digits: str) -> list[Segment]:
    """The numbers in a run. Items between commas or slashes are joined when
    together they make a phone, a document, a valid ID or card, or 4-digit
    groups of a possible card (「138，1234，5678」 is one mobile), and stay
    apart otherwise (「12345，120」). 「91234567, 020-12345678」 is two phones,
    not one card. Best: most digits masked, then most in checked kinds, then
    fewest numbers."""
    bounds, items = run.bounds, len(run.bounds) - 1
    best: list[tuple[tuple[int, int, int], list[Segment]]] = [((0, 0, 0), [])] * (items + 1)
    for i in range(items - 1, -1, -1):
        options = []
        for j in range(i + 1, items + 1):
            lo, hi = bounds[i], bounds[j]
            if j > i + 1 and hi - lo > MAX_NUMBER_DIGITS:
                break
            plan = _item_plan(work, run, digits, i, j)
            if j > i + 1 and not _joinable(plan, bounds[i:j]):
                continue
            (masked, checked, count), rest = best[j]
            if plan is None:
                options.append(((masked, checked, count - 1), rest))
            else:
                options.append(((masked + hi - lo, checked + (hi - lo) * (plan.kind in _CHECKED),
                                 count - 1), [(lo, hi, plan)] + rest))
        best[i] = max(options, key=lambda option: option[0])
    return best[0][1]


def _item_plan(work: str, run: _Run, digits: str, i: int, j: int) -> Optional[_Plan]:
    """The plan for list items i..j-1 of a run taken as one number."""
    lo, hi, last = run.bounds[i], run.bounds[j], len(run.bounds) - 1
    if j == i + 1 and last > 1 and _is_amount(work, run.spots[lo], run.spots[hi - 1] + 1,
                                               digits[lo:hi]):
        return None
    return _plan(digits[lo:hi], run.letters if i == 0 else "", run.check is not None and j == last)


def _joinable(plan: Optional[_Plan], starts: tuple[int, ...]) -> bool:
    if plan is None or plan.kind == _LONG:
        return False
    return plan.kind != _ID_OR_CARD or all(b - a == 4 for a, b in zip(starts, starts[1:]))


def _plan(digits: str, letters: str, has_check: bool) -> Optional[_Plan]:
    """How to mask these digits, or None when they are not a personal number."""
    if letters or has_check:
        return _Plan(_DOCUMENT, 0) if len(digits) >= MIN_DOCUMENT_DIGITS else None
    head = _phone_head(digits)
    if head is not None:
        return _Plan(_PHONE, head)
    if len(digits) in _ID_OR_CARD_LENGTHS:
        kind = _ID if _is_id(digits) else _CARD if _luhn(digits) else _ID_OR_CARD
        return _Plan(kind, _ID_OR_CARD_PREFIX)
    return _Plan(_LONG, 0) if len(digits) >= MIN_DIGITS else None


def _is_checked(digits: str) -> bool:
    plan = _plan(digits, "", False)
    return plan is not None and plan.kind in _CHECKED


def _phone_head(digits: str) -> Optional[int]:
    """How many leading digits of a phone number stay (country code, network
    or area code), or None when the digits are not a phone number."""
    for code in ("00852", "00853", "852", "853"):
        if digits.startswith(code) and _HK_MACAU_AFTER_CODE.fullmatch(digits, len(code)):
            return len(code)
    for code in ("0086", "86"):
        if digits.startswith(code):
            head = _mainland_head(digits[len(code):], after_86=True)
            if head is not None:
                return len(code) + head
    if _HK_MACAU.fullmatch(digits):
        return 0
    return _mainland_head(digits, after_86=False)


def _mainland_head(digits: str, after_86: bool) -> Optional[int]:
    if _MOBILE.fullmatch(digits):
        return 3
    landline = _LANDLINE.fullmatch(digits) or (after_86 and _LANDLINE_AFTER_86.fullmatch(digits))
    return len(landline.group(1)) if landline else None


def _is_id(digits: str) -> bool:
    """A mainland ID card number: 18 characters with a valid check character,
    or the old 15 digits with a plausible birth date (YYMMDD) after the region."""
    if len(digits) == 15:
        return digits[0] in "12345678" and _OLD_ID_BIRTH.fullmatch(digits, 6, 12) is not None
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _ID_WEIGHTS))
    return "10X98765432"[total % 11] == digits[17].upper()


def _luhn(digits: str) -> bool:
    """The check bank cards carry in their last digit."""
    if not digits.isdigit():
        return False
    total = 0
    for k, d in enumerate(reversed(digits)):
        n = int(d) * (2 if k % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _render(text: str, work: str, run: _Run, segment: Segment) -> tuple[int, int, str]:
    lo, hi, plan = segment
    tail = min(MAX_SHOWN_TAIL, (hi - lo - plan.head) // 2)
    shown = {run.spots[k] for k in (*range(lo, lo + plan.head), *range(hi - tail, hi))}
    hidden = {run.spots[k] for k in range(lo, hi)} - shown
    last_is_check = run.check is not None and hi == len(run.spots)
    if last_is_check:
        hidden.add(run.check)
    start, end = run.spots[lo], max(run.spots[hi - 1], run.check if last_is_check else 0) + 1
    # The recogniser writes 「一 三 八」: those spaces are between words, not digit groups.
    drop_spaces = has_chinese_numeral(text[start:end])
    out = []
    for i in range(start, end):
        if i in hidden:
            out.append(HIDDEN)
        elif i in shown:
            out.append(work[i])
        elif not (drop_spaces and text[i].isspace()):
            out.append(text[i])
    return start, end, "".join(out)

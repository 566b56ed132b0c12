"""Callback phone numbers: find one in what the person said and check it.
(Masking is bot/privacy.py's, the same for every number everywhere.)

Accepted: mainland mobiles (1[3-9] + 9 digits) and landlines (0 + area code +
7-8 digits), Hong Kong and Macau 8-digit numbers, each with or without +86,
+852, +853 (or 00...). Spoken digits (「一三八…」「幺」) count too, so a number
heard by the speech recogniser works like a typed one.
"""
from __future__ import annotations

import re
from typing import Optional

from bot.textrules import read_digits

_CANDIDATE = re.compile(r"(?:\+|(?<!\d)00)?\d(?:[\s\-()（）]*\d){5,18}")
_ATTEMPT = re.compile(r"\d(?:[\s\-]*\d){4,}")   # five digits or more: meant as a number
_SEPARATORS = re.compile(r"[\s\-()（）+]")

_MAINLAND = re.compile(r"^(?:1[3-9]\d{9}|0[1-9]\d{1,2}\d{7,8})$")
_HK = re.compile(r"^[2-9]\d{7}$")
_MACAU = re.compile(r"^(?:6\d{7}|28\d{6})$")


def normalize_phone(raw: str) -> Optional[str]:
    """The number in a canonical form ("13812345678", "+852 91234567"), or None."""
    international = raw.strip().startswith(("+", "00"))
    digits = _SEPARATORS.sub("", raw.strip())
    if international and digits.startswith("00"):
        digits = digits[2:]
    if international:
        for code, rule in (("852", _HK), ("853", _MACAU)):
            if digits.startswith(code) and rule.match(digits[len(code):]):
                return f"+{code} {digits[len(code):]}"
        if digits.startswith("86"):
            national = digits[2:]
            national = national if national.startswith("1") else "0" + national
            return national if _MAINLAND.match(national) else None
        return None
    if _MAINLAND.match(digits) or _HK.match(digits):
        return digits
    return None


def find_phone(text: str) -> tuple[Optional[str], bool]:
    """(a valid number in the text or None, whether the text tried to give one)."""
    digits = read_digits(text, min_digits=6)
    for match in _CANDIDATE.finditer(digits):
        phone = normalize_phone(match.group(0))
        if phone:
            return phone, True
    return None, bool(_ATTEMPT.search(digits))

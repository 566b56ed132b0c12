"""Callback phone numbers: find one in what the person said, check it, mask it.

Accepted: mainland mobiles (1[3-9] + 9 digits) and landlines (0 + area code +
7-8 digits), Hong Kong and Macau 8-digit numbers, each with or without +86,
+852, +853 (or 00...). Spoken digits (「一三八…」「幺」) count too, so a number
heard by the speech recogniser works like a typed one.
"""
from __future__ import annotations

import re
from typing import Optional

from bot.privacy import mask

_SPOKEN = str.maketrans("零〇一幺二两三四五六七八九", "0011223456789")
_SPOKEN_RUN = re.compile(r"[零〇一幺二两三四五六七八九\d]{6,}")
_CANDIDATE = re.compile(r"(?:\+|(?<!\d)00)?\d(?:[\s\-()（）]*\d){5,18}")
_ATTEMPT = re.compile(r"\d(?:[\s\-]*\d){4,}")   # five digits or more: meant as a number
_SEPARATORS = re.compile(r"[\s\-()（）+]")

_MAINLAND = re.compile(r"^(?:1[3-9]\d{9}|0[1-9]\d{1,2}\d{7,8})$")
_HK = re.compile(r"^[2-9]\d{7}$")
_MACAU = re.compile(r"^(?:6\d{7}|28\d{6})$")


def _spoken_to_digits(text: str) -> str:
    return _SPOKEN_RUN.sub(lambda m: m.group(0).translate(_SPOKEN), text)


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
    digits = _spoken_to_digits(text)
    for match in _CANDIDATE.finditer(digits):
        phone = normalize_phone(match.group(0))
        if phone:
            return phone, True
    return None, bool(_ATTEMPT.search(digits))


def mask_phone(phone: str) -> str:
    """"138******78": enough for staff and the person to recognise, not to dial."""
    prefix, _, national = phone.rpartition(" ")
    keep = 3 if len(national) >= 10 else 2
    hidden = "*" * max(len(national) - keep - 2, 0)
    return (prefix + " " if prefix else "") + national[:keep] + hidden + national[-2:]


def mask_all(text: str) -> str:
    """privacy.mask (ID, bank and mainland mobile numbers), plus any other phone
    number this module accepts (Hong Kong, Macau, landlines)."""
    masked = mask(text)

    def hide(match: re.Match[str]) -> str:
        phone = normalize_phone(match.group(0))
        return mask_phone(phone) if phone else match.group(0)
    return _CANDIDATE.sub(hide, masked)

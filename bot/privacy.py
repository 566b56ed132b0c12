"""Masking personal numbers before anything is logged or shown to staff."""
from __future__ import annotations

import re

# ID card: 18 characters (17 digits + digit/X), or the old 15-digit form.
_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)|(?<!\d)(\d{6})\d{6}(\d{3})(?!\d)")
_BANK_CARD = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_SPACED_DIGITS = re.compile(r"(?<=\d)[ \-](?=\d)")


def mask(text: str) -> str:
    """Replace the middle of ID-card, bank-card and mobile numbers with *."""
    text = _SPACED_DIGITS.sub("", text)
    text = _ID_CARD.sub(lambda m: (m.group(1) or m.group(3)) + "*" * (8 if m.group(1) else 6)
                        + (m.group(2) or m.group(4)), text)
    text = _BANK_CARD.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 8) + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)

"""Small pieces of SIP text that aiosipua does not write or read for us."""

from __future__ import annotations

import re
import string

from aiosipua import SipRequest, parse_uri

from .media import KEYS

# RFC 3261 §25.1: hnv-unreserved / unreserved may stay; everything else is %HH
_HEADER_SAFE = set(string.ascii_letters + string.digits + "-_.!~*'()" + "[]/?:+$")
_TOKEN = re.compile(r"^[A-Za-z0-9\-.!%*_+`'~]+$")


def escape_header_value(value: str) -> str:
    return "".join(c if c in _HEADER_SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in value)


def refer_to(target_uri: str, headers: dict[str, str]) -> str:
    """Refer-To value: the target with *headers* embedded in the URI (RFC 3261 §19.1.1, RFC 3515 §2.1).

    >>> refer_to("sip:queue@pbx", {"X-Kaifong-Case": "12 3"})
    '<sip:queue@pbx?X-Kaifong-Case=12%203>'
    """
    if not target_uri.startswith(("sip:", "sips:")) or any(c in target_uri for c in "<>\r\n "):
        raise ValueError(f"not a SIP URI: {target_uri!r}")
    for name in headers:
        if not _TOKEN.match(name):
            raise ValueError(f"not a header name: {name!r}")
    if not headers:
        return f"<{target_uri}>"
    query = "&".join(f"{name}={escape_header_value(value)}" for name, value in headers.items())
    joiner = "&" if "?" in target_uri else "?"
    return f"<{target_uri}{joiner}{query}>"


def user_of(value: str) -> str:
    """The user part (number) of a name-addr, addr-spec or request URI; tel: URIs too (RFC 3966)."""
    text = value.strip()
    if "<" in text and ">" in text:
        text = text[text.index("<") + 1 : text.index(">")]
    else:
        text = text.split(";")[0] if text.startswith("tel:") else text
    if text.startswith("tel:"):
        return text[4:].split(";")[0]
    try:
        return parse_uri(text).user or ""
    except (ValueError, IndexError):
        return ""


def caller_of(invite: SipRequest) -> str:
    """P-Asserted-Identity (RFC 3325) from the trusted PBX, else the From user."""
    asserted = invite.headers.get_first("p-asserted-identity")
    if asserted:
        number = user_of(asserted.split(",")[0])
        if number:
            return number
    return user_of(invite.headers.get_first("from") or "")


_RELAY_CODES = {"10": "*", "11": "#"}


def key_from_info(content_type: str, body: str) -> str | None:
    """The key an INFO carries, or None.

    application/dtmf-relay: ``Signal=5`` lines (some gateways send 10/11 for * and #);
    application/dtmf: the bare key.
    """
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/dtmf-relay":
        for line in body.splitlines():
            name, _, value = line.partition("=")
            if name.strip().lower() == "signal":
                key = value.strip()
                key = _RELAY_CODES.get(key, key)
                return key if key in KEYS else None
        return None
    if kind == "application/dtmf":
        key = _RELAY_CODES.get(body.strip(), body.strip())
        return key if key in KEYS else None
    return None


INFO_TYPES = ("application/dtmf-relay", "application/dtmf")


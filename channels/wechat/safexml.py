"""Parsing WeChat's XML without the XML attacks.

WeChat's messages are one flat `<xml>` element of fields. Anything with a
DOCTYPE or an entity declaration is refused before a single entity is
expanded (defusedxml with forbid_dtd: XXE, billion laughs, external DTDs);
bodies over the limit are refused unread; broken XML is a BadRequest.
wechatpy parses with xmltodict, which has no DTD switch, so it never sees our
input first.
"""
from __future__ import annotations

from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from channels.wechat.errors import BadRequest, BodyTooLarge, ForbiddenXml

ROOT_TAG = "xml"


def parse_fields(body: bytes, max_bytes: int) -> dict[str, str]:
    """The `<xml>` document's child elements as {tag: text} ('' for an empty one).

    Nested children (an event's ScanCodeInfo, SendLocationInfo…) are flattened
    into the same map; the first occurrence of a tag wins.
    """
    if len(body) > max_bytes:
        raise BodyTooLarge(f"body is {len(body)} bytes; the limit is {max_bytes}")
    if not body.strip():
        raise BadRequest("empty body")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise ForbiddenXml(f"refused XML: {type(exc).__name__}") from None
    except ParseError as exc:
        raise BadRequest(f"broken XML: {exc}") from None
    if root.tag != ROOT_TAG:
        raise BadRequest(f"root element is <{root.tag[:40]}>, not <xml>")
    fields: dict[str, str] = {}
    for element in root.iter():
        if element is not root and len(element) == 0:
            fields.setdefault(element.tag, (element.text or "").strip())
    return fields

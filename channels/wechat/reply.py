"""Passive replies: the XML answered in the same HTTP response (within 5 s),
or the literal `success` when the answer goes later as a customer-service
message (or there is none). `success` is never encrypted, in any mode.
"""
from __future__ import annotations

import re

from channels.wechat.messages import Message

SUCCESS = "success"
# XML 1.0 has no place for most control characters; WeChat rejects the reply
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

TEXT_REPLY = (
    "<xml>"
    "<ToUserName>{to_user}</ToUserName>"
    "<FromUserName>{from_user}</FromUserName>"
    "<CreateTime>{create_time}</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType>"
    "<Content>{content}</Content>"
    "</xml>"
)


def text_reply(message: Message, content: str, now: float) -> str:
    """A text reply to `message`: to its sender, from the account it was sent to."""
    return TEXT_REPLY.format(to_user=cdata(message.from_user), from_user=cdata(message.to_user),
                             create_time=int(now), content=cdata(content))


def cdata(text: str) -> str:
    """Text as CDATA; a `]]>` inside is split across two sections."""
    text = _NOT_XML.sub("", text)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"

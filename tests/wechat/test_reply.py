"""Passive text replies, read back by wechatpy's parser."""
from __future__ import annotations

from wechatpy.parser import parse_message as wechatpy_parse

from channels.wechat.messages import Text
from channels.wechat.reply import text_reply

MESSAGE = Text(from_user="oPerson", to_user="gh_account", create_time=1700000000, msg_id="1",
               content="你好")


def test_text_reply_swaps_sender_and_account():
    reply = wechatpy_parse(text_reply(MESSAGE, "您好！", 1700000005))
    assert (reply.type, reply.source, reply.target) == ("text", "gh_account", "oPerson")
    assert reply.content == "您好！" and reply.create_time.timestamp() == 1700000005


def test_reply_text_that_would_break_cdata():
    tricky = "a]]>b <xml>&amp; </Content>"
    assert wechatpy_parse(text_reply(MESSAGE, tricky, 1)).content == tricky


def test_control_characters_are_dropped():
    assert wechatpy_parse(text_reply(MESSAGE, "一\x00二\x07三\n四", 1)).content == "一二三\n四"

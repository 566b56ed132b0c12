"""What the person says to the queue itself: leave it, or ask to be rung back.
Each rule reads the utterance as the pipeline read it once (bot.language.read)."""
from __future__ import annotations

import re

from bot.language import Utterance, as_utterance

_CANCEL = {
    "取消", "取消等待", "唔等", "唔等喇", "唔等了", "唔等啦", "不等", "不等了", "不等啦", "算了", "算",
    "算啦", "唔使了", "唔使喇", "唔使等", "不用了", "不用等了", "返回", "回到机器人", "唔要了",
    "不要了", "cancel",
}
_CALLBACK = ("留电话", "留个电话", "留低电话", "回电", "回拨", "打给我", "打电话给我", "打返俾我",
             "打返畀我", "打返电话", "覆电", "callback")
_TRAILING_PARTICLES = re.compile(r"[啦吧呀啊喇嘞]+$")
_PHONE_WORDS = ("电话", "手机", "号码", "打给", "打俾", "打返", "致电", "联系我", "揾我", "找我")
_ONLY_NUMBER = re.compile(r"^[\d+\-()（）]+$")


def _bare(said: Utterance) -> str:
    """The words without punctuation or the particles that soften them (「唔等喇！」 → 唔等)."""
    return _TRAILING_PARTICLES.sub("", said.plain)


def is_cancel(text: Utterance | str) -> bool:
    """「取消」「唔等喇」「不等了」: a short utterance that only says stop waiting."""
    said = as_utterance(text)
    bare = _bare(said)
    return bare in _CANCEL or said.plain in _CANCEL or (bare.startswith("取消") and len(bare) <= 6)


def wants_callback(text: Utterance | str) -> bool:
    plain = as_utterance(text).plain
    return any(word in plain for word in _CALLBACK)


def about_a_phone(text: Utterance | str) -> bool:
    """Does the person mean to give a number to ring (not a case or card number)?"""
    said = as_utterance(text)
    return bool(_ONLY_NUMBER.match(said.digits)) \
        or any(word in said.plain for word in _PHONE_WORDS) or wants_callback(said)

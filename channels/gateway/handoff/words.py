"""What the person says to the queue itself: leave it, or ask to be rung back."""
from __future__ import annotations

import re

from bot.language import normalize

_CANCEL = {
    "取消", "取消等待", "唔等", "唔等喇", "唔等了", "唔等啦", "不等", "不等了", "不等啦", "算了", "算",
    "算啦", "唔使了", "唔使喇", "唔使等", "不用了", "不用等了", "返回", "回到机器人", "唔要了",
    "不要了", "cancel",
}
_CALLBACK = ("留电话", "留个电话", "留低电话", "回电", "回拨", "打给我", "打电话给我", "打返俾我",
             "打返畀我", "打返电话", "覆电", "call back", "callback")
_PUNCTUATION = re.compile(r"[\s。，,.!！?？、~～啦吧呀啊喇嘞]+$")


def _plain(text: str) -> str:
    return _PUNCTUATION.sub("", normalize(text).replace(" ", "")).strip()


def is_cancel(text: str) -> bool:
    """「取消」「唔等喇」「不等了」: a short utterance that only says stop waiting."""
    plain = _plain(text)
    return plain in _CANCEL or (plain.startswith("取消") and len(plain) <= 6)


def wants_callback(text: str) -> bool:
    plain = normalize(text)
    return any(word in plain for word in _CALLBACK)


_PHONE_WORDS = ("电话", "手机", "号码", "打给", "打俾", "打返", "致电", "联系我", "揾我", "找我")
_ONLY_NUMBER = re.compile(r"^[\d\s+\-()（）零〇一幺二两三四五六七八九]+$")


def about_a_phone(text: str) -> bool:
    """Does the person mean to give a number to ring (not a case or card number)?"""
    plain = normalize(text)
    return bool(_ONLY_NUMBER.match(_plain(text))) or any(w in plain for w in _PHONE_WORDS) \
        or wants_callback(text)

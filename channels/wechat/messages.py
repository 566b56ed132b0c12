"""What a WeChat message means to Kaifong: four small types.

    Text(content)                               the person typed
    Voice(media_id, format, recognition)        the person spoke; recognition is
                                                WeChat's own transcript when the
                                                account has it switched on
    Event(event, key)                           subscribe, unsubscribe, CLICK (menu), VIEW…
    Other(kind)                                 anything Kaifong does not read (image,
                                                video, location, link, file, or a type
                                                WeChat adds later): answer politely

Each also has from_user (the person's OpenID), to_user (the account),
create_time and msg_id (None for events).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

from channels.wechat.errors import BadRequest

REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
MAX_OPENID = 128


@dataclass(frozen=True, kw_only=True)
class Common:
    from_user: str                # the person's OpenID for this account
    to_user: str                  # the account's own id (gh_…)
    create_time: int              # Unix seconds
    msg_id: Optional[str] = None  # None for events


@dataclass(frozen=True, kw_only=True)
class Text(Common):
    content: str


@dataclass(frozen=True, kw_only=True)
class Voice(Common):
    media_id: str
    format: str                   # amr or speex, lower case
    recognition: Optional[str]    # None when WeChat sent no transcript (or an empty one)


@dataclass(frozen=True, kw_only=True)
class Event(Common):
    event: str                    # lower case: subscribe, unsubscribe, click, view, scan…
    key: str                      # EventKey: the menu key (CLICK), the URL (VIEW), or ''


@dataclass(frozen=True, kw_only=True)
class Other(Common):
    kind: str                     # MsgType, lower case: image, video, location, link, file…


Message = Union[Text, Voice, Event, Other]


def parse_message(fields: Mapping[str, str]) -> Message:
    """The message in WeChat's XML fields; BadRequest when a required field is missing."""
    common = _common(fields)
    kind = fields["MsgType"].strip().lower()
    if kind == "text":
        return Text(**common, content=fields.get("Content", ""))
    if kind == "voice":
        if not fields.get("MediaId"):
            raise BadRequest("voice message without MediaId")
        return Voice(**common, media_id=fields["MediaId"],
                     format=(fields.get("Format") or "amr").lower(),
                     recognition=fields.get("Recognition") or None)
    if kind == "event":
        if not fields.get("Event"):
            raise BadRequest("event without Event")
        return Event(**common, event=fields["Event"].lower(), key=fields.get("EventKey", ""))
    return Other(**common, kind=kind)


def dedupe_key(message: Message) -> str:
    """Stable across WeChat's retries: the MsgId, or for events (which have none)
    the sender, CreateTime and event (and key: two menu taps in one second differ)."""
    if message.msg_id:
        return "msg:" + message.msg_id
    parts = ["evt", message.from_user, str(message.create_time)]
    if isinstance(message, Event):
        parts += [message.event, message.key]
    else:
        parts.append(type(message).__name__.lower())
    return ":".join(parts)


def _common(fields: Mapping[str, str]) -> dict[str, Any]:
    for name in REQUIRED:
        if not fields.get(name):
            raise BadRequest(f"message without {name}")
    create_time = fields["CreateTime"]
    if not (create_time.isascii() and create_time.isdigit()) or len(create_time) > 12:
        raise BadRequest("CreateTime is not a number")
    if len(fields["FromUserName"]) > MAX_OPENID or len(fields["ToUserName"]) > MAX_OPENID:
        raise BadRequest("user name too long")
    return {"from_user": fields["FromUserName"], "to_user": fields["ToUserName"],
            "create_time": int(create_time), "msg_id": fields.get("MsgId") or None}

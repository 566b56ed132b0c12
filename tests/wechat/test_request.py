"""Plain-mode requests as WeChat sends them: the URL check, signatures, the
timestamp window, safe XML and every message type Kaifong reads."""
from __future__ import annotations

import time

import pytest

from channels.wechat import errors
from channels.wechat.messages import Event, Other, Text, Voice, dedupe_key
from channels.wechat.request import RequestChecker
from tests.wechat.wechat_peer import ACCOUNT, OPENID, TOKEN, config, message_xml, signed_query


@pytest.fixture
def checker() -> RequestChecker:
    return RequestChecker(config(aes_key=""))


# --- the URL check ------------------------------------------------------------------

def test_url_check_echoes_echostr(checker):
    query = signed_query(echostr="8736582710264953126")
    assert checker.verify_url(query, time.time()) == "8736582710264953126"


def test_url_check_with_a_wrong_token_is_refused(checker):
    query = signed_query(token="someoneElsesToken", echostr="1")
    with pytest.raises(errors.BadSignature) as caught:
        checker.verify_url(query, time.time())
    assert caught.value.status == 403


@pytest.mark.parametrize("missing", ["timestamp", "nonce", "echostr"])
def test_url_check_without_a_parameter_is_bad(checker, missing):
    query = signed_query(echostr="1")
    del query[missing]
    with pytest.raises(errors.BadRequest):
        checker.verify_url(query, time.time())


def test_url_check_without_signature_is_refused(checker):
    query = signed_query(echostr="1")
    del query["signature"]
    with pytest.raises(errors.BadSignature):
        checker.verify_url(query, time.time())


# --- signatures and replays -------------------------------------------------------------

def test_signed_post_opens(checker):
    inbound = checker.open(signed_query(openid=OPENID), message_xml("text", Content="你好"), time.time())
    assert inbound.message.content == "你好" and not inbound.encrypted


def test_post_with_a_wrong_signature_is_refused(checker):
    query = signed_query()
    query["signature"] = "0" * 40
    with pytest.raises(errors.BadSignature) as caught:
        checker.open(query, message_xml("text", Content="你好"), time.time())
    assert caught.value.status == 403


def test_signature_of_other_parameters_is_refused(checker):
    query = signed_query(nonce="111")
    query["nonce"] = "222"                 # a replayed signature with a new nonce
    with pytest.raises(errors.BadSignature):
        checker.open(query, message_xml("text", Content="x"), time.time())


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_old_or_future_timestamp_is_refused(checker, age):
    now = time.time()
    query = signed_query(timestamp=int(now) - age)
    with pytest.raises(errors.StaleTimestamp) as caught:
        checker.open(query, message_xml("text", Content="x"), now)
    assert caught.value.status == 403


def test_timestamp_window_is_a_setting():
    checker = RequestChecker(config(aes_key="", max_clock_skew=3600))
    now = time.time()
    checker.open(signed_query(timestamp=int(now) - 3000), message_xml("text", Content="x"), now)


@pytest.mark.parametrize("timestamp", ["abc", "１２３", "-5", "1" * 20])
def test_timestamp_that_is_not_a_number_is_bad(checker, timestamp):
    query = {"signature": "", "timestamp": timestamp, "nonce": "1"}
    from tests.wechat.wechat_peer import plain_signature
    query["signature"] = plain_signature(TOKEN, timestamp, "1")
    with pytest.raises(errors.BadRequest):
        checker.open(query, message_xml("text", Content="x"), time.time())


# --- safe XML -------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>
<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&xxe;</Content></xml>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol9;</Content></xml>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd">
<xml><MsgType>text</MsgType></xml>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>
<xml><MsgType>text</MsgType></xml>"""


@pytest.mark.parametrize("body", [XXE, BILLION_LAUGHS, EXTERNAL_DTD, PARAMETER_ENTITY],
                         ids=["xxe", "billion-laughs", "external-dtd", "parameter-entity"])
def test_doctype_and_entities_are_refused(checker, body):
    start = time.perf_counter()
    with pytest.raises(errors.ForbiddenXml) as caught:
        checker.open(signed_query(), body, time.time())
    assert caught.value.status == 400
    assert time.perf_counter() - start < 0.5       # refused, not expanded


def test_oversize_body_is_refused_before_parsing(checker):
    body = message_xml("text", Content="长" * 30000)        # 90 KB of UTF-8
    with pytest.raises(errors.BodyTooLarge) as caught:
        checker.open(signed_query(), body, time.time())
    assert caught.value.status == 413


def test_body_limit_is_a_setting():
    checker = RequestChecker(config(aes_key="", max_body_bytes=200))
    with pytest.raises(errors.BodyTooLarge):
        checker.open(signed_query(), message_xml("text", Content="x" * 200), time.time())


@pytest.mark.parametrize("body", [b"<xml><ToUserName>gh", b"not xml at all", b"",
                                  b"<xml><a></b></xml>", b"<other><MsgType>text</MsgType></other>",
                                  "<xml><Content>中文</Content></xml>".encode("gbk")],
                         ids=["truncated", "text", "empty", "mismatched", "wrong-root", "not-utf8"])
def test_broken_xml_is_bad(checker, body):
    with pytest.raises(errors.BadRequest) as caught:
        checker.open(signed_query(), body, time.time())
    assert caught.value.status == 400


@pytest.mark.parametrize("missing", ["ToUserName", "FromUserName", "CreateTime", "MsgType"])
def test_message_without_a_required_field_is_bad(checker, missing):
    body = message_xml("text", Content="x").decode()
    start = body.index(f"<{missing}>")
    end = body.index(f"</{missing}>") + len(missing) + 3
    with pytest.raises(errors.BadRequest):
        checker.open(signed_query(), (body[:start] + body[end:]).encode(), time.time())


# --- the messages -----------------------------------------------------------------------

@pytest.mark.parametrize("content", ["养老金怎么认证", "養老金點樣認證", "2"])
def test_text_in_both_scripts(checker, content):
    now = int(time.time())
    message = checker.open(signed_query(), message_xml("text", Content=content, create_time=now),
                           time.time()).message
    assert message == Text(from_user=OPENID, to_user=ACCOUNT, create_time=now,
                           msg_id="6054768590064713728", content=content)


def test_voice_with_recognition(checker):
    body = message_xml("voice", MediaId="MEDIA_voice_1", Format="amr", Recognition="我想问养老金")
    message = checker.open(signed_query(), body, time.time()).message
    assert isinstance(message, Voice)
    assert (message.media_id, message.format, message.recognition) == ("MEDIA_voice_1", "amr", "我想问养老金")


@pytest.mark.parametrize("recognition", [None, ""])
def test_voice_without_recognition(checker, recognition):
    fields = {"MediaId": "MEDIA_voice_2", "Format": "speex"}
    if recognition is not None:
        fields["Recognition"] = recognition
    message = checker.open(signed_query(), message_xml("voice", **fields), time.time()).message
    assert isinstance(message, Voice)
    assert (message.format, message.recognition) == ("speex", None)


def test_voice_without_media_id_is_bad(checker):
    with pytest.raises(errors.BadRequest):
        checker.open(signed_query(), message_xml("voice", Format="amr"), time.time())


@pytest.mark.parametrize("event,key", [("subscribe", ""), ("unsubscribe", ""),
                                       ("CLICK", "svc:pension_certification"),
                                       ("CLICK", "human"), ("VIEW", "https://example.org/")])
def test_events(checker, event, key):
    fields = {"Event": event}
    if key:
        fields["EventKey"] = key
    message = checker.open(signed_query(), message_xml("event", msg_id=None, **fields),
                           time.time()).message
    assert isinstance(message, Event)
    assert (message.event, message.key, message.msg_id) == (event.lower(), key, None)


def test_scan_event_with_nested_fields(checker):
    body = (b"<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
            b"<CreateTime>1700000000</CreateTime><MsgType>event</MsgType>"
            b"<Event>scancode_push</Event><EventKey>k1</EventKey>"
            b"<ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>1</ScanResult></ScanCodeInfo></xml>")
    message = checker.open(signed_query(), body, time.time()).message
    assert (message.event, message.key) == ("scancode_push", "k1")


@pytest.mark.parametrize("kind,fields", [
    ("image", {"PicUrl": "http://mmbiz.example/x.jpg", "MediaId": "m1"}),
    ("video", {"MediaId": "m2", "ThumbMediaId": "t2"}),
    ("shortvideo", {"MediaId": "m3", "ThumbMediaId": "t3"}),
    ("location", {"Location_X": "23.13", "Location_Y": "113.26", "Scale": "20", "Label": "广州"}),
    ("link", {"Title": "t", "Description": "d", "Url": "https://example.org/"}),
    ("file", {"Title": "a.pdf", "FileKey": "k", "FileMd5": "m", "FileTotalLen": "1"}),
    ("hologram", {}),      # a type WeChat adds some day
])
def test_other_types_are_unsupported_values(checker, kind, fields):
    message = checker.open(signed_query(), message_xml(kind, **fields), time.time()).message
    assert isinstance(message, Other) and message.kind == kind


def test_dedupe_keys():
    now = int(time.time())
    text = Text(from_user="o1", to_user="gh", create_time=now, msg_id="42", content="x")
    click = Event(from_user="o1", to_user="gh", create_time=now, event="click", key="human")
    other_click = Event(from_user="o1", to_user="gh", create_time=now, event="click", key="lang:yue")
    assert dedupe_key(text) == "msg:42"
    assert dedupe_key(click) == f"evt:o1:{now}:click:human"
    assert dedupe_key(click) != dedupe_key(other_click)

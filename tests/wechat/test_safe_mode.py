"""Safe mode (安全模式) and compatible mode (兼容模式): messages sealed by
wechatpy's WeChatCrypto and by a second implementation written from WeChat's
documentation; our sealed replies opened by both."""
from __future__ import annotations

import base64
import time

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.parser import parse_message as wechatpy_parse

from channels.wechat import errors
from channels.wechat.messages import Text, Voice
from channels.wechat.reply import SUCCESS, text_reply
from channels.wechat.request import RequestChecker
from tests.wechat.wechat_peer import (ACCOUNT, AES_KEY, APP_ID, OPENID, TOKEN, config,
                                      docs_decrypt, docs_encrypt, encrypted_request, message_xml,
                                      plain_signature, signed_query)


@pytest.fixture
def checker() -> RequestChecker:
    return RequestChecker(config())


def test_safe_mode_message_decrypts(checker):
    query, body = encrypted_request(message_xml("text", Content="我想问长者卡"))
    assert b"Content" not in body             # only Encrypt travels in safe mode
    inbound = checker.open(query, body, time.time())
    assert inbound.encrypted and isinstance(inbound.message, Text)
    assert inbound.message.content == "我想问长者卡"


def test_message_sealed_from_the_documentation_decrypts(checker):
    encrypt = docs_encrypt(message_xml("voice", MediaId="m1", Format="amr",
                                       Recognition="養老金").decode())
    query = signed_query(encrypt_type="aes")
    query["msg_signature"] = plain_signature(TOKEN, query["timestamp"], query["nonce"], encrypt)
    body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    message = checker.open(query, body.encode(), time.time()).message
    assert isinstance(message, Voice) and message.recognition == "養老金"


def test_reply_round_trip_through_wechatpy(checker):
    query, body = encrypted_request(message_xml("text", Content="你好"))
    inbound = checker.open(query, body, time.time())
    now = time.time()
    sealed = checker.seal(inbound, text_reply(inbound.message, "您好，有咩可以帮到你？", now), now)
    fields = xmltodict.parse(sealed)["xml"]
    assert set(fields) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    inner = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
        sealed, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
    reply = wechatpy_parse(inner)
    assert (reply.type, reply.content) == ("text", "您好，有咩可以帮到你？")
    assert (reply.source, reply.target) == (ACCOUNT, OPENID)


def test_reply_opens_with_the_documented_algorithm(checker):
    query, body = encrypted_request(message_xml("text", Content="你好"))
    inbound = checker.open(query, body, time.time())
    now = time.time()
    sealed = xmltodict.parse(checker.seal(inbound, text_reply(inbound.message, "收到", now), now))["xml"]
    assert sealed["MsgSignature"] == plain_signature(TOKEN, sealed["TimeStamp"], sealed["Nonce"],
                                                     sealed["Encrypt"])
    inner, app_id = docs_decrypt(sealed["Encrypt"])
    assert app_id == APP_ID and "<![CDATA[收到]]>" in inner
    assert abs(int(sealed["TimeStamp"]) - now) < 2


def test_two_equal_replies_encrypt_differently(checker):
    query, body = encrypted_request(message_xml("text", Content="x"))
    inbound = checker.open(query, body, time.time())
    reply = text_reply(inbound.message, "同一句", 1700000000)
    first = xmltodict.parse(checker.seal(inbound, reply, 1700000000))["xml"]["Encrypt"]
    second = xmltodict.parse(checker.seal(inbound, reply, 1700000000))["xml"]["Encrypt"]
    assert first != second


def test_compatible_mode_reads_the_signed_copy(checker):
    query, body = encrypted_request(message_xml("text", Content="真的"), compat=True)
    # the plain copy beside Encrypt is not signed: a tampered one is not believed
    tampered = body.replace("真的".encode(), "假的".encode(), 1)
    assert b"Encrypt" in tampered and "假的".encode() in tampered
    inbound = checker.open(query, tampered, time.time())
    assert inbound.message.content == "真的" and inbound.encrypted


def test_plain_post_to_a_safe_mode_account_still_opens(checker):
    """An operator switching the account's mode in the console: plain messages
    keep working, still signature-checked."""
    inbound = checker.open(signed_query(), message_xml("text", Content="x"), time.time())
    assert not inbound.encrypted
    assert checker.seal(inbound, "<xml/>", time.time()) == "<xml/>"


def test_wrong_msg_signature_is_refused(checker):
    query, body = encrypted_request(message_xml("text", Content="x"))
    query["msg_signature"] = "f" * 40
    with pytest.raises(errors.BadSignature):
        checker.open(query, body, time.time())


def test_missing_msg_signature_is_refused(checker):
    query, body = encrypted_request(message_xml("text", Content="x"))
    del query["msg_signature"]
    with pytest.raises(errors.BadSignature):
        checker.open(query, body, time.time())


def test_message_for_another_app_id_is_refused(checker):
    query, body = encrypted_request(message_xml("text", Content="x"), app_id="wxOtherAccount00")
    with pytest.raises(errors.WrongAppId) as caught:
        checker.open(query, body, time.time())
    assert caught.value.status == 403


def test_message_sealed_with_another_key_is_not_read(checker):
    other_key = base64.b64encode(bytes(range(100, 132))).decode()[:-1]
    query, body = encrypted_request(message_xml("text", Content="x"), aes_key=other_key)
    with pytest.raises((errors.BadRequest, errors.WrongAppId)):
        checker.open(query, body, time.time())


@pytest.mark.parametrize("encrypt", ["not base64!", "QUJD", base64.b64encode(b"x" * 32).decode(), ""])
def test_undecryptable_encrypt_is_bad(checker, encrypt):
    query = signed_query(encrypt_type="aes")
    query["msg_signature"] = plain_signature(TOKEN, query["timestamp"], query["nonce"], encrypt)
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    with pytest.raises(errors.RequestError) as caught:
        checker.open(query, body.encode(), time.time())
    assert caught.value.status in (400, 403)


def test_encrypted_message_to_a_plain_account_is_refused():
    checker = RequestChecker(config(aes_key=""))
    query, body = encrypted_request(message_xml("text", Content="x"))
    with pytest.raises(errors.SafeModeNotConfigured):
        checker.open(query, body, time.time())


def test_xml_attack_inside_the_encrypted_payload_is_refused(checker):
    inner = ('<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
             "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
             "<MsgType>text</MsgType><Content>&b;</Content></xml>")
    encrypt = docs_encrypt(inner)
    query = signed_query(encrypt_type="aes")
    query["msg_signature"] = plain_signature(TOKEN, query["timestamp"], query["nonce"], encrypt)
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    with pytest.raises(errors.ForbiddenXml):
        checker.open(query, body.encode(), time.time())


def test_success_is_the_literal_word():
    assert SUCCESS == "success"

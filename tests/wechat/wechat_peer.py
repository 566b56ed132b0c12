"""WeChat's side of the webhook, for tests: requests built and signed the way the
WeChat servers do, with wechatpy (an independent implementation) and, for the
AES layer, a second one written here from WeChat's documentation
(消息加解密说明) on `cryptography` directly."""
from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
from typing import Optional

import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import check_signature

from channels.wechat.config import WeChatConfig

TOKEN = "kaifongToken2024"
AES_KEY = base64.b64encode(bytes(range(7, 39))).decode()[:-1]     # 43 characters
APP_ID = "wx5823bf96d3bd56c7"
ACCOUNT = "gh_3ad31ba8d4b2"
OPENID = "oia2TjuEGTNoeX76QEjQNrcURxG8"


def config(**overrides) -> WeChatConfig:
    values = dict(token=TOKEN, app_id=APP_ID, app_secret="s3cr3t-app-secret-value",
                  aes_key=AES_KEY)
    values.update(overrides)
    return WeChatConfig(**values)


def plain_signature(*parts: str) -> str:
    """From the documentation: sort the strings, join them, SHA-1 in hex."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signed_query(token: str = TOKEN, timestamp: Optional[int] = None,
                 nonce: str = "1320562132", **extra: str) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = plain_signature(token, ts, nonce)
    check_signature(token, signature, ts, nonce)   # wechatpy agrees with the documentation
    return {"signature": signature, "timestamp": ts, "nonce": nonce, **extra}


def message_xml(msg_type: str, msg_id: Optional[str] = "6054768590064713728",
                from_user: str = OPENID, create_time: Optional[int] = None, **fields: str) -> bytes:
    """A message as WeChat pushes it: CDATA for strings, digits bare."""
    parts = [f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
             f"<FromUserName><![CDATA[{from_user}]]></FromUserName>",
             f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
             f"<MsgType><![CDATA[{msg_type}]]></MsgType>"]
    parts += [f"<{name}><![CDATA[{value}]]></{name}>" for name, value in fields.items()]
    if msg_id:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return ("<xml>" + "".join(parts) + "</xml>").encode("utf-8")


def encrypted_request(inner: bytes, *, compat: bool = False, token: str = TOKEN,
                      aes_key: str = AES_KEY, app_id: str = APP_ID,
                      timestamp: Optional[int] = None) -> tuple[dict[str, str], bytes]:
    """(query, body) of a safe-mode POST, sealed by wechatpy's WeChatCrypto. In
    compatible mode the plain fields travel beside Encrypt."""
    query = signed_query(token=token, timestamp=timestamp)
    sealed = WeChatCrypto(token, aes_key, app_id).encrypt_message(
        inner.decode("utf-8"), query["nonce"], query["timestamp"])
    fields = xmltodict.parse(sealed)["xml"]
    query.update(encrypt_type="aes", msg_signature=fields["MsgSignature"])
    plain = inner.decode("utf-8")[len("<xml>"):-len("</xml>")] if compat else \
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
    body = f"<xml>{plain}<Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"
    return query, body.encode("utf-8")


def docs_encrypt(xml: str, aes_key: str = AES_KEY, app_id: str = APP_ID) -> str:
    """From the documentation: AES-256-CBC, IV = key[:16], over 16 random bytes,
    the XML's length (4 bytes, network order), the XML, the app id; PKCS#7 to 32."""
    key = base64.b64decode(aes_key + "=")
    raw = xml.encode("utf-8")
    plain = os.urandom(16) + struct.pack(">I", len(raw)) + raw + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def docs_decrypt(encrypt: str, aes_key: str = AES_KEY) -> tuple[str, str]:
    """(xml, app id) of an Encrypt value, checking the PKCS#7 padding."""
    key = base64.b64decode(aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad, "bad PKCS#7 padding"
    plain = plain[:-pad]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20:20 + length].decode("utf-8"), plain[20 + length:].decode()

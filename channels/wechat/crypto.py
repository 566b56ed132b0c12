"""Safe mode (安全模式) and compatible mode (兼容模式): AES-256-CBC with the key
from the EncodingAESKey, IV = first 16 key bytes, PKCS#7 padding to 32 bytes,
plaintext = 16 random bytes + 4-byte length + XML + app id, base64.

The cipher is wechatpy's PrpCrypto (with the random prefix from `secrets`).
The msg_signature is checked here first, in constant time, so nothing unsigned
reaches the decrypter; wechatpy's app id check becomes our WrongAppId.
"""
from __future__ import annotations

import binascii
import secrets
import struct

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException

from channels.wechat.errors import BadRequest, WrongAppId
from channels.wechat.signature import check_signature, sign

ENCRYPTED_REPLY = (
    "<xml>"
    "<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
    "<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
    "<TimeStamp>{timestamp}</TimeStamp>"
    "<Nonce><![CDATA[{nonce}]]></Nonce>"
    "</xml>"
)


class _Cipher(PrpCrypto):
    """wechatpy's cipher with the 16-byte random prefix from `secrets`: with a
    fixed IV that prefix is what makes two equal replies encrypt differently,
    and wechatpy draws it from `random`."""

    def get_random_string(self) -> str:
        return secrets.token_urlsafe(12)  # 16 characters


class MessageCrypto:
    """Decrypts WeChat's Encrypt field and seals replies, for one account."""

    def __init__(self, token: str, key: bytes, app_id: str) -> None:
        self._token = token
        self._key = key
        self._app_id = app_id

    def __repr__(self) -> str:
        return f"MessageCrypto(app_id={self._app_id!r})"

    def decrypt(self, encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> bytes:
        """The inner XML. BadSignature, BadRequest (undecryptable) or WrongAppId."""
        check_signature((self._token, timestamp, nonce, encrypt), msg_signature)
        try:
            xml = _Cipher(self._key).decrypt(encrypt, self._app_id)
        except InvalidAppIdException:
            raise WrongAppId("the message was sealed for another app id") from None
        except (ValueError, binascii.Error, struct.error, IndexError):
            # bad base64, a length that is not whole blocks, a mangled length field,
            # bytes that are not UTF-8 (UnicodeDecodeError is a ValueError)
            raise BadRequest("Encrypt does not decrypt") from None
        return xml.encode("utf-8")

    def seal(self, xml: str, timestamp: str, nonce: str | None = None) -> str:
        """The reply XML WeChat expects in safe mode: Encrypt, MsgSignature, TimeStamp, Nonce."""
        nonce = nonce or secrets.token_hex(8)
        encrypt = _Cipher(self._key).encrypt(xml, self._app_id).decode("ascii")
        signature = sign(self._token, timestamp, nonce, encrypt)
        return ENCRYPTED_REPLY.format(encrypt=encrypt, signature=signature,
                                      timestamp=timestamp, nonce=nonce)

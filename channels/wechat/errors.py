"""What can be wrong with a request from WeChat, each with the HTTP status the
route answers with. Messages are for the log: they never hold a token or a key."""
from __future__ import annotations


class RequestError(Exception):
    """A request the route refuses; `status` is the HTTP answer."""
    status = 400


class BadRequest(RequestError):
    """Missing parameters, broken XML, a message without its required fields."""
    status = 400


class ForbiddenXml(BadRequest):
    """A DOCTYPE, entity declaration or external reference (XXE, billion laughs)."""


class BodyTooLarge(RequestError):
    status = 413


class BodyTooSlow(RequestError):
    """The body did not arrive within the gateway's body_read_seconds."""
    status = 408


class RequestRefused(RequestError):
    """Not from WeChat (or not for us): wrong signature, stale timestamp, wrong app id."""
    status = 403


class BadSignature(RequestRefused):
    pass


class StaleTimestamp(RequestRefused):
    """The timestamp is too far from now: a replayed or forged request."""


class WrongAppId(RequestRefused):
    """A safe-mode message that decrypts but was sealed for another app id."""


class SafeModeNotConfigured(RequestRefused):
    """WeChat sent an encrypted message and no EncodingAESKey is set."""

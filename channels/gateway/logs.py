"""The gateway's log: one event per line, whatever a person typed. A message with a
line break (or any other control character, or U+2028) in it could otherwise forge a
line of its own that looks like the gateway's; they are written escaped (\\n, \\x1b)."""
from __future__ import annotations

import logging
import re

from aiohttp.http_exceptions import HttpProcessingError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"
                                              if ord(m.group()) < 256
                                              else f"\\u{ord(m.group()):04x}"), text)


class OneLineFormatter(logging.Formatter):
    """The message escaped; a traceback (the gateway's own) keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)


class MalformedRequests(logging.Filter):
    """aiohttp logs a request it could not even parse (a NUL in a header, a broken chunk)
    as an error with a traceback: a stranger's mistake, told in one line at INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = "a malformed HTTP request was refused with %s: %s"
            record.args = (exc.code, str(exc.message).strip().splitlines()[0][:200]
                           if exc.message else "")
            record.exc_info, record.exc_text = None, None
        return True


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.getLogger("aiohttp.server").addFilter(MalformedRequests())

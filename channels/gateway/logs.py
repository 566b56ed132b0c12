"""The gateway's log: one event per line, whatever a person typed. A message with a
line break (or any other control character, or U+2028) in it could otherwise forge a
line of its own that looks like the gateway's; they are written escaped (\\n, \\x1b)."""
from __future__ import annotations

import logging
import re

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


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)

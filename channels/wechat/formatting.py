"""Kaifong's replies as WeChat text: buttons become numbered lines the person
answers by typing the number, and a long reply is split into messages that fit.

    [{"text": "你想知道哪样？", "buttons": [{"title": "1 要带什么材料", "payload": "1"}, …]}]
      -> 你想知道哪样？
         回复数字：
         1 要带什么材料
         2 去哪里办
         0 找工作人员
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, Mapping, Sequence

TEXT_LIMIT_BYTES = 2048               # a WeChat text message, UTF-8
_SENTENCE = re.compile(r".*?(?:[。！？!?\n]+|$)", re.S)


def render_messages(messages: Sequence[Mapping[str, Any]], prompt: str,
                    footer: Iterable[str] = ()) -> str:
    """One text for all of a turn's messages. `prompt` (「回复数字：」 in the
    person's language and script) heads the numbered lines; `footer` lines
    (「0 找工作人员」) follow the last message's options."""
    text = "\n\n".join(block for block in (_render_one(m, prompt) for m in messages) if block)
    footer = [line for line in footer if line]
    if not footer:
        return text
    if prompt and not any(m.get("buttons") for m in messages):
        footer.insert(0, prompt)
    return "\n".join(part for part in (text, *footer) if part)


def _render_one(message: Mapping[str, Any], prompt: str) -> str:
    lines = [str(message.get("text") or "").strip()]
    buttons = message.get("buttons") or []
    if buttons:
        if prompt:
            lines.append(prompt)
        lines += [_option_line(b) for b in buttons]
    return "\n".join(line for line in lines if line)


def _option_line(button: Mapping[str, Any]) -> str:
    """The title, led by its number: titles are already 「1 要带什么材料」; a
    title without its payload in front gets it."""
    title = str(button.get("title") or "").strip()
    payload = str(button.get("payload") or "").strip()
    if payload and not title.startswith(payload):
        return f"{payload} {title}".strip()
    return title


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut after a sentence end (。！？!? or a
    line break) where possible, never inside a character. Nothing is lost but the
    whitespace at the cuts."""
    pieces, current = [], ""
    for part in _parts(text, limit):
        if current and _size(current + part) > limit:
            pieces.append(current.strip())
            current = ""
        current += part
    pieces.append(current.strip())
    return [piece for piece in pieces if piece]


def _parts(text: str, limit: int) -> Iterator[str]:
    """The sentences, each ending with its punctuation; a sentence over the limit
    is cut at character boundaries."""
    for sentence in _SENTENCE.findall(text):
        if len(sentence.encode("utf-8")) <= limit:
            yield sentence
            continue
        current, size = [], 0
        for char in sentence:
            width = len(char.encode("utf-8"))
            if size + width > limit:
                yield "".join(current)
                current, size = [], 0
            current.append(char)
            size += width
        yield "".join(current)


def _size(text: str) -> int:
    return len(text.strip().encode("utf-8"))

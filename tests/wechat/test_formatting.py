"""Kaifong's replies as WeChat text: numbered options, and splitting at 2,048 bytes."""
from __future__ import annotations

import pytest

from channels.wechat.formatting import TEXT_LIMIT_BYTES, render_messages, split_text

OPTIONS = [{"title": "1 要带什么材料", "payload": "1"}, {"title": "2 去哪里办", "payload": "2"},
           {"title": "3 手机上怎么办", "payload": "3"}]


def test_options_become_numbered_lines():
    text = render_messages([{"text": "领养老金的人每年认证一次。"},
                            {"text": "你想知道哪样？", "buttons": OPTIONS}],
                           "回复数字：", footer=["0 找工作人员"])
    assert text == ("领养老金的人每年认证一次。\n\n你想知道哪样？\n回复数字：\n"
                    "1 要带什么材料\n2 去哪里办\n3 手机上怎么办\n0 找工作人员")


def test_prompt_in_the_persons_script():
    text = render_messages([{"text": "你想知邊樣？", "buttons": [{"title": "1 要帶咩嘢", "payload": "1"}]}],
                           "回覆數字：")
    assert text == "你想知邊樣？\n回覆數字：\n1 要帶咩嘢"


def test_a_title_without_its_number_gets_it():
    text = render_messages([{"text": "您是想问：", "buttons": [
        {"title": "养老金资格认证", "payload": "1"}, {"title": "2 养老金发放", "payload": "2"}]}], "回复数字：")
    assert text.splitlines()[-2:] == ["1 养老金资格认证", "2 养老金发放"]


def test_footer_without_options_gets_the_prompt():
    assert render_messages([{"text": "好的。"}], "回复数字：", ["0 找工作人员"]) == \
        "好的。\n回复数字：\n0 找工作人员"


def test_plain_messages_and_empty_ones():
    assert render_messages([{"text": "一。"}, {"text": ""}, {"text": "二。"}], "回复数字：") == "一。\n\n二。"
    assert render_messages([], "回复数字：") == ""


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def test_short_text_is_one_piece():
    assert split_text("养老金每年认证一次。") == ["养老金每年认证一次。"]
    assert split_text("") == [] and split_text("\n\n") == []


def test_long_text_splits_at_sentence_ends():
    sentences = [f"第{i}句话要讲清楚养老金认证的事情！" for i in range(200)]
    text = "".join(sentences)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(_bytes(p) <= TEXT_LIMIT_BYTES for p in pieces)
    assert all(p.endswith("！") for p in pieces)              # cut after a sentence end
    assert "".join(pieces) == text


def test_every_sentence_end_counts():
    text = "".join(f"问{i}？答{i}。好{i}!真{i}?\n" for i in range(400))
    pieces = split_text(text, limit=100)
    assert all(_bytes(p) <= 100 for p in pieces)
    assert all(p[-1] in "。！？!?" for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_sentence_longer_than_the_limit_is_cut_between_characters():
    text = "长" * 1000 + "。" + "短句。"          # 3,000 bytes without a sentence end
    pieces = split_text(text)
    assert all(_bytes(p) <= TEXT_LIMIT_BYTES for p in pieces)
    assert "".join(pieces) == text                   # nothing lost, no broken character
    for piece in pieces:
        piece.encode("utf-8").decode("utf-8")


@pytest.mark.parametrize("char", ["a", "é", "长", "😀"])
def test_exact_limit_with_characters_of_every_width(char):
    text = char * 3000
    pieces = split_text(text)
    assert "".join(pieces) == text
    assert all(TEXT_LIMIT_BYTES - 4 < _bytes(p) <= TEXT_LIMIT_BYTES for p in pieces[:-1])


def test_a_formatted_reply_splits_and_keeps_the_options_readable():
    long_text = "这是很长的说明。" * 120                 # 2,880 bytes
    text = render_messages([{"text": long_text}, {"text": "你想知道哪样？", "buttons": OPTIONS}],
                           "回复数字：", ["0 找工作人员"])
    pieces = split_text(text)
    assert len(pieces) == 2 and all(_bytes(p) <= TEXT_LIMIT_BYTES for p in pieces)
    assert pieces[-1].endswith("3 手机上怎么办\n0 找工作人员")

"""Controls that must never be left to the NLU's guess."""
import pytest

from bot.controls import control_intent, match_option, parse_age, parse_rating


@pytest.mark.parametrize("text, expected", [
    ("救命呀", ("emergency", None)),
    ("我阿媽跌親起唔到身", ("emergency", None)),
    ("我爸爸突然晕倒了", ("emergency", None)),
    ("佢心口好痛唞唔到氣", ("emergency", None)),
    ("0", ("human", None)),
    ("返回", ("back", None)),
    ("上一步", ("back", None)),
    ("返上一步啦", ("back", None)),
    ("2", ("choose", 2)),
    ("第三個", ("choose", 3)),
    ("社保卡丢了怎么办", None),
    ("我上班时摔倒了，能申请工伤吗", None),     # a question about a service, not a call for help
    ("返回社保卡那里", None),
])
def test_control_intent(text, expected):
    assert control_intent(text) == expected


WHO = ["self", "family", "human"]


@pytest.mark.parametrize("text, keys, key", [
    ("帮我阿妈办", WHO, "family"),
    ("我自己", WHO, "self"),
    ("係我老豆", WHO, "family"),
    ("满咗", ["yes", "no"], "yes"),
    ("未够", ["yes", "no"], "no"),
    ("冇", ["yes", "no"], "no"),
    ("没有了，办完了", ["where", "online", "human", "done"], "done"),
    ("手机点搞", ["where", "online", "human", "done"], "online"),
    ("好满意", [f"rate:{n}" for n in range(1, 6)], "rate:5"),
    ("麻麻哋", [f"rate:{n}" for n in range(1, 6)], "rate:3"),
    ("唔滿意", [f"rate:{n}" for n in range(1, 6)], "rate:2"),
    ("社保卡", WHO, None),
])
def test_match_option(text, keys, key):
    assert match_option(text, keys) == key


@pytest.mark.parametrize("text, score", [
    ("非常满意", 5), ("满意", 4), ("基本满意", 3), ("不满意", 2), ("非常不满意", 1),
    ("好滿意", 5), ("麻麻地", 3), ("唔满意", 2), ("五星", 5), ("一般般", 3), ("今日天气好", None),
])
def test_parse_rating(text, score):
    assert parse_rating(text) == score


@pytest.mark.parametrize("text, age", [
    ("78", 78), ("七十八岁", 78), ("我今年82岁", 82), ("佢八十五", 85), ("六十", 60),
    ("第二个", None), ("社保卡", None), ("200", None),
])
def test_parse_age(text, age):
    assert parse_age(text) == age

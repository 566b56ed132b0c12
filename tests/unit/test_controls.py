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


# --- emergencies are precise (issue 15): every real one still fires -------------------------

REAL_EMERGENCIES = [
    "救命", "救命呀！", "快啲叫白車", "有人晕倒了快叫救护车", "打120",
    "我阿媽跌親起唔到身", "我奶奶摔倒了起不来", "阿婆跌咗落樓梯", "我爸爸突然晕倒了",
    "我老婆暈低咗冇反應", "我妈不省人事了", "佢心口好痛唞唔到氣", "我老公胸口好痛",
    "我喘不过气", "我阿爺呼吸困難", "我阿爸中風呀", "佢流好多血", "我老公心脏病发",
    "佢抽筋抽到冇晒反應", "我同事喺公司晕低咗", "我在工地摔倒了，好痛，救命",
    "我爸昨天摔倒了现在还起不来", "佢琴日跌親，而家郁唔到", "我上个月摔倒过，现在又摔倒了",
    "我阿媽啱啱跌倒咗", "外婆晕倒了", "爺爺跌倒咗",
]
NOT_EMERGENCIES = [
    "我上班时摔倒了，能申请工伤吗", "我上個月喺地盤跌親，公司要唔要賠錢",
    "去年工作时摔倒骨折了，工伤认定要什么材料", "我舊年返工跌倒，工傷賠償點計",
    "上次晕倒住院的医药费能报销吗", "我阿媽上年中風，想申請殘疾證",
    "我爸中风后能申请护理补贴吗", "以前心脏病发住过院，医保报销比例是多少",
    "跌倒受伤的医疗费可以报销吗", "我老公上個禮拜跌親，要病假證明",
    "胸口痛去医院挂号挂哪个科", "晕倒住院嘅住院費點樣報", "佢前年中風，而家想申請居家養老",
    "摔倒在工地算不算工伤", "我幾年前跌倒過，想問下長者卡點辦", "去年我爸在家摔倒了",
]


@pytest.mark.parametrize("text", REAL_EMERGENCIES)
def test_every_real_emergency_fires(text):
    assert control_intent(text) == ("emergency", None)


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_a_past_event_in_a_claim_is_not_an_emergency(text):
    assert control_intent(text) is None

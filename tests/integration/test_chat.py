"""Conversations through POST /api/chat on the real stack."""
from bot.catalog import load_catalog
from bot.language import to_script
from tests.integration.helpers import Conversation, assert_simplified, assert_traditional

CATALOG = load_catalog()


def hk(text: str) -> str:
    return to_script(text, "yue", "hant")


def test_cantonese_traditional_service_conversation(base_url):
    pension = CATALOG["pension_certification"]
    chat = Conversation(base_url)
    body = chat.say("養老金點樣認證")
    assert (body["language"], body["script"], body["handoff"]) == ("yue", "hant", None)
    assert body["messages"][0]["text"] == hk(pension.text("summary", "yue"))
    assert chat.buttons == ["1 要帶咩嘢", "2 去邊度辦", "3 手機點樣辦", "4 揾工作人員"]
    assert_traditional(chat.all_text())

    chat.say("2")                                   # by number
    assert hk(pension.text("hours", "yue")) in chat.text
    chat.say("第一個")                               # by words
    for item in pension.text("materials", "yue"):
        assert hk(item) in chat.text
    materials = chat.last["messages"]
    chat.say("再講一次")
    assert chat.last["messages"] == materials
    chat.say("揀三")
    assert hk(pension.text("online", "yue")) in chat.text
    chat.say("多謝晒")
    assert "唔使客氣" in chat.text
    assert_traditional(chat.all_text())


def test_mandarin_simplified_conversation(base_url):
    card = CATALOG["social_security_card"]
    chat = Conversation(base_url)
    body = chat.say("请问社保卡丢了怎么补办")
    assert (body["language"], body["script"]) == ("cmn", "hans")
    assert chat.buttons == ["1 要带什么材料", "2 去哪里办", "3 手机上怎么办", "4 找工作人员"]
    chat.say("要带什么材料")
    for item in card.text("materials", "cmn"):
        assert item in chat.text
    chat.say("第三个")
    assert card.text("online", "cmn") in chat.text
    assert_simplified(chat.all_text())


def test_asking_about_another_service_mid_conversation(base_url):
    chat = Conversation(base_url)
    chat.say("养老金点样认证")
    chat.say("2")
    chat.say("咁长者卡呢？点样办")
    senior = CATALOG["senior_card"]
    chat.say("1")
    for item in senior.text("materials", "yue"):
        assert item in chat.text


def test_out_of_range_number_shows_the_options_again(base_url):
    chat = Conversation(base_url)
    chat.say("医保报销要怎么办")
    chat.say("9")
    assert "没有这个选项" in chat.text and len(chat.buttons) == 4


def test_greeting_help_thanks_goodbye_in_both_languages(base_url):
    yue = Conversation(base_url)
    assert "你想辦咩事" in yue.say("你好呀，我係陳伯")["messages"][0]["text"]
    assert "你可以講" in yue.say("你識做啲咩")["messages"][0]["text"]
    assert "拜拜" in yue.say("拜拜")["messages"][0]["text"]
    cmn = Conversation(base_url)
    assert "您想办什么事" in cmn.say("您好")["messages"][0]["text"]
    assert "您可以说" in cmn.say("你能帮我做什么")["messages"][0]["text"]
    assert "再见" in cmn.say("再见")["messages"][0]["text"]


def test_out_of_scope_is_polite_in_the_users_language(base_url):
    chat = Conversation(base_url)
    chat.say("今日天氣點呀")
    assert "唔好意思" in chat.text and "長者卡" in chat.text
    chat = Conversation(base_url)
    chat.say("国家统计局今日发布数据，上半年国内生产总值同比增长5.3%。")
    assert "帮不上忙" in chat.text


def test_explicit_cantonese_choice_sticks(base_url):
    chat = Conversation(base_url)
    chat.say("讲广东话")
    assert chat.last["language"] == "yue"
    # Written standard Chinese, but they asked for Cantonese: Cantonese it stays.
    body = chat.say("请问长者卡怎么办理")
    assert body["language"] == "yue" and "你想知边样" in chat.text
    chat.say("说普通话")
    body = chat.say("请问长者卡怎么办理")
    assert body["language"] == "cmn" and "您想知道哪一项" in chat.text


def test_explicit_traditional_choice_sticks(base_url):
    chat = Conversation(base_url)
    chat.say("用繁體字")
    body = chat.say("社保卡丢了怎么办")
    assert body["script"] == "hant"
    assert_traditional(chat.all_text())


def test_human_request_is_acknowledged_in_cantonese(base_url):
    chat = Conversation(base_url)
    chat.say("我想搵個真人同我講")
    assert "工作人員" in chat.text and "熱線" in chat.text


def test_emergency_says_call_120_first(base_url):
    chat = Conversation(base_url)
    chat.say("我阿媽暈咗喺度")
    assert chat.last["messages"][0]["text"].startswith("請即刻打120")

"""The language layer: script, language, normalisation, switches, numbered choices."""
import pytest

from bot.language import (CMN, HANS, HANT, YUE, LanguageState, detect_language, detect_script,
                          normalize, parse_choice, parse_switch, to_script)


@pytest.mark.parametrize("text, script", [
    ("养老金怎么认证", HANS),
    ("養老金點樣認證", HANT),
    ("我阿媽想辦長者卡", HANT),
    ("社保卡唔见咗点算", HANS),            # Cantonese typed in Simplified is still Simplified
    ("請問醫保報銷要帶什麼材料？", HANT),     # Traditional Mandarin
    ("醫保 医保", HANT),                    # one each: a Simplified keyboard types no 醫
    ("你好", None),
    ("2", None),
    ("👍", None),
])
def test_detect_script(text, script):
    assert detect_script(text) == script


@pytest.mark.parametrize("text, language", [
    ("養老金點樣認證", YUE),
    ("养老金点样认证", YUE),                     # Cantonese in Simplified is Cantonese
    ("請問養老金資格認證要帶什麼證件？", CMN),     # Traditional Mandarin is not Cantonese
    ("请问养老金资格认证要带什么证件？", CMN),
    ("身份證過期咗，要去邊度換？", YUE),
    ("我想搵個真人同我講", YUE),
    ("呢個點搞呀", YUE),
    ("我屋企老人家想申请高龄津贴", YUE),
    ("医保报销要什么材料呢", CMN),
    ("社保卡丢了怎么办", CMN),
    ("我係想問下長者卡", YUE),
    ("排队排了两个钟头", CMN),                   # Mandarin 钟头 (hours), not Cantonese 个钟
    ("排咗两个钟", YUE),
    ("社保卡", None),
    ("2", None),
])
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_relationship_words_are_not_cantonese_markers():
    # 關係 contains 係, 地點 contains 點: neither makes a sentence Cantonese.
    assert detect_language("这和户口的关系是什么") == CMN
    assert detect_language("請問辦理地點在哪裡") == CMN


@pytest.mark.parametrize("raw, normalized", [
    ("養老金 資格 認證", "养老金资格认证"),          # recogniser output: spaces between words
    ("  社保卡，丟咗！！ ", "社保卡,丢咗!!"),        # full-width punctuation, outer spaces
    ("医保😀报销🙏", "医保报销"),                     # emoji removed
    ("ＡＰＰ登錄唔到", "app登录唔到"),                  # full-width Latin, lower case
    ("12333 熱線", "12333 热线"),                    # a space next to digits stays
])
def test_normalize(raw, normalized):
    assert normalize(raw) == normalized


@pytest.mark.parametrize("text, choice", [
    ("2", 2), ("２", 2), ("第二个", 2), ("第二個", 2), ("揀二", 2), ("拣3", 3), ("三", 3),
    ("我要第一个", 1), ("4号", 4), ("选四", 4), ("第1項", 1), (" 3。", 3),
    ("二零二四年", None), ("12345", None), ("社保卡", None), ("第二个问题是什么", None),
])
def test_parse_choice(text, choice):
    assert parse_choice(text) == choice


@pytest.mark.parametrize("text, language, script", [
    ("講廣東話", YUE, None), ("讲广东话", YUE, None), ("说普通话", CMN, None),
    ("用繁體字", None, HANT), ("用简体字", None, HANS), ("可唔可以講廣東話", YUE, None),
])
def test_parse_switch(text, language, script):
    switch = parse_switch(text)
    assert switch is not None
    assert (switch.language, switch.script) == (language, script)


def test_long_sentence_mentioning_mandarin_is_not_a_switch():
    assert parse_switch("我阿妈只会讲广东话唔识讲普通话点算好呀") is None
    assert parse_switch("社保卡点样补办") is None


def test_reply_conversion_follows_language_and_script():
    text = "办社保卡要带身份证，里面有钱。"
    assert to_script(text, YUE, HANS) == text
    assert to_script(text, CMN, HANS) == text
    assert to_script(text, YUE, HANT) == "辦社保卡要帶身份證，裏面有錢。"      # Hong Kong forms
    assert to_script(text, CMN, HANT, "s2tw") == "辦社保卡要帶身份證，裡面有錢。"  # Taiwan forms


def test_state_follows_the_user_until_they_choose():
    state = LanguageState()
    state = state.observe("養老金點樣認證")
    assert (state.language, state.script) == (YUE, HANT)
    # A turn with no evidence keeps both.
    state = state.observe("2")
    assert (state.language, state.script) == (YUE, HANT)
    # Written standard Chinese switches an unlocked state.
    state = state.observe("请问社保卡怎么补办")
    assert (state.language, state.script) == (CMN, HANS)


def test_explicit_choice_sticks_until_changed():
    state = LanguageState().observe("講廣東話")
    assert state.language == YUE and state.language_locked
    assert state.script == HANT  # asked in Traditional: replies in Traditional
    # Many Cantonese speakers type standard written Chinese: still Cantonese.
    state = state.observe("请问社保卡怎么补办")
    assert state.language == YUE
    state = state.observe("说普通话")
    assert state.language == CMN
    state = state.observe("社保卡点样补办")
    assert state.language == CMN


def test_script_choice_sticks():
    state = LanguageState().observe("用繁體字")
    assert state.script == HANT and state.script_locked
    state = state.observe("社保卡丢了怎么办")
    assert state.script == HANT
    assert state.language == CMN


def test_formal_news_is_mandarin():
    assert detect_language("国家统计局今日发布数据，上半年国内生产总值同比增长5.3%。") == CMN
    assert detect_language("國務院今日召開常務會議，部署穩就業措施") == CMN


def test_markers_that_opencc_changes_still_count():
    # t2s turns 喎 into 㖞 and 嗰 into 𠮶: both must still mark Cantonese.
    assert detect_language("今日天氣幾好喎") == YUE
    assert detect_language("嗰度") == YUE


def test_cantonese_copula_becomes_traditional():
    assert to_script("你系帮自己办，定系帮屋企人办？", YUE, HANT) == "你係幫自己辦，定係幫屋企人辦？"
    assert to_script("系统同关系", YUE, HANT) == "系統同關係"


def test_an_utterance_is_read_once_into_every_form_the_rules_need():
    from bot.language import read
    said = read("我想問下 一 三 八 一 二 三 四 五 六 七 八，得唔得？")
    assert said.normalized == "我想问下一三八一二三四五六七八,得唔得?"   # what the NLU reads
    assert said.plain == "我想问下一三八一二三四五六七八得唔得"
    assert "13812345678" in said.digits
    assert (said.language, said.script) == ("yue", "hant")
    assert read("2").language is None and read("2").script is None


def test_the_rules_read_an_utterance_once(monkeypatch):
    """A turn's text is normalised once, however many rules look at it."""
    import bot.language as language
    from bot.controls import control_intent, match_option, parse_age, parse_rating
    from channels.gateway.handoff.words import about_a_phone, is_cancel, wants_callback
    said = language.read("唔等喇！")
    calls = []
    real = language.normalize
    monkeypatch.setattr(language, "normalize", lambda t: calls.append(t) or real(t))
    for rule in (control_intent, parse_rating, parse_age, is_cancel, wants_callback, about_a_phone,
                 language.parse_switch, language.parse_choice):
        rule(said)
    match_option(said, ["yes", "no"])
    language.LanguageState().observe(said)
    assert calls == []
    assert is_cancel(said)


# --- issue 15: Cantonese heard as Mandarin, and scripts from whole-text conversions ---------

@pytest.mark.parametrize("text", [
    "早晨", "早晨呀", "係", "係呀", "再講多次", "唔該再講一次", "講慢啲", "講慢少少",
    "我想同職員講", "我想同工作人員傾下",                 # short replies, in Traditional
    "噉就算數囖", "佢話唔使帶喎", "要帶身份證咩", "咁就得啫",   # only a sentence-final particle
    "即係要排隊先", "第二度可唔可以辦", "得哩種先可以",          # colloquial words
    "買張長者八達通", "張卡唔見咗點算", "條街好熱鬧",            # measure words without 一
    "我㓤親隻腳", "你見到你個新老細未呀？", "醫保報銷點攞返啲錢",
])
def test_short_and_colloquial_cantonese(text):
    assert detect_language(text) == YUE


@pytest.mark.parametrize("text", [
    "再说一遍", "請再說一遍", "說慢一點好嗎", "我要找工作人員", "謝謝你", "那就這樣吧",
    "要帶身份證嗎", "裡面要填什麼", "工具列邊緣的斜邊樣式", "從右到左，從上到下",
    "文档在属性值中意外结束", "执行多次合并", "警告：程式可能會傾印出核心檔",
    "我想办张社保卡怎么办",
])
def test_mandarin_stays_mandarin(text):
    assert detect_language(text) in (CMN, None)
    assert (detect_language(text) or CMN) == CMN


@pytest.mark.parametrize("text, script", [
    ("唔該晒", HANT),              # 晒 has a Simplified conversion, yet HK writes it
    ("唔該晒，我明白晒", HANT),
    ("我想揾個人", HANT),           # 揾: the Hong Kong standard form
    ("户口簿要帶埋", HANT),          # 户: the Hong Kong standard form
    ("穿着長袖", HANT),             # 着: Hong Kong writes it; Taiwan writes 著
    ("裡面要填什麼", HANT),          # 裡: the Taiwan standard form
    ("卡路里好高", None),            # 里 is Traditional too (公里): it tells nothing
    ("户口", None), ("游水", None),   # read the same in both scripts: keep the conversation's
    ("晒太阳", HANS), ("我想揾工作咋办", HANS),
])
def test_script_from_whole_text_conversions(text, script):
    assert detect_script(text) == script


def test_a_reply_that_does_not_tell_keeps_the_conversations_language():
    state = LanguageState().observe("養老金點樣認證")
    for reply in ("好", "2", "社保卡", "嗯。"):
        state = state.observe(reply)
        assert (state.language, state.script) == (YUE, HANT)

"""How text is read aloud: numbers as a clerk says them, polyphones, sentences."""
import pytest

from voice.reading import number_words, prepare, spell_numbers, split_sentences, to_pinyin


@pytest.mark.parametrize("text, spoken", [
    ("请拨打热线12345", "请拨打热线幺二三四五"),          # a hotline: digit by digit, 1 as 幺
    ("服务电话：12345", "服务电话:幺二三四五"),           # NFKC: full-width colon
    ("电话 2345 6789", "电话 二三四五，六七八九"),          # grouped phone number, a pause between
    ("手机13800138000", "手机幺三八零零幺三八零零零"),
    ("区号0755", "区号零七五五"),                           # a leading zero is a code
    ("年满18岁", "年满十八岁"),                            # a quantity: as a number
    ("60岁以上", "六十岁以上"),
    ("带2张照片", "带两张照片"),                           # 两 before a measure word
    ("第2步", "第二步"),
    ("10000人", "一万人"),
    ("1005元", "一千零五元"),
    ("10086", "幺零零八六"),                                # five digits, no unit: a number to dial
    ("2024年3月5日", "二零二四年三月五日"),                 # dates like a clerk
    ("2024-03-05前", "二零二四年三月五日前"),
    ("2024年3月5日9:30", "二零二四年三月五日九点三十分"),
    ("3月15号", "三月十五号"),
    ("2024年度", "二零二四年度"),
    ("1000年", "一千年"),
    ("上午9:30开门", "上午九点三十分开门"),                  # times
    ("14:00", "十四点整"),
    ("2:05", "两点零五分"),
    ("¥12.50", "十二元五角"),                               # money
    ("12.05元", "十二元零五分"),
    ("HK$200", "二百港元"),
    ("补贴12,000元", "补贴一万二千元"),
    ("报销50%", "报销百分之五十"),
    ("10-20人", "十至二十人"),
    ("3.5公里", "三点五公里"),
])
def test_numbers_are_written_out_as_a_clerk_says_them(text, spoken):
    assert spell_numbers(text) == spoken


def test_cantonese_money_uses_hong_kong_units():
    assert spell_numbers("$12.50", "yue") == "十二元五毫"


def test_number_words():
    assert [number_words(n) for n in (0, 10, 15, 110, 1005, 1050, 20000, 10086, 100001000)] == [
        "零", "十", "十五", "一百一十", "一千零五", "一千零五十", "两万", "一万零八十六", "一亿零一千"]


@pytest.mark.parametrize("text, pinyin", [
    ("银行", "yin2 hang2"),
    ("重新", "chong2 xin1"),
    ("长者", "zhang3 zhe3"),
    ("还款", "huan2 kuan3"),      # pypinyin alone says hai2 kuan3
    ("行动", "xing2 dong4"),
    ("请到银行重新办理还款手续", "qing3 dao4 yin2 hang2 chong2 xin1 ban4 li3 huan2 kuan3 shou3 xu4"),
    ("长者在行动不便时", "zhang3 zhe3 zai4 xing2 dong4 bu4 bian4 shi2"),  # not 在行 zai4 hang2
])
def test_polyphones_in_service_text(text, pinyin):
    assert to_pinyin(text, sandhi=False) == pinyin


def test_spoken_pinyin_applies_tone_sandhi_but_keeps_the_reading():
    assert to_pinyin("长者", sandhi=True) == "zhang2 zhe3"  # still zhang, not chang
    assert to_pinyin("你好") == "ni2 hao3"


def test_latin_letters_are_spelled_for_the_pinyin_voice():
    # left alone, cmn-latn-pinyin would read "ID" as a pinyin syllable
    assert to_pinyin("ID卡") == "ai4 di4 ka3"


def test_punctuation_becomes_pauses_and_symbols_are_dropped():
    assert to_pinyin("你好，请问。") == "ni2 hao3, qing3 wen4."
    assert to_pinyin("★☆你好🙂") == "ni2 hao3"


def test_sentences_split_for_streaming_and_long_ones_at_commas():
    text = "第一句。第二句！第三句？" + "很长的一句，" * 20 + "完。"
    parts = split_sentences(text, max_chars=30)
    assert parts[:3] == ["第一句。", "第二句！", "第三句？"]
    assert all(len(p) <= 30 for p in parts) and "".join(parts) == text.replace(" ", "")


def test_prepare_gives_each_voice_what_it_reads():
    assert prepare("热线12345。18岁以上。", "cmn") == [
        "re4 xian4 yao1 er4 san1 si4 wu3.", "shi2 ba1 sui4 yi3 shang4."]
    # the yue voice reads characters in either script itself
    assert prepare("熱線12345。", "yue") == ["熱線一二三四五。"]
    assert prepare("。。。！", "cmn") == []


# --- what a caller hears most on the hotline ---------------------------------------------

@pytest.mark.parametrize("text, spoken", [
    ("热线12345", "热线幺二三四五"),                          # 「yī」 down the line sounds like 七
    ("电话 2811 1234", "电话 二八幺幺，幺二三四"),             # grouped: each group the same
    ("身份证后四位1234", "身份证后四位幺二三四"),
    ("号码尾数是5618", "号码尾数是五六幺八"),                   # the callback number's last digits
    ("工号110", "工号幺幺零"),
    ("年满18岁", "年满十八岁"),                              # quantities keep 一/十
    ("11个人", "十一个人"),
    ("1号窗口", "一号窗口"),
    ("2021年1月1日", "二零二一年一月一日"),                     # dates: 一, not 幺
    ("1.5公里", "一点五公里"),
])
def test_mandarin_says_one_as_yao_only_when_reading_digit_by_digit(text, spoken):
    assert spell_numbers(text, "cmn") == spoken


def test_cantonese_keeps_yat_in_phone_numbers():
    # 幺 (jiu1) is not how Hong Kong or Guangzhou read a phone number
    assert spell_numbers("热线12345", "yue") == "热线一二三四五"
    assert spell_numbers("电话 2811 1234", "yue") == "电话 二八一一，一二三四"


def test_the_hotline_number_as_the_voice_gets_it():
    assert prepare("请拨打12345。", "cmn") == ["qing3 bo1 da3 yao1 er4 san1 si4 wu3."]


@pytest.mark.parametrize("text, pinyin", [
    ("还你钱", "huan2 ni3 qian2"),                # give back, not 「still」
    ("我下个月还你钱", "wo3 xia4 ge4 yue4 huan2 ni3 qian2"),
    ("还我身份证", "huan2 wo3 shen1 fen4 zheng4"),
    ("借了要还", "jie4 le5 yao4 huan2"),
    ("还有别的事吗", "hai2 you3 bie2 de5 shi4 ma5"),   # still hái where it means still
    ("你还好吗", "ni3 hai2 hao3 ma5"),
])
def test_huan_where_it_means_give_back(text, pinyin):
    assert to_pinyin(text, sandhi=False) == pinyin


@pytest.mark.parametrize("text, pinyin", [
    ("再说一遍", "zai4 shuo1 yi2 bian4"),        # 一 before a fourth tone: yí
    ("一样", "yi2 yang4"),
    ("一次", "yi2 ci4"),
    ("一天", "yi4 tian1"),                      # before the other tones: yì
    ("一年", "yi4 nian2"),
    ("一起", "yi4 qi3"),
    ("第一", "di4 yi1"),                        # a number keeps yī
    ("十一", "shi2 yi1"),
    ("一楼", "yi1 lou2"),
    ("三月一日", "san1 yue4 yi1 ri4"),
    ("统一", "tong3 yi1"),
    ("看一看", "kan4 yi5 kan4"),
])
def test_tone_of_yi(text, pinyin):
    assert to_pinyin(text) == pinyin

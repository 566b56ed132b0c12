from bot.privacy import mask


def test_id_card_phone_and_bank_card_are_masked():
    text = "我身份证44010619500101123X，电话13812345678，卡号6222021234567890123"
    masked = mask(text)
    assert "44010619500101123X" not in masked and "440106********123X" in masked
    assert "13812345678" not in masked and "138****5678" in masked
    assert "6222021234567890123" not in masked and masked.count("*") >= 8 + 4 + 11


def test_spaced_numbers_are_masked_too():
    assert "13812345678" not in mask("138 1234 5678").replace(" ", "")


def test_ordinary_numbers_stay():
    assert mask("热线12345，60岁，2024年") == "热线12345，60岁，2024年"

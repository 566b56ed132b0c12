"""Every sentence of the assistant exists in Mandarin and Cantonese."""
from bot.language import CMN, YUE, detect_language
from bot.texts import load_texts, say


def test_every_text_has_both_languages_and_fills_its_fields():
    for key in load_texts():
        for language in (CMN, YUE):
            assert say(key, language, hotline="12345", name="社保卡", where="x", hours="x",
                       who="x", time="x", fees="x", a="x", b="x", label="x", digit="1",
                       username="chan", length=10, minutes=5, staff="chan")


def test_cantonese_texts_read_as_cantonese():
    # Whole-sentence texts (not the short button labels) must sound Cantonese.
    for key in ("greet", "help", "fallback", "out_of_scope", "restart", "emergency", "handoff"):
        assert detect_language(say(key, YUE, hotline="12345")) == YUE, key
        assert detect_language(say(key, CMN, hotline="12345")) != YUE, key

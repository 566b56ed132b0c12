"""POST /api/understand on the real stack: service, act, language and script."""
import pytest

from tests.integration.helpers import post

CASES = [
    # text, language, script, act, service
    ("養老金點樣認證", "yue", "hant", "ask", "pension_certification"),
    ("请问社保卡丢了怎么补办", "cmn", "hans", "ask", "social_security_card"),
    ("我阿媽想辦長者卡", "yue", "hant", "ask", "senior_card"),
    ("請問異地就醫備案要怎麼辦理", "cmn", "hant", "ask", "offsite_medical_filing"),
    ("医保 报销 要 什么 材料", "cmn", "hans", "ask", "medical_reimbursement"),
    ("公积金点样攞出嚟", "yue", "hans", "ask", "housing_fund"),
    ("我个仔今年读小学点样报名", "yue", "hans", "ask", "school_enrollment"),
    ("我想搵個真人同我講", "yue", "hant", "human", None),
    ("第二个", "cmn", "hans", "choose", None),
    ("國務院常務會議研究部署養老服務體系建設", "cmn", "hant", "out_of_scope", None),
    ("今日天氣幾好喎", "yue", "hant", "out_of_scope", None),
    ("救命呀我阿爸跌親起唔到身", "yue", "hant", "emergency", None),
]


@pytest.mark.parametrize("text, language, script, act, service", CASES)
def test_understand(base_url, text, language, script, act, service):
    status, body = post(base_url + "/api/understand", {"text": text})
    assert status == 200
    assert set(body) == {"text", "normalized", "language", "script", "act", "service", "confidence"}
    assert body["text"] == text
    assert (body["act"], body["service"]) == (act, service)
    assert (body["language"], body["script"]) == (language, script)
    assert 0.0 <= body["confidence"] <= 1.0


def test_normalized_is_simplified_without_recogniser_spaces(base_url):
    _, body = post(base_url + "/api/understand", {"text": "養老金 資格 認證"})
    assert body["normalized"] == "养老金资格认证"
    assert body["service"] == "pension_certification"

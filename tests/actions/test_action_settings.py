"""The action server reads the gateway's settings (bot/settings.py): the same
defaults, KAIFONG_SETTINGS file and KAIFONG_* variables."""
import shutil

import pytest

from actions.guidance import ActionFallback
from actions.handoff import ActionHandoff
from actions.services import ActionExplainService
from bot.catalog import CATALOG_DIR, catalog
from bot.settings import SettingsError, load_settings
from tests.actions.conftest import make_tracker


def texts(dispatcher):
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def buttons(dispatcher):
    return [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]


def test_handoff_without_a_service_gives_the_default_hotline(dispatcher):
    ActionHandoff().run(dispatcher, make_tracker("找工作人员", "human", "cmn"), {})
    assert texts(dispatcher) == ["好的，我帮您找工作人员。您也可以直接打热线 12345。"]


def test_handoff_gives_the_hotline_setting(dispatcher, monkeypatch):
    monkeypatch.setenv("KAIFONG_HOTLINE", "12399")
    ActionHandoff().run(dispatcher, make_tracker("找工作人员", "human", "cmn"), {})
    assert texts(dispatcher) == ["好的，我帮您找工作人员。您也可以直接打热线 12399。"]


def test_handoff_about_a_service_gives_the_service_hotline(dispatcher, monkeypatch):
    monkeypatch.setenv("KAIFONG_HOTLINE", "12399")
    ActionHandoff().run(dispatcher, make_tracker("找工作人员", "human", "cmn",
                                                 {"service": "pension_certification"}), {})
    assert "12333" in texts(dispatcher)[0]


def test_not_understood_offers_the_default_services(dispatcher):
    ActionFallback().run(dispatcher, make_tracker("嗯嗯嗯", "nlu_fallback", "cmn"), {})
    assert buttons(dispatcher) == ["1 养老金资格认证", "2 医保报销", "3 长者卡", "4 找工作人员"]


def test_not_understood_offers_the_fallback_services_setting(dispatcher, monkeypatch):
    monkeypatch.setenv("KAIFONG_FALLBACK_SERVICES", "id_card, housing_fund")
    ActionFallback().run(dispatcher, make_tracker("嗯嗯嗯", "nlu_fallback", "yue"), {})
    names = [catalog()[s].text("name", "yue") for s in ("id_card", "housing_fund")]
    assert buttons(dispatcher) == [f"1 {names[0]}", f"2 {names[1]}", "3 搵工作人员"]


@pytest.mark.parametrize("value", [
    "", "senior_card,no_such_service",
    "pension_certification,medical_reimbursement,senior_card,id_card",  # a person is the fourth
])
def test_a_wrong_fallback_services_setting_is_refused(value):
    with pytest.raises(SettingsError, match="fallback_services"):
        load_settings(env={"KAIFONG_FALLBACK_SERVICES": value})


def test_answers_come_from_the_catalog_dir_setting(dispatcher, monkeypatch, tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = tmp_path / "pension_certification.yml"
    original = catalog()["pension_certification"].text("summary", "cmn")
    path.write_text(path.read_text(encoding="utf-8").replace(original, "本市的认证说明。"),
                    encoding="utf-8")
    monkeypatch.setenv("KAIFONG_CATALOG_DIR", str(tmp_path))
    ActionExplainService().run(dispatcher, make_tracker("养老金怎么认证",
                                                        "svc_pension_certification"), {})
    assert texts(dispatcher)[0] == "本市的认证说明。"


def test_the_default_language_setting_when_nothing_told_us(dispatcher, monkeypatch):
    monkeypatch.setenv("KAIFONG_DEFAULT_LANGUAGE", "yue")
    ActionHandoff().run(dispatcher, make_tracker("0", "human", language=""), {})
    assert texts(dispatcher)[0].startswith("好，我帮你搵工作人员。")

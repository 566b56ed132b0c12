"""Catalog validation: the real catalog loads; each kind of broken file stops start-up
with one line that names the file and the field."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.catalog import BILINGUAL_FIELDS, CATALOG_DIR, CatalogError, load_catalog
from bot.services import SERVICE_IDS
from tests.processes import dead_port


def test_real_catalog_has_every_service_in_both_languages():
    catalog = load_catalog()
    assert set(catalog) == set(SERVICE_IDS)
    for service in catalog.values():
        for field in BILINGUAL_FIELDS:
            assert service.text(field, "cmn") and service.text(field, "yue")
        assert service.hotline.isdigit()


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    for path in CATALOG_DIR.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def error_of(directory: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(directory)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_service_file(catalog_copy):
    (catalog_copy / "senior_card.yml").unlink()
    message = error_of(catalog_copy)
    assert "senior_card.yml" in message and "missing" in message


def test_missing_language(catalog_copy):
    path = catalog_copy / "pension_certification.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("summary:")
    yue = text.index("  yue:", start)
    end = text.index("\n", yue)
    path.write_text(text[:yue] + text[end + 1:], encoding="utf-8")
    message = error_of(catalog_copy)
    assert "pension_certification.yml" in message and "summary.yue" in message


def test_unknown_field(catalog_copy):
    path = catalog_copy / "pension_certification.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\nprice_list: 1\n", encoding="utf-8")
    message = error_of(catalog_copy)
    assert "price_list" in message and "unknown field" in message


def test_missing_field(catalog_copy):
    edit(catalog_copy / "pension_certification.yml", "hotline:", "hotlin:")
    message = error_of(catalog_copy)
    assert "pension_certification.yml" in message and "hotlin" in message


def test_yaml_error_names_the_line(catalog_copy):
    edit(catalog_copy / "id_card.yml", "summary:", "summary: [unclosed")
    message = error_of(catalog_copy)
    assert "id_card.yml" in message and "YAML error" in message and "line" in message


def test_wrong_id(catalog_copy):
    edit(catalog_copy / "housing_fund.yml", "id: housing_fund", "id: housing_funds")
    assert "id" in error_of(catalog_copy)


def test_unknown_service_file(catalog_copy):
    shutil.copy(catalog_copy / "housing_fund.yml", catalog_copy / "lottery.yml")
    edit(catalog_copy / "lottery.yml", "id: housing_fund", "id: lottery")
    message = error_of(catalog_copy)
    assert "lottery.yml" in message and "not a service id" in message


def test_too_many_materials(catalog_copy):
    edit(catalog_copy / "pension_certification.yml", "    - 社保卡\n",
         "    - 社保卡\n    - 一\n    - 二\n    - 三\n")
    assert "materials.cmn" in error_of(catalog_copy)


def test_empty_text(catalog_copy):
    path = catalog_copy / "pension_certification.yml"
    text = path.read_text(encoding="utf-8")
    i = text.index("fees:")
    j = text.index("cmn:", i)
    k = text.index("\n", j)
    path.write_text(text[:j] + 'cmn: ""' + text[k:], encoding="utf-8")
    assert "fees.cmn" in error_of(catalog_copy)


def test_not_utf8(catalog_copy):
    (catalog_copy / "complaint.yml").write_bytes("id: complaint\nname: 投诉".encode("gbk"))
    message = error_of(catalog_copy)
    assert "complaint.yml" in message and "UTF-8" in message


def test_gateway_refuses_to_start_on_a_broken_catalog(catalog_copy):
    (catalog_copy / "senior_card.yml").unlink()
    root = Path(__file__).resolve().parents[2]
    # a port we hold: a gateway that wrongly got as far as serving could not take it
    port = str(dead_port())
    proc = subprocess.run([sys.executable, "-m", "channels"], cwd=root, capture_output=True,
                          text=True, timeout=60,
                          env={"PYTHONPATH": str(root), "KAIFONG_CATALOG_DIR": str(catalog_copy),
                               "KAIFONG_PORT": port, "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "senior_card.yml" in lines[0]


def test_eligibility_rules_live_in_the_catalog():
    catalog = load_catalog()
    senior = catalog["senior_card"]
    assert senior.rules[0].min_age == 60 and senior.rules[0].stop_if_no
    assert catalog["elderly_allowance"].rules[0].min_age == 80
    assert catalog["school_enrollment"].rules[0].stop_if_no is False
    assert senior.optional("agent_materials", "yue")


def test_rule_with_a_missing_outcome(catalog_copy):
    edit(catalog_copy / "senior_card.yml", "    if_no:", "    if_nope:")
    message = error_of(catalog_copy)
    assert "eligibility[1]" in message and "if_nope" in message


def test_rule_with_a_wrong_age(catalog_copy):
    edit(catalog_copy / "senior_card.yml", "min_age: 60", "min_age: sixty")
    assert "min_age" in error_of(catalog_copy)

"""Teaching Kaifong from its failures: what a turn keeps (only unresolved turns keep their
text, masked), grouping, and the labelling round trip in the browser: an admin labels a
group, its wordings appear in the training file under the right intent with no personal
digits, a conflicting label is refused, and `rasa data validate` (what `make validate`
runs) still passes on the data with the new file."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.language import normalize
from channels.console import teach
from channels.console.grouping import group
from channels.gateway.db import database_path
from channels.tools.stack import ROOT
from tests.console.conftest import ConsolePage, base_url, wait_until
from tests.console.seed import seed
from tests.handoff.conftest import add_staff, chat

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def validate(data: Path) -> subprocess.CompletedProcess[str]:
    """`make validate`'s command, on a copy of the training data."""
    return subprocess.run(
        [str(RASA), "data", "validate", "--config", "config.yml", "--domain", "bot/domain",
         "--data", str(data), "--fail-on-warnings"], cwd=ROOT, capture_output=True, text=True,
        timeout=600, env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore",
                              TF_CPP_MIN_LOG_LEVEL="3"))


@pytest.fixture
def data_copy(tmp_path) -> Path:
    copy = tmp_path / "nlu_data"
    shutil.copytree(ROOT / "nlu_data", copy)
    return copy


@pytest.fixture
def settings(make_settings, data_copy):
    return make_settings(labelled_examples=str(data_copy / "nlu" / "labelled.yml"))


def examples(path: Path) -> dict[str, list[str]]:
    return teach.read_examples(path)


def test_the_empty_file_is_valid_and_in_the_repository():
    path = ROOT / "nlu_data" / "nlu" / "labelled.yml"
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"version": "3.1", "nlu": []}
    assert path.read_text(encoding="utf-8") == teach.render({})


def test_similar_wordings_group_and_different_questions_do_not():
    groups, skipped = group([("今天天气怎么样", 3, 1), ("今日天气点样呀", 2, 2),
                             ("今天天气怎么样？？", 1, 3), ("长者饭堂几点开门", 1, 1),
                             ("长者饭堂在哪里", 1, 1), ("讲个笑话", 1, 1), ("讲个笑话听下", 1, 2)])
    assert skipped == 0
    found = {g.text: (g.count, sorted(g.texts)) for g in groups}
    assert found["今天天气怎么样"] == (6, sorted(["今天天气怎么样", "今日天气点样呀", "今天天气怎么样？？"]))
    assert found["讲个笑话"][0] == 2
    assert "长者饭堂几点开门" in found and "长者饭堂在哪里" in found


async def test_only_unresolved_turns_keep_their_words_masked(client, settings):
    await chat(client, "u1", "长者卡怎么办")
    await chat(client, "u1", "乱码 我电话13812345678")
    db = database_path(settings)

    def rows():
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT act, service, unresolved, text, new_conversation"
                                " FROM turns ORDER BY id").fetchall()
        finally:
            conn.close()
    found = await wait_until(lambda: _async(rows), what="the turn records")
    assert found[0] == ("ask", "senior_card", None, None, 1)
    act, service, unresolved, text, new = found[1]
    assert (unresolved, new) == ("not_understood", 0)
    assert "13812345678" not in text and "138****5678" in text


async def _async(read):
    rows = read()
    return rows if len(rows) >= 2 else None


async def test_labelling_writes_training_examples_that_validate(client, settings, browser,
                                                                data_copy):
    labelled = data_copy / "nlu" / "labelled.yml"
    seed(database_path(settings))
    add_staff(settings, "boss", "admin")
    console = await ConsolePage.open(browser, base_url(client), "boss", "/console/figures?period=7d")
    page = console.page
    try:
        row = page.locator("#table-unresolved tbody tr", has_text="想问长者卡点攞")
        await row.locator("select").select_option("svc_senior_card")
        await row.get_by_role("button", name="标记").click()
        await expect(page.locator("#label-notice")).to_contain_text("新写入 1 句")
        await expect(row.locator(".labelled")).to_have_text("事项：长者卡")
        await expect(page.locator("#labelled-count")).to_have_text("1")
        written = examples(labelled)
        assert written == {"svc_senior_card": ["我电话系想问长者卡点攞"]}    # no digits, not masked ones
        assert not any(ch.isdigit() or ch == "*" for ch in labelled.read_text().split("nlu:")[1])

        # 讲个笑话 is already an out_of_scope example: not as a service, and not twice
        joke = page.locator("#table-unresolved tbody tr", has_text="讲个笑话")
        await joke.locator("select").select_option("svc_senior_card")
        await joke.get_by_role("button", name="标记").click()
        await expect(page.locator("#label-notice")).to_contain_text("已经是别的意思的例句")
        await joke.locator("select").select_option("out_of_scope")
        await joke.get_by_role("button", name="标记").click()
        await expect(page.locator("#label-notice")).to_contain_text("训练数据里已经有了")

        weather = page.locator("#table-unresolved tbody tr", has_text="今天天气怎么样")
        await weather.locator("select").select_option("out_of_scope")
        await weather.get_by_role("button", name="标记").click()
        # 今天天气怎么样 is an example already; its other wording is new
        await expect(page.locator("#label-notice")).to_contain_text("新写入 1 句，1 句训练数据里已经有了")
        written = examples(labelled)
        assert written["out_of_scope"] == ["今日天气点样呀"]
        assert written["svc_senior_card"] == ["我电话系想问长者卡点攞"]

        await page.reload()                      # the labels stay with their groups
        await expect(page.locator("#table-unresolved tbody tr", has_text="今天天气怎么样")
                     .locator(".labelled")).to_have_text("不属于服务范围")
        await console.screenshot("14-labelled")
        assert await console.axe() == []
        assert console.errors == [] and console.failed == []
        # a login that ended sends the page to the login, as everywhere in the console
        await page.context.clear_cookies()
        await weather.locator("select").select_option("out_of_scope")
        await weather.get_by_role("button", name="标记").click()
        await page.wait_for_url(base_url(client) + "/console/login")
    finally:
        await console.close()
    done = validate(data_copy)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    seen: dict[str, str] = {}          # the data's own contract (tests/unit/test_nlu_data.py)
    for path in sorted((data_copy / "nlu").glob("*.yml")):
        for intent, found in examples(path).items():
            for example in found:
                key = example.replace(" ", "")
                assert normalize(key) == key, example
                assert seen.setdefault(key, intent) == intent, example


async def test_labels_are_checked_on_the_server(client, settings, staff_login, data_copy):
    seed(database_path(settings))
    boss = await staff_login("boss", "admin")
    path = "/console/api/unresolved/label"
    status, body = await boss.post(path, {"texts": ["讲个笑话"], "intent": "svc_pizza"})
    assert status == 400 and "意图" in body["error"]
    assert (await boss.post(path, {"texts": ["讲个笑话"], "intent": "choose"}))[0] == 400
    assert (await boss.post(path, {"texts": [], "intent": "out_of_scope"}))[0] == 400
    assert (await boss.post(path, {"texts": "讲个笑话", "intent": "out_of_scope"}))[0] == 400
    status, body = await boss.post(path, {"texts": ["买彩票的号码是什么"], "intent": "out_of_scope"})
    assert status == 200 and body["unknown"] == 1 and body["added"] == []   # never said: not taken
    assert examples(data_copy / "nlu" / "labelled.yml") == {}


def test_the_console_counts_labels_not_yet_in_the_running_model(tmp_path):
    db = sqlite3.connect(tmp_path / "x.sqlite3")
    db.executescript(teach.SCHEMA)
    model = tmp_path / "kaifong-abc.tar.gz"
    model.write_bytes(b"model")
    trained = teach.model_trained_at(str(model))
    assert trained == model.stat().st_mtime
    teach.record_labels(db, [("a", "a", 1), ("b", "b", 0)], "out_of_scope", "boss", trained - 10)
    teach.record_labels(db, [("c", "c", 1)], "out_of_scope", "boss", trained + 10)
    assert teach.not_in_model(db, trained) == {"labelled": 2, "not_in_model": 1}
    assert teach.not_in_model(db, None) == {"labelled": 2, "not_in_model": None}
    assert teach.model_trained_at(None) is None and teach.model_trained_at("nowhere.tar.gz") is None
    db.close()


def test_a_text_labelled_again_is_not_counted_again_as_new(tmp_path):
    db = sqlite3.connect(tmp_path / "x.sqlite3")
    db.executescript(teach.SCHEMA)
    teacher = teach.Teacher(tmp_path / "nlu" / "labelled.yml")
    first = teacher._write(["长者卡要带什么"], "svc_senior_card")
    teach.record_labels(db, first["labels"], "svc_senior_card", "boss", 100.0)
    assert first["added"] == ["长者卡要带什么"]
    again = teacher._write(["长者卡要带什么", "长者卡 要带什么"], "svc_senior_card")
    assert again["added"] == [] and again["labels"][1][2] == 0    # the same example: not written
    teach.record_labels(db, again["labels"], "svc_senior_card", "lee", 200.0)
    # the model trained at 150 holds it: nothing is waiting for the next training
    assert teach.not_in_model(db, 150.0) == {"labelled": 1, "not_in_model": 0}
    moved = teacher._write(["长者卡要带什么"], "out_of_scope")         # another meaning: it moves
    teach.record_labels(db, moved["labels"], "out_of_scope", "boss", 300.0)
    assert teach.not_in_model(db, 150.0) == {"labelled": 1, "not_in_model": 1}
    db.close()

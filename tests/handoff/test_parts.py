"""The small parts: staff hours, phone numbers, queue words, the claim across two
connections (two gateway processes), the staff CLI, settings."""
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.settings import SettingsError, load_settings
from channels.gateway.app import create_app
from channels.console import accounts
from channels.console.staff import main as staff_cli
from channels.gateway.handoff import store
from channels.gateway.db import connect, in_transaction
from channels.gateway.handoff.hours import HoursError, LocalClock, StaffHours, day_text
from bot.privacy import mask, mask_phone
from channels.gateway.handoff.callback import find_phone
from channels.gateway.handoff.words import about_a_phone, is_cancel, wants_callback

HK = timezone(timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0) -> float:
    """A time in +08:00 on 2024-01-01 (a Monday) + day."""
    return datetime(2024, 1, 1 + day, hour, minute, tzinfo=HK).timestamp()


def test_staff_hours():
    always = StaffHours.parse("always")
    assert always.always and always.is_open(at(6, 3))
    hours = StaffHours.parse("mon-fri 08:30-17:30, sat 09:00-12:00")
    assert hours.is_open(at(0, 8, 30)) and not hours.is_open(at(0, 8, 29))
    assert not hours.is_open(at(4, 17, 30)) and hours.is_open(at(5, 11, 59))
    assert not hours.is_open(at(6, 10))
    assert hours.describe("cmn") == "周一至周五 8:30-17:30，周六 9:00-12:00"
    assert hours.describe("yue") == "星期一至星期五 8:30-17:30，星期六 9:00-12:00"
    assert StaffHours.parse("daily 00:00-24:00").is_open(at(3, 23, 59))
    utc = StaffHours.parse("mon 09:00-10:00", "+00:00")
    assert utc.is_open(at(0, 17, 30)) and not utc.is_open(at(0, 9, 30))


def test_the_centres_clock():
    moment = datetime(2024, 5, 31, 20, 0, tzinfo=timezone.utc).timestamp()   # 1 June 04:00 at +8
    clock = LocalClock.of("+08:00", lambda: moment)
    assert clock.offset == 8 * 3600 and day_text(clock.today()) == "2024-06-01"
    centre = timezone(timedelta(hours=8))
    assert clock.day_start("2024-06-01") == datetime(2024, 6, 1, tzinfo=centre).timestamp()
    assert clock.day_of(clock.day_start("2024-06-01") - 1) == clock.today() - 1
    assert day_text(LocalClock.of("-10:00", lambda: moment).today()) == "2024-05-31"
    with pytest.raises(ValueError):
        clock.day_start("2024-02-30")


@pytest.mark.parametrize("spec", ["mon-fri", "fri-mon 09:00-10:00", "xyz 09:00-10:00",
                                  "mon 10:00-09:00", "mon 25:00-26:00", "mon 9-17"])
def test_wrong_staff_hours_stop_the_start_with_one_line(spec, tmp_path):
    with pytest.raises(HoursError):
        StaffHours.parse(spec)
    with pytest.raises(SettingsError) as info:
        create_app(load_settings(env={}, data_dir=str(tmp_path), staff_hours=spec))
    assert "staff_hours" in str(info.value) and "\n" not in str(info.value)


def test_wrong_console_settings_stop_the_start(tmp_path):
    with pytest.raises(SettingsError, match="console_login_max_failures"):
        load_settings(env={"KAIFONG_CONSOLE_LOGIN_MAX_FAILURES": "0"})
    with pytest.raises(SettingsError, match="staff_utc_offset"):
        create_app(load_settings(env={}, data_dir=str(tmp_path), staff_utc_offset="Beijing"))
    assert load_settings(env={"KAIFONG_CONSOLE_SECURE_COOKIE": "true"}).console_secure_cookie


@pytest.mark.parametrize("text, phone", [
    ("13812345678", "13812345678"), ("我手机 138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"), ("020-12345678", "02012345678"),
    ("+852 9123 4567", "+852 91234567"), ("0085291234567", "+852 91234567"),
    ("打 2812 3456 啦", "28123456"), ("+853 6612 3456", "+853 66123456"),
    ("一三八一二三四五六七八", "13812345678"), ("幺三八 幺二三四 五六七八", "13812345678"),
    ("一 三 八 一 二 三 四 五 六 七 八", "13812345678"),   # as the speech recogniser writes it
    ("12345", None), ("440106195001011234", None), ("我今年78岁", None),
])
def test_phone_numbers(text, phone):
    assert find_phone(text)[0] == phone


def test_phone_masking_is_the_one_style_everywhere():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+852 91234567") == "+852 ****4567"
    assert mask("打 9123 4567 或 13812345678，身份证 440106195001011234") == \
        "打 **** 4567 或 138****5678，身份证 4401**********1234"


def test_queue_words():
    for text in ("取消", "唔等喇！", "不等了。", "算了", "取消等待", "Cancel"):
        assert is_cancel(text), text
    for text in ("我唔想取消社保卡", "我等一阵", "你好"):
        assert not is_cancel(text), text
    assert wants_callback("可唔可以打返俾我") and wants_callback("留個電話俾你")
    assert wants_callback("请回电") and not wants_callback("我想问长者卡")
    for text in ("13812345678", "我電話係 9123 4567", "打 2812 3456 搵我", "幺三八 1234 5678"):
        assert about_a_phone(text), text
    for text in ("我个案号系20240101", "卡号 62220212345678901"):
        assert not about_a_phone(text), text


def test_a_claim_races_across_two_connections(tmp_path):
    """Two gateway processes on one file: the conditional UPDATE lets one win."""
    path = tmp_path / "kaifong.sqlite3"
    first = connect(path, [store.SCHEMA])
    case = in_transaction(first, lambda c: store.open_case(
        c, sender="u1", channel="api", language="cmn", script="hans", service=None,
        reason="asked", urgent=False, facts={}, turns=[], now=time.time()))
    second = connect(path)
    start, wins = threading.Barrier(2), []

    def claim(conn, name):
        start.wait()
        wins.append(in_transaction(conn, store.claim, case.id, name, time.time()))
    threads = [threading.Thread(target=claim, args=pair) for pair in ((first, "a"), (second, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False, True]
    first.close()
    second.close()


def test_staff_cli_adds_lists_and_disables(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "k.sqlite3")
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("correct horse battery\n"))
    assert staff_cli(["--db", db, "add", "Chan", "--role", "admin"]) == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert staff_cli(["--db", db, "add", "lee"]) == 1
    assert "10" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("correct horse battery\n"))
    assert staff_cli(["--db", db, "add", "chan"]) == 1           # already there
    assert staff_cli(["--db", db, "add", "bad name!"]) == 1
    assert staff_cli(["--db", db, "disable", "chan"]) == 1       # the only admin stays
    assert staff_cli(["--db", db, "list"]) == 0
    out = capsys.readouterr()
    assert "chan" in out.out and "admin" in out.out and "存在" in out.err
    conn = connect(db)
    (row,) = in_transaction(conn, accounts.list_staff)
    stored = conn.execute("SELECT password_hash FROM staff").fetchone()[0]
    conn.close()
    assert row["username"] == "chan" and stored.startswith("$argon2id$")

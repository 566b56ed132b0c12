"""The custom menu's JSON, WeChat's limits, and the command that prints it."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels.wechat.menu import MenuError, TOP_SERVICES, build_menu, main
from tests.wechat.conftest import SECRET
from tests.wechat.wechat_peer import APP_ID

ROOT = Path(__file__).resolve().parents[2]


def test_menu_shape():
    menu = build_menu([("pension_certification", "养老金资格认证"), ("senior_card", "长者卡")])
    assert menu == {"button": [
        {"name": "办事指南", "sub_button": [
            {"type": "click", "name": "养老金资格认证", "key": "svc:pension_certification"},
            {"type": "click", "name": "长者卡", "key": "svc:senior_card"}]},
        {"type": "click", "name": "找人工", "key": "human"},
        {"name": "语言", "sub_button": [
            {"type": "click", "name": "普通话", "key": "lang:cmn"},
            {"type": "click", "name": "廣東話", "key": "lang:yue"}]},
    ]}


def test_wechat_limits_are_checked():
    with pytest.raises(MenuError):
        build_menu([(f"s{i}", "名") for i in range(6)])            # a submenu holds 5
    with pytest.raises(MenuError):
        build_menu([("s", "名" * 21)])                               # over 60 bytes
    with pytest.raises(MenuError):
        build_menu([("s" * 130, "名")])                              # key over 128 bytes
    with pytest.raises(MenuError):
        build_menu([])


def test_command_prints_the_menu_from_the_catalog():
    result = subprocess.run([sys.executable, "-m", "channels.wechat.menu"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    menu = json.loads(result.stdout)
    services = menu["button"][0]["sub_button"]
    assert [b["key"] for b in services] == [f"svc:{sid}" for sid in TOP_SERVICES]
    assert services[0]["name"] == "养老金资格认证"


def test_traditional_cantonese_menu(capsys):
    assert main(["--language", "yue", "--script", "hant", "--services", "senior_card"]) == 0
    menu = json.loads(capsys.readouterr().out)
    assert menu["button"][0]["name"] == "辦事指南"
    assert menu["button"][0]["sub_button"][0]["name"] == "長者卡"


def test_unknown_service_is_one_line(capsys):
    assert main(["--services", "pension_certification,flying_lessons"]) == 2
    assert capsys.readouterr().err.strip() == "wechat menu: unknown service id 'flying_lessons'"


async def test_upload_to_wechat(fake_wechat):
    env = {**os.environ, "KAIFONG_WECHAT_APP_ID": APP_ID, "KAIFONG_WECHAT_APP_SECRET": SECRET,
           "KAIFONG_WECHAT_API_BASE": fake_wechat.base}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "channels.wechat.menu", "--upload", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert fake_wechat.menus == [json.loads(out)]


def test_upload_without_credentials_is_one_line(capsys, monkeypatch):
    monkeypatch.delenv("KAIFONG_WECHAT_APP_ID", raising=False)
    assert main(["--upload"]) == 2
    assert "KAIFONG_WECHAT_APP_ID" in capsys.readouterr().err

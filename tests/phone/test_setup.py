"""The hotline in the gateway's start-up: off unless asked for, settings checked at
start with one line naming the setting, a taken address said plainly while everything
else runs, and `make call` ringing it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings
from channels.gateway.app import create_app
from channels.gateway.keys import CHANNELS
from channels.phone.setup import PHONE_LINE
from channels.tools.stack import ROOT, phone_line

from .conftest import needs_baresip
from .peers import free_port, wait_for


def settings(tmp_path, fake_rasa, **overrides):
    return load_settings(env={}, rasa_url=fake_rasa.url, action_url=fake_rasa.url,
                         data_dir=str(tmp_path), **overrides)


async def test_the_hotline_is_off_unless_asked_for(tmp_path, fake_rasa, aiohttp_client):
    client = await aiohttp_client(create_app(settings(tmp_path, fake_rasa)))
    assert PHONE_LINE not in client.app and "phone" not in client.app[CHANNELS]
    health = await (await client.get("/healthz")).json()
    assert "phone" not in health["components"]


@pytest.mark.parametrize("overrides, named", [
    ({"phone_sip_listen": "localhost:5060"}, "phone_sip_listen"),
    ({"phone_sip_listen": "127.0.0.1:70000"}, "phone_sip_listen"),
    ({"phone_sip_transports": "udp,sctp"}, "phone_sip_transports"),
    ({"phone_rtp_ports": "30000"}, "phone_rtp_ports"),
    ({"phone_allow": "10.0.0.0/33"}, "phone_allow"),
    ({"phone_max_calls": "0"}, "phone_max_calls"),
    ({"phone_silence_seconds": "0.1"}, "phone_silence_seconds"),
    ({"phone_transfer_uri": "queue@pbx"}, "phone_transfer_uri"),
    ({"phone_register_user": "kaifong"}, "phone_register_uri"),
    ({"phone_services": "pension_certification,nonsense"}, "phone_services"),
])
def test_a_wrong_phone_setting_names_itself(overrides, named):
    with pytest.raises(SettingsError) as raised:
        load_settings(env={}, **overrides)
    assert str(raised.value).startswith(named) and "\n" not in str(raised.value)


def test_what_only_the_telephony_layer_checks_is_named_by_setting(tmp_path, fake_rasa):
    wrong = settings(tmp_path, fake_rasa, phone_enabled=True, phone_rtp_ports="20000-20009")
    with pytest.raises(SettingsError, match=r"^phone_rtp_ports: too small for max_calls$"):
        create_app(wrong)
    wildcard = settings(tmp_path, fake_rasa, phone_sip_listen="0.0.0.0:5060")
    with pytest.raises(SettingsError, match=r"^phone_public_address: required"):
        create_app(wildcard)


def test_the_gateway_refuses_to_start_on_a_wrong_phone_setting():
    done = subprocess.run([sys.executable, "-m", "channels"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                               "KAIFONG_PHONE_TRANSFER_URI": "queue@pbx"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(
        "kaifong: cannot start: phone_transfer_uri must be a sip: URI")


async def test_a_taken_address_leaves_the_rest_running(tmp_path, fake_rasa, aiohttp_client):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        client = await aiohttp_client(create_app(settings(
            tmp_path, fake_rasa, phone_sip_listen=f"127.0.0.1:{port}")))
        resp = await client.get("/healthz")
        assert resp.status == 200
        phone = (await resp.json())["components"]["phone"]
        assert not phone["ok"] and f"cannot listen on 127.0.0.1:{port}" in phone["error"]
        assert "phone_sip_listen" in phone["error"]
        opened = await (await client.post("/api/conversations", json={})).json()
        resp = await client.post("/api/chat", json={"text": "你好"},
                                 headers={"Authorization": "Bearer " + opened["token"]})
        assert resp.status == 200   # everything else runs
        # what make run prints
        line = await asyncio.to_thread(phone_line, f"http://{client.host}:{client.port}")
        assert line.startswith("Phone: OFF - cannot listen on")


async def test_make_run_prints_where_the_hotline_answers(tmp_path, fake_rasa, aiohttp_client):
    client = await aiohttp_client(create_app(settings(
        tmp_path, fake_rasa, phone_sip_listen="127.0.0.1:0", phone_rtp_ports="0")))
    port = client.app[PHONE_LINE].address[1]
    line = await asyncio.to_thread(phone_line, f"http://{client.host}:{client.port}")
    assert line.startswith(f"Phone: sip:kaifong@127.0.0.1:{port} (udp)")


@needs_baresip
async def test_make_call_rings_the_hotline(tmp_path, fake_rasa, aiohttp_client, quiet_wav):
    """`make call` with a file for a microphone and ALSA's null device for a speaker (no
    sound card here; baresip 1.0 cannot play into a file and hangs up if the player fails)."""
    client = await aiohttp_client(create_app(settings(
        tmp_path, fake_rasa, phone_sip_listen="127.0.0.1:0", phone_rtp_ports="0")))
    line = client.app[PHONE_LINE]
    log = tmp_path / "baresip.log"
    with log.open("wb") as output:
        softphone = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "channels.phone.softphone", "--to", line.sip_uri,
            "--audio", f"aufile,{quiet_wav}", "--player", "alsa,null", cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            stdin=asyncio.subprocess.PIPE, stdout=output, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True)
    try:
        try:
            await wait_for(lambda: line.channel.sessions, 30, "the call")
        except AssertionError:
            raise AssertionError("no call; baresip said:\n"
                                 + log.read_text(errors="replace")[-3000:]) from None
        [session] = line.channel.sessions.values()
        assert session.call.caller == "caller"
        softphone.stdin.write(b"b")          # the caller's key for hanging up
        await softphone.stdin.drain()
        await wait_for(lambda: not line.channel.sessions, 10, "the caller to hang up")
    finally:
        os.killpg(softphone.pid, signal.SIGKILL)   # baresip itself (the module execs it)
        await softphone.wait()




async def test_the_phone_keeps_time_for_its_process_only(tmp_path, fake_rasa, aiohttp_client):
    """An app with the phone on leaves the interpreter alone (tests start dozens);
    `python -m channels` calls keep_time once, which freezes what is loaded and switches
    threads every millisecond."""
    before = sys.getswitchinterval()
    await aiohttp_client(create_app(settings(
        tmp_path, fake_rasa, phone_sip_listen="127.0.0.1:0", phone_rtp_ports="0")))
    assert sys.getswitchinterval() == before
    probe = ("import gc, sys; from bot.settings import load_settings;"
             "from channels.phone.setup import keep_time; keep_time(load_settings(env={}));"
             "print(sys.getswitchinterval(), gc.get_freeze_count() > 1000)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["0.001", "True"], out.stderr

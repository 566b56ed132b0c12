"""The route in the gateway: off until configured, WeChat's URL check, requests
that are refused before anything is processed, safe mode end to end, and
settings that stop start-up."""
from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest

from bot.settings import SettingsError, load_settings
from channels.gateway.app import create_app
from channels.gateway.keys import DATABASE
from tests.wechat.gateway import Follower
from tests.wechat.wechat_peer import OPENID, encrypted_request, message_xml, signed_query


async def test_unconfigured_the_route_is_404(aiohttp_client, tmp_path):
    client = await aiohttp_client(create_app(load_settings(env={}, data_dir=str(tmp_path))))
    assert (await client.get("/wechat", params=signed_query(echostr="1"))).status == 404
    response = await client.post("/wechat", params=signed_query(),
                                 data=message_xml("text", Content="你好"))
    assert response.status == 404


async def test_url_check_echoes(gateway):
    response = await gateway.get("/wechat", params=signed_query(echostr="5837397520665436492"))
    assert response.status == 200 and await response.text() == "5837397520665436492"


async def test_the_path_is_a_setting(start_gateway):
    client = await start_gateway(wechat_path="/wx/kaifong")
    assert (await client.get("/wx/kaifong", params=signed_query(echostr="42"))).status == 200
    assert (await client.get("/wechat", params=signed_query(echostr="42"))).status == 404


async def deliveries(client) -> int:
    def count(conn):
        return conn.execute("SELECT COUNT(*) FROM wechat_deliveries").fetchone()[0]
    return await client.server.app[DATABASE].run(count)


async def test_a_bad_signature_is_403_and_nothing_is_processed(gateway, wechat_rasa):
    query = signed_query(token="notTheToken")
    response = await gateway.post("/wechat", params=query,
                                  data=message_xml("text", Content="长者卡点样申请"))
    assert response.status == 403
    bad = signed_query()
    bad["signature"] = "0" * 40
    assert (await gateway.get("/wechat", params={**bad, "echostr": "1"})).status == 403
    assert wechat_rasa.received == [] and await deliveries(gateway) == 0


async def test_a_stale_timestamp_is_403(gateway, wechat_rasa):
    import time
    response = await gateway.post("/wechat", params=signed_query(timestamp=int(time.time()) - 3600),
                                  data=message_xml("text", Content="你好"))
    assert response.status == 403 and wechat_rasa.received == []


async def test_xxe_is_refused_before_parsing(gateway, wechat_rasa):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName>'
           b'<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&e;</Content></xml>')
    response = await gateway.post("/wechat", params=signed_query(), data=xxe)
    assert response.status == 400
    assert "root:" not in await response.text()
    # inside a safe-mode envelope too
    query, body = encrypted_request(xxe.replace(b'<?xml version="1.0"?>', b""))
    response = await gateway.post("/wechat", params=query, data=body)
    assert response.status in (400, 403) and wechat_rasa.received == []


async def test_an_oversize_body_is_413(start_gateway, wechat_rasa):
    client = await start_gateway(wechat_max_body_bytes=4096)
    response = await client.post("/wechat", params=signed_query(),
                                 data=message_xml("text", Content="长" * 3000))
    assert response.status == 413 and wechat_rasa.received == []


async def test_a_slow_body_runs_out_of_time_and_the_route_goes_on(start_gateway, wechat_rasa):
    client = await start_gateway(body_read_seconds=1)
    reader, writer = await asyncio.open_connection(client.host, client.port)
    query = urlencode(signed_query())
    writer.write(f"POST /wechat?{query} HTTP/1.1\r\nHost: {client.host}:{client.port}\r\n"
                 "Content-Type: text/xml\r\nContent-Length: 4000\r\n\r\n<xml>".encode())
    await writer.drain()          # ...and the rest never comes
    answer = await asyncio.wait_for(reader.read(65536), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408") and wechat_rasa.received == []
    response = await client.post("/wechat", params=signed_query(),
                                 data=message_xml("text", Content="你好"))
    assert response.status == 200                      # the next message is answered


async def test_safe_mode_end_to_end(start_gateway, wechat_rasa):
    from tests.wechat.wechat_peer import AES_KEY
    client = await start_gateway(wechat_aes_key=AES_KEY)
    answer = await Follower(client, encrypted=True).text("社保卡丢了")
    assert answer.status == 200 and "<Encrypt>" in answer.raw and "社保卡" not in answer.raw
    assert answer.content == "机器人回答：社保卡丢了"
    assert wechat_rasa.received[0]["message"] == "社保卡丢了"


async def test_an_encrypted_message_without_a_key_is_refused(gateway, wechat_rasa):
    query, body = encrypted_request(message_xml("text", Content="你好"))
    response = await gateway.post("/wechat", params=query, data=body)
    assert response.status == 403 and wechat_rasa.received == []


@pytest.mark.parametrize("overrides, word", [
    ({"wechat_token": "x"}, "wechat_token"),
    ({"wechat_aes_key": "short"}, "wechat_aes_key"),
    ({"wechat_api_base": "ftp://example"}, "wechat_api_base"),
])
def test_wrong_values_stop_start_up_with_one_line(wechat_settings, overrides, word):
    with pytest.raises(SettingsError) as info:
        create_app(wechat_settings(**overrides))
    message = str(info.value)
    assert message.startswith(word) and "\n" not in message


@pytest.mark.parametrize("env, word", [
    ({"KAIFONG_WECHAT_TOKEN": "abcdef"}, "wechat_app_id"),
    ({"KAIFONG_WECHAT_TOKEN": "abcdef", "KAIFONG_WECHAT_APP_ID": "wx1"}, "wechat_app_secret"),
    ({"KAIFONG_WECHAT_PASSIVE_SECONDS": "6"}, "wechat_passive_seconds"),
    ({"KAIFONG_WECHAT_PATH": "wechat"}, "wechat_path"),
    ({"KAIFONG_WECHAT_MAX_BODY_BYTES": "0"}, "wechat_max_body_bytes"),
])
def test_settings_name_what_is_wrong(env, word):
    with pytest.raises(SettingsError) as info:
        load_settings(env=env)
    assert word in str(info.value) and "\n" not in str(info.value)


def test_secrets_stay_out_of_the_settings_repr(wechat_settings):
    from tests.wechat.conftest import SECRET
    shown = repr(wechat_settings())
    assert SECRET not in shown and "kaifongToken2024" not in shown
    assert OPENID not in shown

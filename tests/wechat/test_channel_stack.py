"""End to end on the real stack (tests/conftest.py: real Rasa with the trained
model, the real action server): a gateway with the WeChat channel configured,
talking to them, and WeChat's HTTP API stood in for. What an elder in Hong Kong
meets: a Traditional-script Cantonese question answered in Traditional, the
options as numbered lines, a number answered, and staff on the same chat."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer

from bot.language import detect_script
from bot.settings import load_settings
from channels.gateway.app import create_app
from tests.wechat.conftest import SECRET
from tests.wechat.gateway import Follower
from tests.wechat.test_channel_events import staff_of
from tests.wechat.test_channel_text import wait_for
from tests.wechat.wechat_peer import APP_ID, OPENID, TOKEN

pytestmark = pytest.mark.stack
NUMBERED = re.compile(r"^(\d) (.+)$")


@pytest.fixture
async def real_gateway(stack, aiohttp_client, fake_wechat, tmp_path):
    c = stack.config
    settings = load_settings(
        env={}, rasa_url=f"http://{c.host}:{c.rasa_port}",
        action_url=f"http://{c.host}:{c.actions_port}", rasa_token=stack.token,
        data_dir=str(tmp_path), wechat_token=TOKEN, wechat_app_id=APP_ID,
        wechat_app_secret=SECRET, wechat_api_base=fake_wechat.base)
    server = TestServer(create_app(settings))
    await server.start_server(access_log=None)
    return await aiohttp_client(server)


def options(text: str) -> list[tuple[str, str]]:
    return [m.groups() for m in map(NUMBERED.match, text.splitlines()) if m]


async def answer_of(person: Follower, fake_wechat, text: str) -> str:
    """The whole answer: passive, and (a slow machine) anything sent after it."""
    before = len(fake_wechat.sent)
    answer = await person.text(text)
    if answer.content is not None:
        return "\n".join([answer.content] + [c for _, c in fake_wechat.sent[before:]])
    await wait_for(lambda: len(fake_wechat.sent) > before, timeout=30)
    return "\n".join(c for _, c in fake_wechat.sent[before:])


async def test_a_cantonese_question_in_traditional_on_the_real_stack(real_gateway, fake_wechat,
                                                                    aiohttp_client):
    person = Follower(real_gateway)
    reply = await answer_of(person, fake_wechat, "長者卡點樣申請")
    assert detect_script(reply) == "hant", reply
    assert "长者" not in reply and "長者" in reply
    lines = reply.splitlines()
    prompt = next(i for i, line in enumerate(lines) if line == "回覆數字就得：")
    numbered = options("\n".join(lines[prompt + 1:-1]))
    assert [n for n, _ in numbered][:2] == ["1", "2"], reply
    assert all(detect_script(title) != "hans" for _, title in numbered), reply
    # a person, on every menu, offered once (a 「0」 line only where no option offers one)
    assert lines[-1].endswith("揾工作人員") and sum(l.endswith("揾工作人員") for l in lines) == 1, reply

    # a number is an answer: the first option
    reply = await answer_of(person, fake_wechat, "1")
    assert detect_script(reply) != "hans" and reply, reply

    # 「0」: a person, and staff write back in the same chat, in Traditional
    reply = await answer_of(person, fake_wechat, "0")
    assert "工作人員會喺呢度覆你。" in reply, reply
    staff = await staff_of(aiohttp_client, real_gateway)
    (case,) = await staff.cases()
    assert case["channel"] == "wechat" and case["language"] == "yue" and case["script"] == "hant"
    await staff.post(f"/console/api/cases/{case['id']}/claim")
    sent = len(fake_wechat.sent)
    await staff.post(f"/console/api/cases/{case['id']}/messages", {"text": "请带身份证来。"})
    await wait_for(lambda: any(c == "請帶身份證來。" for _, c in fake_wechat.sent[sent:]))
    assert all(to == OPENID for to, _ in fake_wechat.sent)

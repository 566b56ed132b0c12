"""Shared fixtures. The real stack (action server, Rasa with the trained model, gateway) on test
ports, started once per test session and shared by every folder that needs it
(integration/, handoff/). `make test` trains the model first and passes it as
KAIFONG_MODEL."""
import os
from pathlib import Path
from typing import Any, Optional

import pytest
from aiohttp import web

from bot.texts import say
from channels.console import queue
from channels.gateway.handoff import store
from channels.gateway.keys import DATABASE

from channels.tools.stack import ROOT
from tests.processes import add_staff_by_cli, start_stack

STACK_ADMIN = "stackadmin"   # the console account on the shared stack (tests/integration)


def _model() -> Path:
    if os.environ.get("KAIFONG_MODEL"):
        return Path(os.environ["KAIFONG_MODEL"])
    models = sorted((ROOT / ".build" / "models").glob("kaifong-*.tar.gz"), key=os.path.getmtime)
    if not models:
        pytest.fail("no trained model: run 'make test' (it trains first) or 'make train'")
    return models[-1]


@pytest.fixture(scope="session")
def model() -> Path:
    return _model()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, model):
    stack = start_stack(model, tmp_path_factory.mktemp("stack"))
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def stack_admin(stack) -> str:
    """An admin account on the shared stack, made the way an operator does (make staff-add)."""
    add_staff_by_cli(stack.config.run_dir / "kaifong.sqlite3", STACK_ADMIN, "admin")
    return STACK_ADMIN


@pytest.fixture(scope="session")
def base_url(stack) -> str:
    return stack.gateway_url


# --- a Rasa protocol peer for gateway tests that do not need the real dialogue ---

# The few services the stand-in knows by name (the gateway sends Rasa Simplified text)
FAKE_SERVICES = {"长者卡": "senior_card", "社保卡": "social_security_card"}


class FakeRasa:
    """Answers like Rasa with our actions: a handoff signal when asked for a person,
    carrying the service the person asked about before (as the real bot's slot does).
    What a person meets with the real dialogue is tested on the real stack
    (tests/integration/test_queue.py)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.url = ""
        self.service: dict[str, str] = {}   # sender -> the service under discussion

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        text, language = body["message"], (body.get("metadata") or {}).get("language", "cmn")
        sender = body["sender"]
        for word, service in FAKE_SERVICES.items():
            if word in text:
                self.service[sender] = service
        if text == "/emergency":
            return web.json_response([{"text": say("emergency", language)},
                                      self._signal("emergency", self.service.get(sender))])
        if text == "/human" or any(w in text for w in ("真人", "工作人员", "人工")):
            return web.json_response([{"text": say("handoff", language, hotline="12345")},
                                      self._signal("asked", self.service.get(sender))])
        if "乱码" in text:
            return web.json_response([{"text": say("fallback", language)},
                                      self._signal("not_understood", None)])
        return web.json_response([{"text": f"机器人回答：{text}"}])

    @staticmethod
    def _signal(reason: str, service: Optional[str]) -> dict[str, Any]:
        return {"custom": {"kaifong": {"handoff": {"reason": reason, "service": service}}}}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/kaifong/webhook", self.webhook)
        return app


@pytest.fixture
async def fake_rasa(aiohttp_server) -> FakeRasa:
    fake = FakeRasa()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


async def staff_queue(app: web.Application, states: tuple[str, ...] = store.OPEN
                      ) -> tuple[list[Any], dict[int, int], dict[int, str]]:
    """What the console lists (its own queue query, every case, no groups): the cases in
    its order, the places of those waiting, the last words (masked)."""
    page = await app[DATABASE].run(lambda conn: queue.read_page(conn, states))
    return page.cases, page.positions, page.last_words

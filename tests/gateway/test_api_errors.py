"""The gateway on its own, with nothing listening where Rasa should be: bad requests
get clear 4xx JSON, a dead assistant gets the apology with the hotline, and the
server keeps serving throughout."""
import pytest

from bot.settings import load_settings
from channels.gateway.app import create_app
from tests.processes import dead_url


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    dead = dead_url()  # refuses every connection: Rasa and the action server are "down"
    settings = load_settings(env={}, rasa_url=dead, action_url=dead, rasa_timeout=2,
                             data_dir=str(tmp_path))
    return await aiohttp_client(create_app(settings))


async def open_conversation(client, **body) -> dict[str, str]:
    resp = await client.post("/api/conversations", json=body)
    assert resp.status == 201, await resp.text()
    return {"Authorization": "Bearer " + (await resp.json())["token"]}


async def post_raw(client, path, data, content_type="application/json"):
    headers = {"Content-Type": content_type}
    if path == "/api/chat":
        headers.update(await open_conversation(client))
    resp = await client.post(path, data=data, headers=headers)
    return resp.status, await resp.json()


@pytest.mark.parametrize("path", ["/api/chat", "/api/understand"])
@pytest.mark.parametrize("data, content_type, status, words", [
    (b'{"text": ""}', "application/json", 400, "empty"),
    (b'{"text": "   "}', "application/json", 400, "empty"),
    (b'{}', "application/json", 400, "required"),
    (b'{"text": 5}', "application/json", 400, "string"),
    ('{"text": "%s"}' % ("社" * 501), "application/json", 413, "too long"),
    (b'{"text": "hi"', "application/json", 400, "malformed JSON"),
    (b'["u1", "hi"]', "application/json", 400, "JSON object"),
    (b'text=hi', "application/x-www-form-urlencoded", 415, "application/json"),
    ('{"text": "社保卡"}'.encode("gbk"), "application/json", 400, "UTF-8"),
    (b'{"text": "a\\u0000b"}', "application/json", 400, "NUL"),
])
async def test_bad_requests_get_a_clear_4xx(client, path, data, content_type, status, words):
    got_status, body = await post_raw(client, path, data, content_type)
    assert got_status == status
    assert words in body["error"]
    # ...and the server keeps serving.
    health = await client.get("/healthz")
    assert health.status == 200


async def test_huge_body_is_refused_as_json(client):
    status, body = await post_raw(client, "/api/chat", b'{"text": "' + b"a" * 200_000 + b'"}')
    assert status == 413 and "too large" in body["error"]


@pytest.mark.parametrize("user", ["", "a" * 129, "u 1", "<script>", 7])
async def test_bad_user_id(client, user):
    resp = await client.post("/api/conversations", json={"user": user})
    assert resp.status == 400 and "user" in (await resp.json())["error"]


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer nope", "Basic dTE6eA==",
                                           "u1"])
async def test_a_turn_without_the_conversations_token_is_refused(client, authorization):
    """The old API (a sender chosen by the client) is refused with a way forward."""
    headers = {} if authorization is None else {"Authorization": authorization}
    resp = await client.post("/api/chat", json={"sender": "u1", "text": "你好"}, headers=headers)
    body = await resp.json()
    assert resp.status == 401 and "POST /api/conversations" in body["error"]
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_unknown_route_is_json_404(client):
    resp = await client.get("/api/nothing")
    assert resp.status == 404 and "error" in await resp.json()


async def test_assistant_down_gives_apology_with_hotline_in_the_users_language(client):
    resp = await client.post("/api/chat", json={"text": "養老金點樣認證"},
                             headers=await open_conversation(client))
    assert resp.status == 503
    body = await resp.json()
    text = body["messages"][0]["text"]
    assert "12345" in text and "唔好意思" in text and "係統" not in text
    assert "系統" in text  # Traditional for a Traditional writer
    assert (body["language"], body["script"]) == ("yue", "hant")
    assert "Traceback" not in str(body)


async def test_understand_when_rasa_is_down_is_a_json_503(client):
    resp = await client.post("/api/understand", json={"text": "社保卡丢了"})
    assert resp.status == 503 and "unavailable" in (await resp.json())["error"]


async def test_healthz_names_the_parts_that_are_down(client):
    resp = await client.get("/healthz")
    body = await resp.json()
    assert resp.status == 200 and body["status"] == "degraded"
    assert body["components"]["rasa"]["ok"] is False
    assert body["components"]["actions"]["ok"] is False
    assert "unreachable" in body["components"]["actions"]["detail"]


async def test_language_switch_is_answered_by_the_gateway_itself(client):
    # Even with Rasa down, 「講廣東話」 is understood and remembered.
    resp = await client.post("/api/chat", json={"text": "講廣東話"},
                             headers=await open_conversation(client, user="u2"))
    body = await resp.json()
    assert resp.status == 200 and body["language"] == "yue" and body["script"] == "hant"
    assert "廣東話" in body["messages"][0]["text"]
